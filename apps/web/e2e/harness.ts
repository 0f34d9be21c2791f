import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, ServerProcess } from "@parley/server/testing";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, onTestFailed } from "vitest";

export type ServerEnv = Record<string, string> | ((port: number) => Record<string, string>);

const webDist = fileURLToPath(new URL("../dist", import.meta.url));
export const resultsDir = fileURLToPath(new URL("../test-results", import.meta.url));

/**
 * The production server serving the built web app, as a child process, so it
 * can be stopped and started again on the same port and database. Its output
 * goes to test-results/server-<name>.log.
 */
export class ParleyProcess {
  private constructor(private readonly server: ServerProcess) {}

  /** `extraEnv` may depend on the port the server will listen on (FILES_ORIGIN on another name for it). */
  static async start(name: string, extraEnv: ServerEnv = {}): Promise<ParleyProcess> {
    mkdirSync(resultsDir, { recursive: true });
    const port = typeof extraEnv === "function" ? await freePort() : 0;
    const extra = typeof extraEnv === "function" ? extraEnv(port) : extraEnv;
    const env = { WEB_DIR: webDist, LOG_LEVEL: "warn", SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000", ...extra };
    const server = new ServerProcess(env, { logFile: join(resultsDir, `server-${name}.log`) });
    server.port = port;
    const p = new ParleyProcess(server);
    await p.startProcess();
    return p;
  }

  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  /** The SQLite file (for seeding large histories while the process is stopped). */
  get dbFile(): string {
    return this.server.dbFile;
  }

  /** Starts (again, on the same port and database) and resolves once the server answers. */
  startProcess(): Promise<void> {
    return this.server.start();
  }

  /** Stops the process (SIGTERM: a graceful restart) and waits for it to exit. */
  stopProcess(): Promise<void> {
    return this.server.stop("SIGTERM", { killAfterMs: 10_000 });
  }

  async dispose(): Promise<void> {
    await this.stopProcess();
    await this.server[Symbol.asyncDispose]();
  }

  /** Calls a procedure over HTTP, as a bot would. */
  async call<T>(path: string, input: unknown, token?: string): Promise<T> {
    const r = await fetch(`${this.url}/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(input),
    });
    const body = (await r.json()) as { result?: { data: T }; error?: { message: string } };
    if (!body.result) throw new Error(`${path} failed: ${body.error?.message ?? r.status}`);
    return body.result.data;
  }
}

export interface ApiSession {
  user: { id: number; username: string; email: string; createdAt: number };
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: number;
}

let counter = 0;
/** A unique, valid username per test run. */
export const uniqueName = (base: string) => `${base}${Date.now().toString(36).slice(-4)}${(counter++).toString(36)}`;

export function registerByApi(server: ParleyProcess, username: string): Promise<ApiSession> {
  return server.call<ApiSession>("auth.register", { username, email: `${username}@example.test`, password: "correct horse battery" });
}

const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Without Chromium (apt-get install -y chromium) the browser suites skip themselves, with a warning. */
export const hasChromium = existsSync(executablePath);
if (!hasChromium) console.warn(`warning: no Chromium at ${executablePath}: the browser tests are skipped`);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--disable-gpu", "--disable-quic", "--no-sandbox"],
  });
}

const pageErrors: string[] = [];

/** Records uncaught page errors and the app's own error logs ("parley: …"), so a test can insist on none. */
export function watchErrors(page: Page): Page {
  page.on("pageerror", (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && m.text().startsWith("parley:")) pageErrors.push(`console: ${m.text()}`);
  });
  return page;
}

/** A browser context whose pages are watched for errors. */
export async function newContext(browser: Browser, opts: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext(opts);
  context.on("page", watchErrors);
  return context;
}

/** The errors recorded since the last call. */
export function takePageErrors(): string[] {
  return pageErrors.splice(0);
}

export interface Person {
  context: BrowserContext;
  page: Page;
  username: string;
}

/**
 * One test file's server and browser: started before its tests (when Chromium
 * is here), every test checked for page errors, everything closed after.
 * Returns the list to push each file's people onto, so their contexts close too.
 */
export function useE2eServer(
  name: string,
  env: ServerEnv,
  ready: (server: ParleyProcess, browser: Browser) => void,
): Person[] {
  const people: Person[] = [];
  let server: ParleyProcess | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!hasChromium) return;
    [server, browser] = await Promise.all([ParleyProcess.start(name, env), launchBrowser()]);
    ready(server, browser);
  });
  afterEach(() => {
    expect(takePageErrors(), "errors in the page").toEqual([]);
  });
  afterAll(async () => {
    for (const p of people) await p.context.close().catch(() => undefined);
    await browser?.close();
    await server?.dispose();
  });
  return people;
}

/** A browser context already signed in (its session placed in localStorage before the app starts). */
export async function signedIn(
  browser: Browser,
  server: ParleyProcess,
  session: ApiSession,
  opts: { viewport?: { width: number; height: number }; colorScheme?: "light" | "dark" } = {},
): Promise<Person> {
  const context = await newContext(browser, {
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    colorScheme: opts.colorScheme ?? "light",
  });
  await context.addInitScript((s) => {
    // Once per browser context (all its tabs share localStorage), like a sign-in would; about:blank has no storage.
    if (location.protocol.startsWith("http") && !localStorage.getItem("e2e.seeded")) {
      localStorage.setItem("parley.session", s);
      localStorage.setItem("e2e.seeded", "1");
    }
  }, JSON.stringify(session));
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByTestId("me-name").waitFor({ state: "attached" });
  return { context, page, username: session.user.username };
}

/** Saves a screenshot of every page given if the current test fails. */
export function screenshotOnFailure(name: string, pages: () => Page[]): void {
  onTestFailed(async () => {
    mkdirSync(resultsDir, { recursive: true });
    let i = 0;
    for (const page of pages()) {
      await page.screenshot({ path: join(resultsDir, `${name}-${i++}.png`), fullPage: true }).catch(() => undefined);
    }
  });
}

/**
 * Opens the members panel unless it is open: by the toggle's state, not by
 * whether the panel shows yet (the panel is a lazy chunk, so "not visible"
 * can mean "still loading", and a click then closes it).
 */
export async function openMembers(page: Page): Promise<void> {
  const toggle = page.getByRole("button", { name: /^Members/ });
  if ((await toggle.getAttribute("aria-pressed")) !== "true") await toggle.click();
}
