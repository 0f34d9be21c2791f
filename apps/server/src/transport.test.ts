import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { registerUser, type TestServer, startTestServer, wsUrl } from "./test/harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ALLOWED_ORIGINS: "https://chat.example" });
});
afterAll(() => server.dispose());

/** Resolves with the HTTP status of a refused upgrade, or 101 when it opens. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => {
      ws.close();
      resolve(101);
    });
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("error", () => resolve(0));
  });
}

describe("transport", () => {
  it("answers /healthz", async () => {
    const r = await fetch(`${server.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true });
  });

  it("accepts the WebSocket upgrade from an allowed or same origin, and refuses foreign and null origins", async () => {
    const url = wsUrl(server);
    const self = new URL(server.url).origin;
    expect(await upgrade(url, { origin: "https://chat.example" })).toBe(101);
    expect(await upgrade(url, { origin: self })).toBe(101);
    expect(await upgrade(url)).toBe(101); // bots and CLIs send no Origin
    expect(await upgrade(url, { origin: "https://evil.example" })).toBe(403);
    expect(await upgrade(url, { origin: "null" })).toBe(403);
    expect(await upgrade(url.replace("/ws", "/elsewhere"))).toBe(404);
  });

  it("follows the same origin list for CORS", async () => {
    const ok = await fetch(`${server.url}/trpc/auth.me`, { method: "OPTIONS", headers: { origin: "https://chat.example" } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://chat.example");
    const bad = await fetch(`${server.url}/trpc/auth.me`, { headers: { origin: "https://evil.example" } });
    expect(bad.status).toBe(403);
  });

  it("ignores a token in the URL query", async () => {
    const u = await registerUser(server, "urltoken");
    const r = await fetch(`${server.url}/trpc/auth.me?token=${u.accessToken}`);
    expect(r.status).toBe(401);
  });
});

describe("oversized requests", () => {
  it("refuses a body over the limit with 413 and keeps serving", async () => {
    const u = await registerUser(server, "big");
    const r = await fetch(`${server.url}/trpc/messages.send`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${u.accessToken}` },
      body: JSON.stringify({ roomId: 1, clientId: "big", content: "x".repeat(300 * 1024) }),
    });
    expect(r.status).toBe(413);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
