import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";
import { startTestServer, type TestServer } from "./test/harness.ts";
import { rawGet, rawUpgrade } from "./test/raw-http.ts";

/**
 * DNS rebinding: a page on a name the attacker controls, resolved to this
 * server, sends a Host and an Origin that agree with each other. Same-origin
 * is judged against configured origins (PUBLIC_URL, ALLOWED_ORIGINS, the
 * loopback forms of the listening port), and an unknown Host gets nothing.
 */

let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startTestServer({ PUBLIC_URL: "https://parley.example", ALLOWED_ORIGINS: "https://chat.example" });
  port = server.port;
});
afterAll(() => server.dispose());

describe("DNS rebinding", () => {
  it("refuses the WebSocket upgrade from a rebound name, even though its Origin matches its Host", async () => {
    const rebound = `rebind.attacker.example:${port}`;
    expect(await rawUpgrade(port, { host: rebound, origin: `http://${rebound}` })).toBe(421);
    expect(await rawUpgrade(port, { host: rebound })).toBe(421);
  });

  it("refuses HTTP for a rebound name: /trpc (with or without Origin) and the web app", async () => {
    const rebound = `rebind.attacker.example:${port}`;
    const trpc = await rawGet(port, "/trpc/auth.me", { host: rebound, headers: [`Origin: http://${rebound}`] });
    expect(trpc.status).toBe(421);
    expect(trpc.headers["access-control-allow-origin"]).toBeUndefined();
    expect((await rawGet(port, "/trpc/auth.me", { host: rebound })).status).toBe(421);
    expect((await rawGet(port, "/", { host: rebound })).status).toBe(421);
  });

  it("still answers liveness and readiness probes whatever their Host (load balancers use an IP)", async () => {
    expect((await rawGet(port, "/healthz", { host: `10.1.2.3:${port}` })).status).toBe(200);
    expect((await rawGet(port, "/readyz", { host: "probe.internal" })).status).toBe(200);
  });
});

describe("known origins and hosts", () => {
  it("accepts the loopback forms of the listening port, PUBLIC_URL and ALLOWED_ORIGINS as origins", async () => {
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`, "https://parley.example", "https://chat.example", "HTTPS://Chat.Example:443"]) {
      expect(await rawUpgrade(port, { origin }), origin).toBe(101);
    }
    expect(await rawUpgrade(port)).toBe(101); // no Origin: not a browser
  });

  it("refuses other ports of localhost, other schemes, look-alikes and null as origins", async () => {
    for (const origin of [`http://localhost:${port + 1}`, `https://127.0.0.1:${port}`, "http://parley.example", "https://parley.example.attacker.example", "https://chat.example.evil", "null", "not a url"]) {
      expect(await rawUpgrade(port, { origin }), origin).toBe(403);
    }
  });

  it("answers to PUBLIC_URL's and ALLOWED_ORIGINS' hosts (a proxy that keeps Host) and to loopback names on any port (a forwarder)", async () => {
    for (const host of ["parley.example", "parley.example:443", "chat.example", "localhost", `localhost:${port + 7}`, "127.0.0.1:1", "[::1]:8080"]) {
      expect((await rawGet(port, "/trpc/auth.me", { host })).status, host).toBe(401);
    }
    for (const host of ["parley.example:8443", "example", "127.0.0.2", "10.0.0.1"]) {
      expect((await rawGet(port, "/trpc/auth.me", { host })).status, host).toBe(421);
    }
  });

  it("sends CORS headers only to an allowed origin", async () => {
    const ok = await rawGet(port, "/trpc/auth.me", { method: "OPTIONS", headers: ["Origin: https://parley.example"] });
    expect(ok.status).toBe(204);
    expect(ok.headers["access-control-allow-origin"]).toBe("https://parley.example");
    const bad = await rawGet(port, "/trpc/auth.me", { headers: [`Origin: http://localhost:${port + 1}`] });
    expect(bad.status).toBe(403);
    expect(bad.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("configuration", () => {
  const quiet = () => {};
  it("takes PUBLIC_URL as an origin and refuses one with a path, credentials or another scheme", () => {
    expect(loadConfig({ DATABASE_URL: ":memory:", PUBLIC_URL: "https://Chat.Example.com/" }, quiet).publicUrl).toBe("https://chat.example.com");
    expect(loadConfig({ DATABASE_URL: ":memory:" }, quiet).publicUrl).toBeNull();
    for (const bad of ["chat.example.com", "https://chat.example.com/app", "https://u:p@chat.example.com", "ftp://chat.example.com", "https://chat.example.com/?x"]) {
      expect(() => loadConfig({ DATABASE_URL: ":memory:", PUBLIC_URL: bad }, quiet), bad).toThrow(/PUBLIC_URL/);
    }
  });

  it("refuses an ALLOWED_ORIGINS entry that is not an origin, naming it", () => {
    expect(() => loadConfig({ DATABASE_URL: ":memory:", ALLOWED_ORIGINS: "https://ok.example, chat.example" }, quiet)).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: ":memory:", ALLOWED_ORIGINS: "https://ok.example, chat.example" }, quiet)).toThrow(/ALLOWED_ORIGINS.*"chat\.example"/);
  });
});
