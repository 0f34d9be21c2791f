import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { defaultApiConfig } from "@parley/api";
import { z } from "zod";

/** The one place that reads `process.env`. A bad value stops start-up with a message naming it. */

const KNOWN_WEAK_SECRETS = new Set(["secret", "changeme", "change-me", "your-secret-key", "supersecret", "parley", "default"]);

function parseDuration(v: string): number | null {
  const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  const seconds = { ms: n / 1000, s: n, m: n * 60, h: n * 3600, d: n * 86400 }[unit];
  return seconds !== undefined && seconds >= 1 ? seconds : null;
}

const duration = z.string().transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === null) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a duration like 30m, 900s or 1h` });
    return z.NEVER;
  }
  return s;
});

/** A duration, or 0 (any unit) to switch the feature off. */
const durationOrOff = z.string().transform((v, ctx) => {
  if (/^0+\s*(ms|s|m|h|d)?$/.test(v.trim())) return 0;
  const s = parseDuration(v);
  if (s === null) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a duration like 60s or 5m, or 0 for off` });
    return z.NEVER;
  }
  return s;
});

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8001),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z.string().min(1).default("chat.db"),
  SECRET_KEY: z.string().optional(),
  ALLOWED_ORIGINS: z.string().default(""),
  ACCESS_TOKEN_TTL: duration.default(30 * 60),
  REFRESH_TOKEN_TTL: duration.default(30 * 86400),
  /** A rotated refresh token presented again this soon, its successor unused, is a retry, not theft. */
  REFRESH_REUSE_GRACE: durationOrOff.default(defaultApiConfig.refreshReuseGraceSeconds),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).optional(),
  SQLITE_SYNCHRONOUS: z.enum(["NORMAL", "FULL"]).default("NORMAL"),
  SEND_RATE_BURST: z.coerce.number().int().min(1).default(30),
  SEND_RATE_PER_SEC: z.coerce.number().positive().default(10),
  LOGIN_FAILURES_PER_USER: z.coerce.number().int().min(1).default(defaultApiConfig.loginFailuresPerUser),
  LOGIN_FAILURES_PER_IP: z.coerce.number().int().min(1).default(defaultApiConfig.loginFailuresPerIp),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(defaultApiConfig.trustProxyHops),
  MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).default(defaultApiConfig.maxSocketsPerUser),
  MAX_REPLAY: z.coerce.number().int().min(1).default(defaultApiConfig.maxReplay),
  MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).default(defaultApiConfig.maxBufferedBytes),
  MAX_QUEUED_EVENTS: z.coerce.number().int().min(1).default(defaultApiConfig.maxQueuedEvents),
  WS_MAX_PAYLOAD: z.coerce.number().int().min(1024).default(64 * 1024),
  WS_AUTH_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  WS_PING_MS: z.coerce.number().int().min(100).default(30_000),
  WS_PONG_WAIT_MS: z.coerce.number().int().min(100).default(10_000),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
    .optional(),
  /** Identifies this node in logs and metrics (default: the host name and process id). */
  NODE_ID: z.string().min(1).max(64).optional(),
  PRESENCE_HEARTBEAT_MS: z.coerce.number().int().min(50).default(10_000),
  METRICS: z.enum(["on", "off"]).default("on"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  WEB_DIR: z.string().optional(),
  /** How long after sending its author may edit a message; unset: no limit. */
  EDIT_WINDOW: duration.optional(),
});

/** Every environment variable the server reads. */
export const SETTING_NAMES: readonly string[] = Object.keys(envSchema.shape);

export interface ServerConfig {
  env: "development" | "production" | "test";
  port: number;
  host: string;
  database: DatabaseConfig;
  /** Cross-node bus: Redis when set; otherwise PostgreSQL LISTEN/NOTIFY on PostgreSQL, none on SQLite. */
  redisUrl: string | null;
  nodeId: string;
  presenceHeartbeatMs: number;
  metrics: boolean;
  secretKey: string;
  allowedOrigins: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** 0: every reuse of a rotated refresh token revokes the session. */
  refreshReuseGraceSeconds: number;
  bcryptCost: number;
  sendBurst: number;
  sendPerSecond: number;
  /** Abuse and resource limits (defaults in @parley/api's defaultApiConfig and ws.ts). */
  /** Reverse proxies in front that append X-Forwarded-For (0: the header is ignored). */
  trustProxyHops: number;
  limits: {
    loginFailuresPerUser: number;
    loginFailuresPerIp: number;
    maxSocketsPerUser: number;
    maxReplay: number;
    maxBufferedBytes: number;
    maxQueuedEvents: number;
    wsMaxPayload: number;
    wsAuthTimeoutMs: number;
    wsPingMs: number;
    wsPongWaitMs: number;
  };
  logLevel: string;
  webDir: string | null;
  /** null: messages may be edited at any time. */
  editWindowSeconds: number | null;
}

