import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * Private PostgreSQL and Redis servers for tests, from the Debian packages,
 * listening on 127.0.0.1 only and removed afterwards. Nothing runs by
 * default on this machine, and tests never touch a developer's own servers.
 */

const PG_ROOT = "/usr/lib/postgresql";

function pgBin(): string | null {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(PG_ROOT, versions[0], "bin") : null;
}

const REDIS = "/usr/bin/redis-server";

export const postgresAvailable = () => pgBin() !== null;
export const redisAvailable = () => existsSync(REDIS);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what} did not start in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** A new, empty database; returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

let dbSeq = 0;

export async function startPostgres(): Promise<PostgresServer> {
  const bin = pgBin();
  if (!bin) throw new Error("PostgreSQL is not installed (apt-get install -y postgresql)");
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), "parley-pg-"));
  chmodSync(dir, 0o700);
  if (user) chownSync(dir, user.uid, user.gid);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(join(bin, "initdb"), ["-D", dir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], {
    ...as,
    stdio: "ignore",
  });
  const port = await freePort();
  // Test-only settings: no fsync (the data is thrown away), room for many pools.
  const child = spawn(
    join(bin, "postgres"),
    ["-D", dir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`]
      .concat(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=400"]),
    { ...as, stdio: "ignore" },
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = () => new pg.Client({ connectionString: url });
  await waitFor(async () => {
    const c = admin();
    await c.connect();
    await c.end();
    return true;
  }, "PostgreSQL");
  return {
    url,
    port,
    createDatabase: (prefix) => createTestDatabase(url, prefix),
    async stop() {
      await stopChild(child, "SIGINT");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A new, empty database on the server at `adminUrl`; returns its URL. */
export async function createTestDatabase(adminUrl: string, prefix = "parley"): Promise<string> {
  const name = `${prefix}_${process.pid}_${++dbSeq}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`create database ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: no goodbye to clients) and starts a fresh one on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  if (!redisAvailable()) throw new Error("Redis is not installed (apt-get install -y redis-server)");
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"];
  let child: ChildProcess | null = null;
  const launch = async () => {
    child = spawn(REDIS, args, { stdio: "ignore" });
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const s = new Socket();
          s.once("error", () => resolve(false));
          s.connect(port, "127.0.0.1", () => {
            s.end();
            resolve(true);
          });
        }),
      "Redis",
    );
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart(downMs = 300) {
      if (child) await stopChild(child, "SIGKILL");
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      if (child) await stopChild(child, "SIGTERM");
    },
  };
}
