import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
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

/** Upper bounds, so a typo cannot make a token live for a month or overflow a timer (setTimeout wraps past 2^31 − 1 ms). */
const HOUR = 3600;
const DAY = 86_400;
const bound = (seconds: number) =>
  seconds % DAY === 0 && seconds > DAY ? `${seconds / DAY}d` : seconds % HOUR === 0 ? `${seconds / HOUR}h` : `${seconds / 60}m`;

/** A duration of 1 s up to `maxSeconds`, in seconds. */
const duration = (maxSeconds: number) =>
  z.string().transform((v, ctx) => {
    const s = parseDuration(v);
    if (s === null) {
      ctx.addIssue({ code: "custom", message: `"${v}" is not a duration like 30m, 900s or 1h` });
      return z.NEVER;
    }
    if (s > maxSeconds) {
      ctx.addIssue({ code: "custom", message: `"${v}" is too long: at most ${bound(maxSeconds)}` });
      return z.NEVER;
    }
    return s;
  });

/** A duration up to `maxSeconds`, or 0 (any unit) to switch the feature off. */
const durationOrOff = (maxSeconds: number) =>
  z.string().transform((v, ctx) => {
    if (/^0+\s*(ms|s|m|h|d)?$/.test(v.trim())) return 0;
    const s = parseDuration(v);
    if (s === null) {
      ctx.addIssue({ code: "custom", message: `"${v}" is not a duration like 60s or 5m, or 0 for off` });
      return z.NEVER;
    }
    if (s > maxSeconds) {
      ctx.addIssue({ code: "custom", message: `"${v}" is too long: at most ${bound(maxSeconds)}` });
      return z.NEVER;
    }
    return s;
  });

/** A timer setting in milliseconds, at most 10 minutes (far below setTimeout's 2^31 − 1 ms). */
const MAX_TIMER_MS = 600_000;
const timerMs = (min: number, fallback: number) =>
  z.coerce.number().int().min(min).max(MAX_TIMER_MS, `must be at most ${MAX_TIMER_MS} (10 minutes)`).default(fallback);