export type DatabaseConfig =
  | { kind: "sqlite"; filename: string; synchronous: "NORMAL" | "FULL" }
  | { kind: "postgres"; url: string; poolSize: number };

export class ConfigError extends Error {}

const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** A URL fit for logs: no user name or password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

function sqliteFile(url: string): string {
  const path = url.replace(/^sqlite:(\/\/)?/, "").replace(/^file:/, "");
  return path === ":memory:" ? path : resolve(path);
}

/**
 * Without SECRET_KEY outside production, a strong secret is generated once
 * and kept beside the database (mode 0600), so tokens survive restarts.
 */
function devSecret(dbFile: string, warn: (msg: string) => void): string {
  const path = dbFile === ":memory:" ? null : `${dbFile}.secret`;
  if (path && existsSync(path)) return readFileSync(path, "utf8").trim();
  const secret = randomBytes(48).toString("base64url");
  if (path) {
    writeFileSync(path, `${secret}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  warn(`SECRET_KEY is not set: using a generated secret${path ? ` stored in ${path}` : " (in memory)"}. Set SECRET_KEY in production.`);
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv, warn: (msg: string) => void = console.warn): ServerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const postgres = isPostgresUrl(e.DATABASE_URL);
  if (postgres) {
    try {
      new URL(e.DATABASE_URL);
    } catch {
      throw new ConfigError("DATABASE_URL: not a valid postgres:// URL");
    }
  }
  const filename = postgres ? ":memory:" : sqliteFile(e.DATABASE_URL);
  const production = e.NODE_ENV === "production";
  let secretKey = e.SECRET_KEY?.trim();
  if (production) {
    if (!secretKey) throw new ConfigError("SECRET_KEY is required when NODE_ENV=production");
    if (secretKey.length < 32) throw new ConfigError("SECRET_KEY must be at least 32 characters in production");
    if (KNOWN_WEAK_SECRETS.has(secretKey.toLowerCase())) throw new ConfigError("SECRET_KEY is a well-known default; choose a random one");
  }
  if (!secretKey && postgres) {
    warn("SECRET_KEY is not set: using a generated in-memory secret. Every node of a cluster must share one SECRET_KEY.");
    secretKey = randomBytes(48).toString("base64url");
  }
  if (!secretKey) secretKey = devSecret(filename, warn);
  const bcryptCost = e.BCRYPT_COST ?? (e.NODE_ENV === "test" ? 4 : 10);
  if (production && bcryptCost < 10) throw new ConfigError("BCRYPT_COST must be at least 10 in production");
  if (filename !== ":memory:" && !existsSync(dirname(filename))) {
    throw new ConfigError(`DATABASE_URL: directory ${dirname(filename)} does not exist`);
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    database: postgres
      ? { kind: "postgres", url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: "sqlite", filename, synchronous: e.SQLITE_SYNCHRONOUS },
    redisUrl: e.REDIS_URL ?? null,
    nodeId: e.NODE_ID ?? `${hostname()}-${process.pid}`,
    presenceHeartbeatMs: e.PRESENCE_HEARTBEAT_MS,
    metrics: e.METRICS === "on",
    secretKey,
    allowedOrigins: e.ALLOWED_ORIGINS.split(",")
      .map((o) => o.trim().replace(/\/$/, ""))
      .filter(Boolean),
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL,
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE,
    bcryptCost,
    sendBurst: e.SEND_RATE_BURST,
    sendPerSecond: e.SEND_RATE_PER_SEC,
    trustProxyHops: e.TRUST_PROXY,
    limits: {
      loginFailuresPerUser: e.LOGIN_FAILURES_PER_USER,
      loginFailuresPerIp: e.LOGIN_FAILURES_PER_IP,
      maxSocketsPerUser: e.MAX_SOCKETS_PER_USER,
      maxReplay: e.MAX_REPLAY,
      maxBufferedBytes: e.MAX_BUFFERED_BYTES,
      maxQueuedEvents: e.MAX_QUEUED_EVENTS,
      wsMaxPayload: e.WS_MAX_PAYLOAD,
      wsAuthTimeoutMs: e.WS_AUTH_TIMEOUT_MS,
      wsPingMs: e.WS_PING_MS,
      wsPongWaitMs: e.WS_PONG_WAIT_MS,
    },
    logLevel: e.LOG_LEVEL,
    webDir: e.WEB_DIR ?? null,
    editWindowSeconds: e.EDIT_WINDOW ?? null,
  };
}
