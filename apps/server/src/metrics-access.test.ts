import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { isLoopback, mayReadMetrics } from "./metrics-access.ts";
import { startTestServer, type TestServer } from "./test/harness.ts";
import { rawGet } from "./test/raw-http.ts";

/**
 * /metrics is for the operator: a loopback peer on a Host the server answers
 * to, or a caller with METRICS_TOKEN. Behind TRUST_PROXY every peer is the
 * proxy, so only the token admits. Refusals look like a route that does not
 * exist (404).
 */

const TOKEN = "metrics-token-0123456789abcdef";
const isMetrics = (body: string) => body.includes("parley_ws_connections");

describe("/metrics served directly (TRUST_PROXY=0)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => server.dispose());

  it("answers a loopback peer, with or without the token", async () => {
    const plain = await rawGet(server.port, "/metrics");
    expect(plain.status).toBe(200);
    expect(isMetrics(plain.body)).toBe(true);
    expect((await rawGet(server.port, "/metrics", { headers: [`Authorization: Bearer ${TOKEN}`] })).status).toBe(200);
  });

  it("refuses a loopback peer that a rebound name brought here (a browser on this machine), unless it has the token", async () => {
    const rebound = await rawGet(server.port, "/metrics", { host: `rebind.attacker.example:${server.port}` });
    expect(rebound.status).toBe(404);
    expect(isMetrics(rebound.body)).toBe(false);
    const scraper = await rawGet(server.port, "/metrics", { host: `10.0.0.5:${server.port}`, headers: [`Authorization: Bearer ${TOKEN}`] });
    expect(scraper.status).toBe(200);
  });
});

describe("/metrics behind a reverse proxy (TRUST_PROXY=1)", () => {
  let server: TestServer;
  let bare: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: "1", METRICS_TOKEN: TOKEN });
    bare = await startTestServer({ TRUST_PROXY: "1" });
  });
  afterAll(async () => {
    await server.dispose();
    await bare.dispose();
  });

  it("refuses a loopback peer without the token: behind a proxy every request comes from loopback", async () => {
    const r = await rawGet(server.port, "/metrics", { headers: ["X-Forwarded-For: 127.0.0.1"] });
    expect(r.status).toBe(404);
    expect(isMetrics(r.body)).toBe(false);
  });

  it("refuses a wrong token, a token of another length and another scheme, and answers the right one", async () => {
    for (const auth of [`Bearer ${TOKEN.slice(0, -1)}x`, `Bearer ${TOKEN}0`, "Bearer ", `Basic ${TOKEN}`, TOKEN]) {
      expect((await rawGet(server.port, "/metrics", { headers: [`Authorization: ${auth}`] })).status, auth).toBe(404);
    }
    const ok = await rawGet(server.port, "/metrics", { headers: [`Authorization: Bearer ${TOKEN}`] });
    expect(ok.status).toBe(200);
    expect(isMetrics(ok.body)).toBe(true);
  });

  it("without METRICS_TOKEN answers nobody, and says so at start-up", async () => {
    expect((await rawGet(bare.port, "/metrics")).status).toBe(404);
    const warnings: string[] = [];
    loadConfig({ DATABASE_URL: ":memory:", TRUST_PROXY: "1" }, (w) => warnings.push(w));
    expect(warnings.join("\n")).toMatch(/METRICS_TOKEN/);
  });
});

describe("the rule", () => {
  const direct = { token: TOKEN, trustProxyHops: 0 };
  it("admits loopback peers only: 127.0.0.0/8, ::1 and their IPv4-mapped forms", () => {
    for (const a of ["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"]) expect(isLoopback(a), a).toBe(true);
    for (const a of ["10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1", "::2", "fe80::1", "128.0.0.1", undefined]) expect(isLoopback(a), String(a)).toBe(false);
  });

  it("lets a remote peer in with the token only", () => {
    const remote = { peer: "203.0.113.9", hostKnown: true };
    expect(mayReadMetrics(direct, { ...remote, authorization: undefined })).toBe(false);
    expect(mayReadMetrics(direct, { ...remote, authorization: "Bearer wrong-token-wrong-token" })).toBe(false);
    expect(mayReadMetrics(direct, { ...remote, authorization: `Bearer ${TOKEN}` })).toBe(true);
    expect(mayReadMetrics({ token: null, trustProxyHops: 0 }, { ...remote, authorization: "Bearer " })).toBe(false);
  });

  it("refuses METRICS_TOKEN shorter than 16 characters", () => {
    expect(() => loadConfig({ DATABASE_URL: ":memory:", METRICS_TOKEN: "short" }, () => {})).toThrow(/METRICS_TOKEN/);
  });
});
