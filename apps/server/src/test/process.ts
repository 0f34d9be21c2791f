import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./services.ts";

/**
 * The production build (apps/server/dist/main.js) as a child process on a
 * temporary SQLite file, for what an in-process server cannot do: kill -9,
 * restart on the same port, a server on its own core. The one helper for
 * this in the workspace: the server's reliability and cluster tests, the
 * client's and the CLI's tests (through `@parley/client/testing`) and the
 * web app's end-to-end tests use it.
 */

const serverDir = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const repoRoot = resolve(serverDir, "../..");
const mainJs = join(serverDir, "dist/main.js");
export const TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789";

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const stale = () => {
  const built = existsSync(mainJs) ? statSync(mainJs).mtimeMs : 0;
  const sources = Math.max(newestSource(join(serverDir, "src")), ...["api", "db"].map((p) => newestSource(join(repoRoot, "packages", p, "src"))));
  return built < sources;
};

/**
 * Builds dist/main.js when it is missing or older than the server's or a
 * package's source. Test files run in parallel workers: a lock directory
 * keeps them from building over each other.
 */
export function ensureServerBuilt(): string {
  if (!stale()) return mainJs;
  const lock = join(serverDir, "dist", ".build-lock");
  mkdirSync(join(serverDir, "dist"), { recursive: true });
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > until) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, ["build.mjs"], { cwd: serverDir, stdio: "inherit" });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return mainJs;
}

export interface ServerProcessOptions {
  /** Extra Node flags, e.g. ["--cpu-prof"] to profile the server. */
  execArgv?: string[];
  /** A file the output of every run is appended to as well, to read after the tests. */
  logFile?: string;
}

export class ServerProcess implements AsyncDisposable {
  readonly dir = mkdtempSync(join(tmpdir(), "parley-proc-"));
  readonly dbFile = join(this.dir, "chat.db");
  private child: ChildProcess | null = null;
  port = 0;
  /** stdout and stderr of every run, for failure messages. */
  log = "";
  starts = 0;

  /** `env` is added to (and overrides) the test defaults below: port, database, secret, BCRYPT_COST=4, no send rate limit, no registration limit. */
  constructor(
    private readonly env: Record<string, string> = {},
    private readonly options: ServerProcessOptions = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts (again, on the same port and database) and resolves once /healthz answers. */
  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn(process.execPath, [...(this.options.execArgv ?? []), ensureServerBuilt()], {
      cwd: this.dir,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "test",
        HOST: "127.0.0.1",
        PORT: String(this.port),
        DATABASE_URL: this.dbFile,
        SECRET_KEY: TEST_SECRET,
        BCRYPT_COST: "4",
        LOG_LEVEL: "error",
        SEND_RATE_BURST: "1000000",
        SEND_RATE_PER_SEC: "1000000",
        REGISTRATIONS_PER_IP: "1000000",
        ...this.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.starts++;
    const { logFile } = this.options;
    const capture = (c: Buffer) => {
      this.log += c.toString();
      if (logFile) appendFileSync(logFile, c);
    };
    child.stdout?.on("data", capture);
    child.stderr?.on("data", capture);
    let exited = false;
    child.once("exit", () => {
      exited = true;
      if (this.child === child) this.child = null;
    });
    const until = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new Error(`server exited before listening:\n${this.log}`);
      const ok = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(500) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > until) throw new Error(`server did not answer /healthz:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * SIGKILL by default (no shutdown at all); SIGTERM is the graceful stop.
   * Resolves once the process is gone; with `killAfterMs`, a process still
   * there by then gets SIGKILL.
   */
  async stop(signal: NodeJS.Signals = "SIGKILL", { killAfterMs }: { killAfterMs?: number } = {}): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill(signal);
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    await exited;
    clearTimeout(timer);
  }

  /** The same as stop(): the name the client's and the CLI's tests use. */
  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    return this.stop(signal);
  }

  async restart(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a server process (building it first if needed). */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const p = new ServerProcess(env);
  await p.start();
  return p;
}
