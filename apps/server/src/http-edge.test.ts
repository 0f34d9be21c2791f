import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./test/harness.ts";
import { rawGet, rawRequest, rawUpgrade } from "./test/raw-http.ts";

/**
 * The edge in front of every route (boundary.ts, request-target.ts,
 * static.ts): malformed targets, Hosts and headers are 400s, static paths
 * cannot leave the web directory, and none of it is a 5xx.
 */

const root = mkdtempSync(join(tmpdir(), "parley-edge-"));
const web = join(root, "web");
const SECRET_TEXT = "outside the web dir";
let server: TestServer;
let port: number;

beforeAll(async () => {
  mkdirSync(join(web, "assets"), { recursive: true });
  mkdirSync(join(root, "outside"));
  writeFileSync(join(web, "index.html"), "<!doctype html><title>app</title>");
  writeFileSync(join(web, "assets", "app.js"), "export const app = 1;");
  writeFileSync(join(root, "secret.txt"), SECRET_TEXT);
  writeFileSync(join(root, "outside", "page.html"), SECRET_TEXT);
  symlinkSync(join(root, "secret.txt"), join(web, "link-out"));
  symlinkSync(join(root, "outside"), join(web, "dir-out"));
  symlinkSync(join(web, "assets", "app.js"), join(web, "link-in.js"));
  server = await startTestServer({ WEB_DIR: web });
  port = server.port;
});
afterAll(async () => {
  await server.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe("request targets", () => {
  it("answers malformed percent-encoding with 400, on every route, and keeps serving", async () => {
    for (const target of ["/%ff", "/%", "/%e0%80", "/assets/%c0", "/trpc/auth.me%ff", "/healthz?x=%zz", "/ws%", "/index.html?%"]) {
      expect((await rawGet(port, target)).status, target).toBe(400);
    }
    expect((await rawGet(port, "/healthz")).status).toBe(200);
  });

  it("takes an absolute-form target's authority as the Host: a bad port is 400, a good one is served", async () => {
    expect((await rawGet(port, "http://x:99999/")).status).toBe(400);
    expect((await rawGet(port, "http://[::1/")).status).toBe(400);
    expect((await rawGet(port, "ftp://x/")).status).toBe(400);
    expect((await rawGet(port, "http://user:pw@127.0.0.1/")).status).toBe(400);
    const ok = await rawGet(port, `http://127.0.0.1:${port}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('"ok":true');
    // The authority stands for Host: an unknown one is refused like an unknown Host header.
    expect((await rawGet(port, "http://evil.example/", { host: `127.0.0.1:${port}` })).status).toBe(421);
  });

  it("refuses targets that are neither origin- nor absolute-form", async () => {
    expect((await rawGet(port, "*", { method: "OPTIONS" })).status).toBe(400);
    expect((await rawGet(port, "healthz")).status).toBe(400);
  });
});

describe("headers", () => {
  it("answers a malformed Host, or several, with 400", async () => {
    for (const host of ["x:99999", "a b", "[::1", "user@host", "host/path", "%00", "1.2.3.999", ""]) {
      expect((await rawGet(port, "/", { host })).status, JSON.stringify(host)).toBe(400);
    }
    const twice = await rawRequest(port, ["GET / HTTP/1.1", `Host: 127.0.0.1:${port}`, "Host: evil.example", "Connection: close"]);
    expect(twice.status).toBe(400);
  });

  it("answers what Node's parser refuses (request line, header syntax) with 400 and closes", async () => {
    for (const lines of [["GET / HTTP/9.9"], ["GET / HTTP/1.1", `Host: 127.0.0.1:${port}`, "bad header: x"], ["G\u0000T / HTTP/1.1"], ["GET / HTTP/1.1", "Content-Length: -1"]]) {
      const r = await rawRequest(port, lines);
      expect(r.status, JSON.stringify(lines)).toBe(400);
      expect(r.headers.connection).toBe("close");
    }
  });

  it("refuses a method tRPC cannot carry with 405 instead of failing inside it", async () => {
    for (const method of ["TRACE", "PUT", "DELETE"]) {
      const r = await rawGet(port, "/trpc/auth.me", { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe("GET, POST, OPTIONS");
    }
  });
});

describe("static files", () => {
  it("serves files of the web app, and index.html for client-side routes", async () => {
    const js = await rawGet(port, "/assets/app.js");
    expect(js.status).toBe(200);
    expect(js.body).toBe("export const app = 1;");
    expect(js.headers["cache-control"]).toContain("immutable");
    const route = await rawGet(port, "/rooms/12");
    expect(route.status).toBe(200);
    expect(route.body).toContain("<title>app</title>");
    expect((await rawGet(port, "/link-in.js")).body).toBe("export const app = 1;");
  });

  it("never serves a file outside the web directory: traversal, encoded separators, NUL, symlinks", async () => {
    const attempts = [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e%2fsecret.txt",
      "/assets/..%5c..%5csecret.txt",
      "/..\\secret.txt",
      "/link-out",
      "/dir-out/page.html",
      "/index.html%00.js",
      "/assets/%00",
      `/${"../".repeat(20)}etc/passwd`,
    ];
    for (const target of attempts) {
      const r = await rawGet(port, target);
      expect(r.status, target).toBeLessThan(500);
      expect(r.body, target).not.toContain(SECRET_TEXT);
      expect(r.body, target).not.toContain("root:");
    }
    // Each kind is refused for what it is, not by luck.
    expect((await rawGet(port, "/..%2fsecret.txt")).status).toBe(400);
    expect((await rawGet(port, "/index.html%00.js")).status).toBe(400);
    expect((await rawGet(port, "/link-out")).status).toBe(404);
    expect((await rawGet(port, "/dir-out/page.html")).status).toBe(404);
  });
});

describe("upgrades", () => {
  it("parses the upgrade's target and Host like any request", async () => {
    expect(await rawUpgrade(port, { target: "/ws%ff" })).toBe(400);
    expect(await rawUpgrade(port, { target: "http://x:99999/ws" })).toBe(400);
    expect(await rawUpgrade(port, { host: "x:99999" })).toBe(400);
    expect(await rawUpgrade(port, { target: "/elsewhere" })).toBe(404);
    expect(await rawUpgrade(port)).toBe(101);
  });
});
