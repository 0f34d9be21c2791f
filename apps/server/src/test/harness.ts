import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppRouter, StreamEvent } from "@parley/api";
import { countUsers, insertUser, setRole } from "@parley/db";
import { createTRPCClient, createWSClient, httpLink, type TRPCClient, wsLink } from "@trpc/client";
import pino from "pino";
import { inject } from "vitest";
import WebSocket from "ws";
import { loadConfig } from "../config.ts";
import { type RunningServer, type ServerWiring, startServer } from "../server.ts";
import { createTestDatabase } from "./services.ts";

export type Api = TRPCClient<AppRouter>;

export interface TestServer extends RunningServer {
  dbFile: string;
  /** Graceful stop, then a new server on the same database file. */
  restart(): Promise<TestServer>;
  dispose(): Promise<void>;
}

const SECRET = "test-secret-key-that-is-long-enough-0123456789";

/**
 * The same suites run on SQLite (a file per server) and, in the
 * "@parley/server:postgres" project, on PostgreSQL: a fresh database per
 * server on the private cluster its global setup started. A restart keeps
 * the server's database.
 */
const pgAdminUrl = process.env.PARLEY_TEST_DB === "postgres" ? inject("pgAdminUrl") : null;
const pgDatabases = new Map<string, string>();

async function databaseUrl(root: string): Promise<string> {
  if (!pgAdminUrl) return join(root, "chat.db");
  let url = pgDatabases.get(root);
  if (!url) {
    url = await createTestDatabase(pgAdminUrl);
    pgDatabases.set(root, url);
  }
  return url;
}

/** The server admin every test server has (unless started with `seedAdmin: false`): sign in with `signInAdmin`. */
export const ROOT = { username: "root", password: "correct horse" } as const;

/**
 * The first account of a server becomes its admin (issue 18). Suites
 * register their users concurrently, so which of them came first would be
 * chance: a test server is seeded with its own admin, `root`, first.
 */
async function seedAdmin(server: RunningServer): Promise<void> {
  const { db, passwords } = server.svc;
  if ((await countUsers(db)) > 0) return;
  const row = await insertUser(db, { username: ROOT.username, usernameKey: ROOT.username, email: "root@example.com", passwordHash: await passwords.hash(ROOT.password), now: Date.now() });
  await setRole(db, Number(row.id), "admin");
}

export async function startTestServer(
  env: Record<string, string> = {},
  dir?: string,
  wiring: ServerWiring = {},
  opts: { seedAdmin?: boolean } = {},
): Promise<TestServer> {
  const root = dir ?? mkdtempSync(join(tmpdir(), "parley-test-"));
  const dbFile = join(root, "chat.db");
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: await databaseUrl(root),
    DATABASE_POOL_SIZE: "4",
    SECRET_KEY: SECRET,
    // Suites register many users from one address; the registration limit has its own tests.
    REGISTRATIONS_PER_IP: "1000000",
    // Files beside the test's database, on PostgreSQL too (there is no database file to put them beside).
    UPLOADS_DIR: join(root, "uploads"),
    ...env,
  });
  const server = await startServer(config, pino({ level: process.env.TEST_LOG ?? "silent" }), wiring);
  if (opts.seedAdmin !== false) await seedAdmin(server);
  const t: TestServer = {
    ...server,
    dbFile,
    async restart() {
      await server.close();
      return startTestServer(env, root, wiring, opts);
    },
    async dispose() {
      await server.close();
      if (!dir) rmSync(root, { recursive: true, force: true });
    },
  };
  return t;
}

/** Where a server answers: an in-process one, or a child process (see process.ts). */
export type Endpoint = Pick<RunningServer, "url">;

export const wsUrl = (server: Endpoint) => `${server.url.replace(/^http/, "ws")}/ws`;

export function httpApi(server: Endpoint, token?: string): Api {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${server.url}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })],
  });
}

export interface WsApi {
  api: Api;
  close(): Promise<void>;
}

export function wsApi(server: Endpoint, token: string | (() => string) | null): WsApi {
  const client = createWSClient({
    url: wsUrl(server),
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({ token: typeof token === "function" ? token() : (token ?? "") }),
    retryDelayMs: () => 50,
  });
  return { api: createTRPCClient<AppRouter>({ links: [wsLink({ client })] }), close: () => client.close() };
}

let seq = 0;
export interface TestUser {
  id: number;
  username: string;
  accessToken: string;
  refreshToken: string;
  http: Api;
}

export async function registerUser(server: Endpoint, prefix = "user"): Promise<TestUser> {
  seq++;
  const username = `${prefix}${seq}`;
  const r = await httpApi(server).auth.register.mutate({ username, email: `${username}@example.com`, password: "correct horse" });
  return { id: r.user.id, username, accessToken: r.accessToken, refreshToken: r.refreshToken, http: httpApi(server, r.accessToken) };
}

/** The seeded server admin, signed in (see `ROOT`). */
export async function signInAdmin(server: Endpoint): Promise<TestUser> {
  const r = await httpApi(server).auth.login.mutate({ username: ROOT.username, password: ROOT.password });
  return { id: r.user.id, username: ROOT.username, accessToken: r.accessToken, refreshToken: r.refreshToken, http: httpApi(server, r.accessToken) };
}

/** A live events.stream subscription that records what it receives. */
export interface Recorder {
  events: StreamEvent[];
  /** Positions of the durable events seen. */
  lastId: () => string | null;
  waitFor(pred: (e: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  stop(): void;
  error: () => unknown;
}

/**
 * A user's own socket with a recording stream on it. Both go into `open`,
 * which the test's afterEach closes (`stop()` a recorder, `close()` a socket).
 */
export function openStream(server: Endpoint, u: TestUser, open: (WsApi | Recorder)[], lastEventId?: string | null): Recorder {
  const c = wsApi(server, u.accessToken);
  open.push(c);
  const r = record(c.api, lastEventId);
  open.push(r);
  return r;
}

export function record(api: Api, lastEventId?: string | null): Recorder {
  const events: StreamEvent[] = [];
  let last: string | null = lastEventId ?? null;
  let err: unknown = null;
  const waiters = new Set<() => void>();
  const sub = api.events.stream.subscribe(lastEventId === undefined ? undefined : { lastEventId }, {
    onData(d) {
      // Tracked (durable) events arrive as { id, data }; live ones as the bare event.
      if ("data" in d && typeof d.id === "string") {
        events.push(d.data);
        last = d.id;
      } else {
        events.push(d as StreamEvent);
      }
      for (const w of waiters) w();
    },
    onError(e) {
      err = e;
      for (const w of waiters) w();
    },
  });
  return {
    events,
    lastId: () => last,
    error: () => err,
    stop: () => sub.unsubscribe(),
    waitFor(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; saw ${JSON.stringify(events.map((e) => e.type))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(20);
  }
}

/** The tRPC error code of a rejected call. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    const data = (e as { data?: { code?: string } }).data;
    return data?.code ?? `non-trpc: ${String(e)}`;
  }
}

export const messageEvents = (events: StreamEvent[]) =>
  events.flatMap((e) => (e.type === "message.created" ? [e.message] : []));