/** The origin of an http(s) URL that is nothing but scheme, host and port; null otherwise. */
function originOf(text: string): string | null {
  try {
    const u = new URL(text);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    if (u.username || u.password || u.search || u.hash || (u.pathname !== "/" && u.pathname !== "")) return null;
    return u.origin;
  } catch {
    return null;
  }
}

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8001),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z.string().min(1).default("chat.db"),
  SECRET_KEY: z.string().optional(),
  ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((v, ctx) => {
      const origins = v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean);
      const bad = origins.filter((o) => originOf(o) === null);
      if (bad.length > 0) {
        ctx.addIssue({ code: "custom", message: `not an http(s) origin like https://chat.example.com: ${bad.map((b) => JSON.stringify(b)).join(", ")}` });
        return z.NEVER;
      }
      return origins.flatMap((o) => originOf(o) ?? []);
    }),
  /** The URL browsers reach the server at (behind a proxy: the proxy's); same-origin and Host checks use it. */
  PUBLIC_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return null;
      const origin = originOf(v.trim());
      if (origin === null) {
        ctx.addIssue({ code: "custom", message: `"${v}" is not an http(s) URL like https://chat.example.com (scheme, host and port only)` });
        return z.NEVER;
      }
      return origin;
    }),
  ACCESS_TOKEN_TTL: duration(DAY).default(30 * 60),
  REFRESH_TOKEN_TTL: duration(365 * DAY).default(30 * DAY),
  /** A rotated refresh token presented again this soon, its successor unused, is a retry, not theft. */
  REFRESH_REUSE_GRACE: durationOrOff(10 * 60).default(defaultApiConfig.refreshReuseGraceSeconds),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).optional(),
  SQLITE_SYNCHRONOUS: z.enum(["NORMAL", "FULL"]).default("NORMAL"),
  SEND_RATE_BURST: z.coerce.number().int().min(1).default(30),
  SEND_RATE_PER_SEC: z.coerce.number().positive().default(10),
  LOGIN_FAILURES_PER_USER: z.coerce.number().int().min(1).default(defaultApiConfig.loginFailuresPerUser),
  LOGIN_FAILURES_PER_IP: z.coerce.number().int().min(1).default(defaultApiConfig.loginFailuresPerIp),
  /** Rooms a user may create at once, and how many more per hour after that. */
  ROOM_CREATE_BURST: z.coerce.number().int().min(1).default(defaultApiConfig.roomCreateBurst),
  ROOM_CREATE_PER_HOUR: z.coerce.number().positive().default(defaultApiConfig.roomCreatePerHour),
  /** Password checks under way at once per client address; more get TOO_MANY_REQUESTS at once. */
  LOGIN_CONCURRENCY_PER_IP: z.coerce.number().int().min(1).max(10_000).default(defaultApiConfig.loginConcurrencyPerIp),
  /** Accounts registered per client address per hour. */
  REGISTRATIONS_PER_IP: z.coerce.number().int().min(1).default(defaultApiConfig.registrationsPerIp),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(defaultApiConfig.trustProxyHops),
  MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).default(defaultApiConfig.maxSocketsPerUser),
  MAX_REPLAY: z.coerce.number().int().min(1).default(defaultApiConfig.maxReplay),
  MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).default(defaultApiConfig.maxBufferedBytes),
  MAX_QUEUED_EVENTS: z.coerce.number().int().min(1).default(defaultApiConfig.maxQueuedEvents),
  /**
   * Calls one HTTP request or one WebSocket frame may batch; a longer batch is refused (BAD_REQUEST for each call).
   * Not lower: tRPC's WebSocket client sends everything queued while it reconnects in one frame (a pending send per
   * room, the stream, the app's queries), and a refused send is not retried. Bytes and concurrency are bounded apart
   * (the reply budget, MAX_CALLS_PER_SOCKET, MAX_BUFFERED_BYTES).
   */
  MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(100).default(defaultApiConfig.maxSubscriptionsPerSocket),
  /** Queries and mutations one socket may have under way (sent, not yet answered). */
  MAX_CALLS_PER_SOCKET: z.coerce.number().int().min(1).max(100_000).default(defaultApiConfig.maxCallsPerSocket),
  WS_MAX_PAYLOAD: z.coerce.number().int().min(1024).default(64 * 1024),
  WS_AUTH_TIMEOUT_MS: timerMs(100, 15_000),
  WS_PING_MS: timerMs(100, 15_000),
  WS_PONG_WAIT_MS: timerMs(100, 5_000),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
    .optional(),
  /** Identifies this node in logs and metrics (default: the host name and process id). */
  NODE_ID: z.string().min(1).max(64).optional(),
  PRESENCE_HEARTBEAT_MS: timerMs(50, 10_000),
  /** SQLite: how long a new message waits before the search index takes it, with whatever else came meanwhile (a search never waits for it). */
  SEARCH_INDEX_DELAY_MS: timerMs(1, 100),
  METRICS: z.enum(["on", "off"]).default("on"),
  /** A caller presenting it as `Authorization: Bearer …` may read /metrics from anywhere. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (openssl rand -hex 24)").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  WEB_DIR: z.string().optional(),
  /** How long after sending its author may edit a message; unset: no limit. */
  EDIT_WINDOW: duration(365 * DAY).optional(),
  /** The public room every new account joins, made with the first account; "" for none. */
  DEFAULT_ROOM: z.string().trim().max(80).default(defaultApiConfig.defaultRoom),
  /** Web Push (issue 14): hosts a push endpoint may name although private or plain HTTP (comma-separated). */
  PUSH_ALLOW_HOSTS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean)),
  /** The VAPID key pair (base64url, as `web-push generate-vapid-keys` prints); unset: generated once and kept in the database. */
  VAPID_PUBLIC_KEY: z.string().min(1).optional(),
  VAPID_PRIVATE_KEY: z.string().min(1).optional(),
  VAPID_SUBJECT: z.string().regex(/^(mailto:|https:\/\/)/, "must be a mailto: or https: URL").default("mailto:admin@parley.invalid"),
  /** Files (issue 16): the local directory (default: `uploads` beside the SQLite file, or in the working directory). */
  UPLOADS_DIR: z.string().min(1).optional(),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(5 * 1024 ** 3)
    .default(25 * 1024 * 1024),
  /** Bytes one user may hold in uploads; 0: no quota. */
  UPLOAD_QUOTA_BYTES: z.coerce.number().int().min(0).default(1024 ** 3),
  /** Images with more pixels are refused (a decompression bomb is a small file of a huge image). */
  IMAGE_MAX_PIXELS: z.coerce.number().int().min(1).max(1_000_000_000).default(50_000_000),
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Path-style requests (`endpoint/bucket/key`); default on with S3_ENDPOINT (MinIO and most S3-compatible servers want it). */
  S3_FORCE_PATH_STYLE: z.enum(["on", "off"]).optional(),
  /** A separate origin files are served from, through short-lived signed URLs (see SECURITY.md). */
  FILES_ORIGIN: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return null;
      const origin = originOf(v.trim());
      if (origin === null) {
        ctx.addIssue({ code: "custom", message: `"${v}" is not an http(s) origin like https://files.chat.example.com` });
        return z.NEVER;
      }
      return origin;
    }),
  /**
   * Private, loopback or link-local addresses outgoing webhooks may reach
   * anyway (issue 17): IP addresses or CIDR ranges, comma-separated. Empty: none.
   */
  WEBHOOK_ALLOW_HOSTS: z
    .string()
    .default("")
    .transform((v, ctx) => {
      const hosts = v
        .split(",")
        .map((h) => h.trim())
        .filter(Boolean);
      const bad = hosts.filter((h) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(h));
      if (bad.length > 0) {
        ctx.addIssue({ code: "custom", message: `not an IP address or CIDR range: ${bad.map((b) => JSON.stringify(b)).join(", ")}` });
        return z.NEVER;
      }
      return hosts;
    }),
  /** Usernames made server admins (comma-separated), besides the server's first account. */
  PARLEY_ADMINS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((n) => n.normalize("NFKC").trim().toLowerCase()).filter(Boolean)),
  /** Who may register until an admin changes it at run time (stored in the database). */
  REGISTRATION: z.enum(["open", "invite", "closed"]).default("open"),
  /** E-mail domains registration is limited to (comma-separated); unset: any. */
  REGISTRATION_EMAIL_DOMAINS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((d) => d.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be domains like example.com"))),
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
  searchIndexDelayMs: number;
  metrics: boolean;
  /** null: /metrics only for loopback peers (and, behind TRUST_PROXY, for nobody). */
  metricsToken: string | null;
  secretKey: string;
  /** Origins (normalised) besides the server's own that browsers may call from. */
  allowedOrigins: string[];
  /** The origin browsers reach the server at, if configured (PUBLIC_URL). */
  publicUrl: string | null;
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
    roomCreateBurst: number;
    roomCreatePerHour: number;
    loginConcurrencyPerIp: number;
    registrationsPerIp: number;
    maxSocketsPerUser: number;
    maxReplay: number;
    maxBufferedBytes: number;
    maxQueuedEvents: number;
    maxBatchSize: number;
    maxSubscriptionsPerSocket: number;
    maxCallsPerSocket: number;
    wsMaxPayload: number;
    wsAuthTimeoutMs: number;
    wsPingMs: number;
    wsPongWaitMs: number;
  };
  logLevel: string;
  webDir: string | null;
  /** null: messages may be edited at any time. */
  editWindowSeconds: number | null;
  /** "" : new accounts join no room. */
  defaultRoom: string;
  push: { allowHosts: string[]; vapid: { subject: string; publicKey?: string; privateKey?: string } };
  /** Addresses outgoing webhooks may reach although private (`WEBHOOK_ALLOW_HOSTS`). */
  webhookAllowHosts: string[];
  files: FilesConfig;
  /** Issue 18: server admins by username key, and registration defaults (an admin's run-time change wins). */
  serverAdmins: string[];
  registration: "open" | "invite" | "closed";
  registrationEmailDomains: string[];
}

