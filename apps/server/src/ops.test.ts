import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactUrl } from "./config.ts";
import { type RunningServer, startServer } from "./server.ts";
import { eventually, httpApi, record, registerUser, wsApi } from "./test/harness.ts";

const SECRET = "ops-test-secret-key-that-is-long-enough-0123456789";
const dir = mkdtempSync(join(tmpdir(), "parley-ops-"));
const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    done();
  },
});
let server: RunningServer;

beforeAll(async () => {
  const config = loadConfig({ NODE_ENV: "test", PORT: "0", HOST: "127.0.0.1", DATABASE_URL: join(dir, "ops.db"), SECRET_KEY: SECRET });
  server = await startServer(config, pino({ level: "debug" }, sink));
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("operations endpoints", () => {
  it("reports readiness of the database and the bus", async () => {
    const r = await fetch(`${server.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ready: true, database: true, bus: true });
  });

  it("exposes Prometheus metrics for connections, events, send and delivery latency, and queries", async () => {
    const alice = await registerUser(server, "metrics");
    const room = await alice.http.rooms.create.mutate({ name: "metered" });
    const socket = wsApi(server, alice.accessToken);
    const rec = record(socket.api);
    await rec.waitFor((e) => e.type === "ready");
    const scrape = async () => {
      const r = await fetch(`${server.url}/metrics`);
      expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
      return r.text();
    };
    const valueIn = (text: string, name: string) => Number(text.split("\n").find((l) => l.startsWith(name))?.split(" ").pop());
    const deliveredBefore = valueIn(await scrape(), "parley_delivery_seconds_count");
    await alice.http.messages.send.mutate({ roomId: room.id, content: "hi", clientId: "m1" });
    // Over the WebSocket too: that send takes the lean endpoint (api realtime/send-endpoint.ts), which must count alike.
    await socket.api.messages.send.mutate({ roomId: room.id, content: "hi again", clientId: "m2" });
    await rec.waitFor((e) => e.type === "message.created" && e.message.content === "hi again");
    const text = await scrape();
    const value = (name: string) => valueIn(text, name);
    expect(value("parley_ws_connections")).toBe(1);
    expect(value('parley_procedure_seconds_count{node="')).toBeGreaterThan(0);
    expect(text).toMatch(/parley_procedure_seconds_count\{[^}]*path="messages.send"[^}]*\} 2/);
    expect(value("parley_delivery_seconds_count") - deliveredBefore).toBe(2);
    expect(value("parley_db_query_seconds_count")).toBeGreaterThan(0);
    expect(value("parley_event_log_position")).toBeGreaterThanOrEqual(2);
    rec.stop();
    await socket.close();
  });

  it("logs JSON lines with a request id, echoed to the caller, and never a password or token", async () => {
    const r = await fetch(`${server.url}/trpc/auth.register`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-ops-1" },
      body: JSON.stringify({ username: "logged", email: "logged@example.com", password: "hunter2-hunter2" }),
    });
    expect(r.headers.get("x-request-id")).toBe("req-ops-1");
    const { result } = (await r.json()) as { result: { data: { accessToken: string; refreshToken: string } } };
    await httpApi(server, result.data.accessToken).auth.me.query();
    await eventually(() => lines.some((l) => l.includes('"reqId":"req-ops-1"')));
    const entry = JSON.parse(lines.find((l) => l.includes('"reqId":"req-ops-1"')) ?? "{}") as Record<string, unknown>;
    expect(entry).toMatchObject({ msg: "request", method: "POST", path: "/trpc/auth.register", status: 200 });
    const all = lines.join("\n");
    for (const secret of ["hunter2-hunter2", result.data.accessToken, result.data.refreshToken, SECRET]) expect(all).not.toContain(secret);
    // A made-up request id that is not a sane token is replaced, not echoed.
    const odd = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "<script>" } });
    expect(odd.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("cluster configuration", () => {
  it("selects PostgreSQL for a postgres:// URL and takes the Redis bus and pool size", () => {
    const c = loadConfig(
      { DATABASE_URL: "postgres://parley:pw@db:5432/parley", REDIS_URL: "redis://cache:6379", DATABASE_POOL_SIZE: "20", SECRET_KEY: SECRET },
      () => {},
    );
    expect(c.database).toEqual({ kind: "postgres", url: "postgres://parley:pw@db:5432/parley", poolSize: 20 });
    expect(c.redisUrl).toBe("redis://cache:6379");
  });

  it("refuses a REDIS_URL that is not redis:// and warns that cluster nodes must share SECRET_KEY", () => {
    expect(() => loadConfig({ DATABASE_URL: "postgres://db/parley", REDIS_URL: "cache:6379", SECRET_KEY: SECRET }, () => {})).toThrow(ConfigError);
    const warnings: string[] = [];
    loadConfig({ DATABASE_URL: "postgresql://db/parley" }, (w) => warnings.push(w));
    expect(warnings.join()).toMatch(/Every node of a cluster must share one SECRET_KEY/);
  });

  it("logs database URLs without credentials", () => {
    expect(redactUrl("postgres://parley:s3cret@db:5432/parley")).toBe("postgres://db:5432/parley");
  });
});
