import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, SETTING_NAMES } from "./config.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = () => {};

describe("configuration", () => {
  it("has the original chat's defaults", () => {
    const c = loadConfig({ DATABASE_URL: join(dir, "chat.db") }, quiet);
    expect(c).toMatchObject({ port: 8001, accessTokenTtlSeconds: 1800, bcryptCost: 10, allowedOrigins: [] });
    const database = loadConfig({}, quiet).database;
    expect(database.kind === "sqlite" && database.filename.endsWith("chat.db")).toBe(true);
  });

  it("generates a development secret once and keeps it beside the database, private", () => {
    const db = join(dir, "dev.db");
    const warnings: string[] = [];
    const a = loadConfig({ DATABASE_URL: db }, (m) => warnings.push(m));
    const b = loadConfig({ DATABASE_URL: db }, (m) => warnings.push(m));
    expect(a.secretKey).toBe(b.secretKey);
    expect(a.secretKey.length).toBeGreaterThanOrEqual(48);
    expect(readFileSync(`${db}.secret`, "utf8").trim()).toBe(a.secretKey);
    expect(statSync(`${db}.secret`).mode & 0o777).toBe(0o600);
    expect(warnings[0]).toMatch(/SECRET_KEY is not set/);
  });

  it.each([
    [{}, /SECRET_KEY is required/],
    [{ SECRET_KEY: "short" }, /at least 32/],
    [{ SECRET_KEY: "x".repeat(40), BCRYPT_COST: "8" }, /BCRYPT_COST/],
  ])("refuses production with %j", (env, message) => {
    expect(() => loadConfig({ NODE_ENV: "production", DATABASE_URL: join(dir, "p.db"), ...env }, quiet)).toThrow(message);
  });

  it("names every bad value", () => {
    try {
      loadConfig({ PORT: "eighty", ACCESS_TOKEN_TTL: "soon", SQLITE_SYNCHRONOUS: "OFF" }, quiet);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      for (const name of ["PORT", "ACCESS_TOKEN_TTL", "SQLITE_SYNCHRONOUS"]) expect(msg).toContain(name);
    }
  });

  it("parses durations and origin lists", () => {
    const c = loadConfig({ DATABASE_URL: join(dir, "d.db"), ACCESS_TOKEN_TTL: "15m", ALLOWED_ORIGINS: "https://a.example, https://b.example/" }, quiet);
    expect(c.accessTokenTtlSeconds).toBe(900);
    expect(c.allowedOrigins).toEqual(["https://a.example", "https://b.example"]);
  });

  it("reads the refresh-token reuse grace period: 60 s by default, 0 for strict, a bad value named", () => {
    const db = join(dir, "g.db");
    expect(loadConfig({ DATABASE_URL: db }, quiet).refreshReuseGraceSeconds).toBe(60);
    expect(loadConfig({ DATABASE_URL: db, REFRESH_REUSE_GRACE: "0" }, quiet).refreshReuseGraceSeconds).toBe(0);
    expect(loadConfig({ DATABASE_URL: db, REFRESH_REUSE_GRACE: "2m" }, quiet).refreshReuseGraceSeconds).toBe(120);
    expect(() => loadConfig({ DATABASE_URL: db, REFRESH_REUSE_GRACE: "a while" }, quiet)).toThrow(/REFRESH_REUSE_GRACE/);
  });

  it("bounds access tokens to 24 hours: 30d is refused at start-up, naming the variable and the bound", () => {
    const db = join(dir, "ttl.db");
    expect(loadConfig({ DATABASE_URL: db, ACCESS_TOKEN_TTL: "24h" }, quiet).accessTokenTtlSeconds).toBe(86_400);
    for (const v of ["30d", "25h", "86401s", "99999999999999999999d"]) {
      expect(() => loadConfig({ DATABASE_URL: db, ACCESS_TOKEN_TTL: v }, quiet), v).toThrow(/ACCESS_TOKEN_TTL: .*at most 24h/);
    }
  });

  it.each([
    ["REFRESH_TOKEN_TTL", "400d", /at most 365d/],
    ["REFRESH_TOKEN_TTL", "10m", /at least ACCESS_TOKEN_TTL/],
    ["REFRESH_REUSE_GRACE", "2h", /at most 10m/],
    ["WS_AUTH_TIMEOUT_MS", "3000000000", /600000/],
    ["WS_PING_MS", "2147483648", /600000/],
    ["WS_PONG_WAIT_MS", "1e12", /600000/],
    ["PRESENCE_HEARTBEAT_MS", "9999999999", /600000/],
  ])("refuses %s=%s with a clear message", (name, value, message) => {
    try {
      loadConfig({ DATABASE_URL: join(dir, "bounds.db"), [name]: value }, quiet);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toContain(name);
      expect((e as Error).message).toMatch(message);
    }
  });

  it("accepts the longest allowed durations", () => {
    const c = loadConfig(
      { DATABASE_URL: join(dir, "long.db"), ACCESS_TOKEN_TTL: "24h", REFRESH_TOKEN_TTL: "365d", REFRESH_REUSE_GRACE: "10m", WS_PING_MS: "600000" },
      quiet,
    );
    expect(c).toMatchObject({ accessTokenTtlSeconds: 86_400, refreshTokenTtlSeconds: 365 * 86_400, refreshReuseGraceSeconds: 600 });
    expect(c.limits.wsPingMs).toBe(600_000);
  });

  it("makes the production server exit non-zero with a clear message when the secret is missing", () => {
    const main = join(import.meta.dirname, "..", "dist", "main.js");
    if (!existsSync(main)) throw new Error("build apps/server first (pnpm test does)");
    const r = spawnSync(process.execPath, [main], {
      env: { PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: join(dir, "prod.db"), PORT: "0" },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SECRET_KEY is required when NODE_ENV=production/);
  });
});

describe("pnpm dev", () => {
  it("passes every server setting through turbo (its strict env mode drops the ones not listed)", () => {
    const turbo = JSON.parse(readFileSync(join(import.meta.dirname, "../../../turbo.json"), "utf8")) as {
      globalEnv?: string[];
      tasks: { dev?: { env?: string[] } };
    };
    const passed = new Set([...(turbo.globalEnv ?? []), ...(turbo.tasks.dev?.env ?? [])]);
    expect(SETTING_NAMES.filter((name) => !passed.has(name))).toEqual([]);
  });
});

describe("EDIT_WINDOW", () => {
  it("is unlimited by default and takes a duration", () => {
    const at = (env: Record<string, string>) => loadConfig({ DATABASE_URL: join(dir, "edit.db"), SECRET_KEY: "x".repeat(40), ...env }, quiet);
    expect(at({}).editWindowSeconds).toBeNull();
    expect(at({ EDIT_WINDOW: "15m" }).editWindowSeconds).toBe(900);
    expect(at({ EDIT_WINDOW: "2h" }).editWindowSeconds).toBe(7200);
    expect(() => at({ EDIT_WINDOW: "soon" })).toThrow(/EDIT_WINDOW/);
    expect(() => at({ EDIT_WINDOW: "0" })).toThrow(ConfigError);
  });
});
