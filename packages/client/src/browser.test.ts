import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type * as Parley from "./index.ts";
import { history, useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser } from "./test/helpers.ts";

/** What the bundled page puts on `globalThis`. */
type PageGlobals = typeof globalThis & {
  parley: Pick<typeof Parley, "createParleyClient" | "localStorageOutbox" | "login">;
  client?: Parley.ParleyClient;
  statuses?: string[];
};

const t = useDisposer();
const webDir = mkdtempSync(join(tmpdir(), "parley-client-browser-"));
let browser: Browser;

beforeAll(async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./test/browser-entry.ts", import.meta.url))],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const js = result.outputFiles[0]?.text ?? "";
  expect(js).not.toContain("ws does not work in the browser");
  writeFileSync(join(webDir, "app.js"), js);
  writeFileSync(join(webDir, "index.html"), '<!doctype html><title>parley</title><script type="module" src="/app.js"></script>');
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--disable-gpu", "--disable-quic"] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(webDir, { recursive: true, force: true });
});

async function openPage(url: string): Promise<Page> {
  const context = await browser.newContext();
  t.add(() => context.close());
  const page = await context.newPage();
  if (process.env.PARLEY_TEST_DEBUG) page.on("console", (m) => console.log(`[page] ${m.text()}`));
  await page.goto(url);
  await page.waitForFunction(() => "parley" in globalThis);
  return page;
}

/** Starts a client in the page, with its outbox in localStorage and its statuses recorded. */
function startClient(page: Page, username: string) {
  return page.evaluate(async (username) => {
    // A long backoff: only the browser's `online` event can bring the socket back quickly.
    const g = globalThis as PageGlobals;
    const tokens = await g.parley.login(location.origin, { username, password: "password123" });
    g.statuses = [];
    g.client = g.parley.createParleyClient({
      url: location.origin,
      credentials: tokens,
      storage: g.parley.localStorageOutbox("outbox"),
      reconnect: { baseMs: 20_000, maxMs: 60_000 },
    });
    g.client.connection.subscribe((c) => g.statuses?.push(c.status));
    await g.client.ready;
    return g.client.user?.id;
  }, username);
}

describe("in a browser", () => {
  test("the client uses the built-in WebSocket, rides out going offline, and keeps its outbox across a reload", async () => {
    const s = await t.server({ WEB_DIR: webDir });
    const ada = await newUser(s.url);
    const watcher = t.client(clientFor(s.url, ada));
    await watcher.ready;
    const room = await watcher.api.rooms.create.mutate({ name: "browser" });

    const page = await openPage(s.url);
    expect(await startClient(page, ada.user.username)).toBe(ada.user.id);

    // Offline (and the socket gone with the network): a message waits in the outbox and in localStorage…
    await page.context().setOffline(true);
    await s.kill("SIGKILL");
    await page.waitForFunction(() => (globalThis as PageGlobals).client?.connection.get().status === "offline");
    await page.evaluate((roomId) => {
      void (globalThis as PageGlobals).client?.send(roomId, "typed while offline").catch(() => {});
    }, room.id);
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("outbox") ?? "[]") as Parley.OutboxItem[]);
    expect(stored.map((i) => [i.content, i.status])).toEqual([["typed while offline", "pending"]]);

    // …and `online` brings the socket back at once, not after the 10–20 s backoff: the message goes out.
    await s.start();
    await page.context().setOffline(false);
    await page.waitForFunction(() => (globalThis as PageGlobals).client?.outbox.get().length === 0, undefined, { timeout: 5000 });
    expect(await page.evaluate(() => (globalThis as PageGlobals).statuses)).toContain("offline");

    // A pending message survives a reload: close the client with it unsent, reload, it is delivered once.
    await s.kill("SIGKILL");
    await page.evaluate(async (roomId) => {
      const c = (globalThis as PageGlobals).client;
      c?.send(roomId, "survives a reload").catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
      await c?.close();
    }, room.id);
    await s.start();
    await page.reload();
    await page.waitForFunction(() => "parley" in globalThis);
    await startClient(page, ada.user.username);
    await page.waitForFunction(() => (globalThis as PageGlobals).client?.outbox.get().length === 0, undefined, { timeout: 5000 });

    const texts = (await history(watcher, room.id)).filter((m) => m.kind === "text").map((m) => m.content);
    expect(texts).toEqual(["typed while offline", "survives a reload"]);
  });
});