export interface FilesConfig {
  /** The local backend's directory; with S3, where upload bodies are spooled. */
  uploadsDir: string;
  maxUploadBytes: number;
  /** null: no quota. */
  quotaBytes: number | null;
  maxImagePixels: number;
  s3: {
    endpoint: string | null;
    bucket: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string } | null;
    forcePathStyle: boolean;
  } | null;
  /** The separate origin files are served from (signed URLs), or null: the app's own. */
  filesOrigin: string | null;
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
  if (e.REFRESH_TOKEN_TTL < e.ACCESS_TOKEN_TTL) {
    throw new ConfigError("Invalid configuration:\n  REFRESH_TOKEN_TTL: must be at least ACCESS_TOKEN_TTL (a session cannot end before its access token)");
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
  if (e.METRICS === "on" && e.TRUST_PROXY > 0 && !e.METRICS_TOKEN) {
    warn("TRUST_PROXY is set and METRICS_TOKEN is not: behind a proxy every peer looks local, so /metrics answers 404 to everyone. Set METRICS_TOKEN to scrape it.");
  }
  if (filename !== ":memory:" && !existsSync(dirname(filename))) {
    throw new ConfigError(`DATABASE_URL: directory ${dirname(filename)} does not exist`);
  }
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError("Invalid configuration:\n  S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together");
  }
  if (e.S3_ENDPOINT !== undefined && e.S3_BUCKET === undefined) throw new ConfigError("Invalid configuration:\n  S3_BUCKET: required with S3_ENDPOINT");
  const files: FilesConfig = {
    uploadsDir: resolve(e.UPLOADS_DIR ?? (filename === ":memory:" ? "uploads" : join(dirname(filename), "uploads"))),
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    quotaBytes: e.UPLOAD_QUOTA_BYTES === 0 ? null : e.UPLOAD_QUOTA_BYTES,
    maxImagePixels: e.IMAGE_MAX_PIXELS,
    s3: e.S3_BUCKET
      ? {
          endpoint: e.S3_ENDPOINT ?? null,
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
          credentials: e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } : null,
          forcePathStyle: e.S3_FORCE_PATH_STYLE ? e.S3_FORCE_PATH_STYLE === "on" : e.S3_ENDPOINT !== undefined,
        }
      : null,
    filesOrigin: e.FILES_ORIGIN,
  };
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
    searchIndexDelayMs: e.SEARCH_INDEX_DELAY_MS,
    metrics: e.METRICS === "on",
    metricsToken: e.METRICS_TOKEN ?? null,
    secretKey,
    allowedOrigins: e.ALLOWED_ORIGINS,
    publicUrl: e.PUBLIC_URL,
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
      roomCreateBurst: e.ROOM_CREATE_BURST,
      roomCreatePerHour: e.ROOM_CREATE_PER_HOUR,
      loginConcurrencyPerIp: e.LOGIN_CONCURRENCY_PER_IP,
      registrationsPerIp: e.REGISTRATIONS_PER_IP,
      maxSocketsPerUser: e.MAX_SOCKETS_PER_USER,
      maxReplay: e.MAX_REPLAY,
      maxBufferedBytes: e.MAX_BUFFERED_BYTES,
      maxQueuedEvents: e.MAX_QUEUED_EVENTS,
      maxBatchSize: e.MAX_BATCH_SIZE,
      maxSubscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxCallsPerSocket: e.MAX_CALLS_PER_SOCKET,
      wsMaxPayload: e.WS_MAX_PAYLOAD,
      wsAuthTimeoutMs: e.WS_AUTH_TIMEOUT_MS,
      wsPingMs: e.WS_PING_MS,
      wsPongWaitMs: e.WS_PONG_WAIT_MS,
    },
    logLevel: e.LOG_LEVEL,
    webDir: e.WEB_DIR ?? null,
    editWindowSeconds: e.EDIT_WINDOW ?? null,
    defaultRoom: e.DEFAULT_ROOM,
    push: { allowHosts: e.PUSH_ALLOW_HOSTS, vapid: vapidOf(e.VAPID_SUBJECT, e.VAPID_PUBLIC_KEY, e.VAPID_PRIVATE_KEY) },
    files,
    webhookAllowHosts: e.WEBHOOK_ALLOW_HOSTS,
    serverAdmins: e.PARLEY_ADMINS,
    registration: e.REGISTRATION,
    registrationEmailDomains: e.REGISTRATION_EMAIL_DOMAINS,
  };
}

/** Both keys or neither: half a key pair is a mistake to report, not to paper over. */
function vapidOf(subject: string, publicKey: string | undefined, privateKey: string | undefined) {
  if ((publicKey === undefined) !== (privateKey === undefined)) throw new Error("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together");
  return publicKey !== undefined && privateKey !== undefined ? { subject, publicKey, privateKey } : { subject };
}
