import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

export const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = join(benchDir, "..", "..");
const serverDir = join(repoRoot, "apps", "server");
const CLK_TCK = 100;

/** CPU seconds (user + system) and resident memory of a live process, from /proc. */
export function procSample(pid: number): { cpuSec: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces: fields are counted after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuSec = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSec, rssBytes: rssKb * 1024 };
}

/** System load average (1 minute), to note how busy the shared machine was. */
export function loadAvg(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Builds the production bundle so the bench always measures the current source. */
export function buildServer(): void {
  const r = spawnSync(process.execPath, ["build.mjs"], { cwd: serverDir, stdio: "inherit" });
  if (r.status !== 0) throw new Error("building apps/server failed");
}

export interface ChildServer {
  /** ws://127.0.0.1:port/ws */
  wsUrl: string;
  httpUrl: string;
  pid: number;
  /** Milliseconds from spawn to accepting requests. */
  startMs: number;
  inspector: Inspector | null;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`server not ready after ${timeoutMs} ms: ${stderr()}`);
}

/** A child Node process whose stderr announces its inspector URL when `--inspect` is on. */
function inspectorFrom(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(buf);
      if (m?.[1]) {
        child.stderr?.off("data", onData);
        resolve(m[1]);
      }
    };
    child.stderr?.on("data", onData);
    child.once("exit", () => reject(new Error(`process exited before its inspector started: ${buf}`)));
  });
}

export interface ParleyOptions {
  dbFile: string;
  /** Another build of the server to run instead (e.g. an older commit, for before/after figures). */
  serverJs?: string | undefined;
  /** Attach the inspector, to force garbage collection before reading RSS. */
  inspect?: boolean;
  env?: Record<string, string>;
}

/**
 * The real production server (apps/server/dist/main.js) in its own process.
 * NODE_ENV=development only so BCRYPT_COST=4 is accepted (production insists
 * on ≥ 10, which would make registering thousands of bench users take
 * minutes); nothing else in the server reads NODE_ENV.
 */
export async function startParley(opts: ParleyOptions): Promise<ChildServer> {
  const port = await freePort();
  // PARLEY_BENCH_NODE_OPTIONS: extra flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.PARLEY_BENCH_NODE_OPTIONS ?? "").split(" ").filter(Boolean);
  const args = [...extra, ...(opts.inspect ? ["--inspect=127.0.0.1:0"] : []), opts.serverJs ?? join(serverDir, "dist", "main.js")];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: serverDir,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "development",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: opts.dbFile,
      SECRET_KEY: "bench-secret-key-that-is-long-enough-0123456789",
      BCRYPT_COST: "4",
      SEND_RATE_BURST: "1000000",
      SEND_RATE_PER_SEC: "1000000",
      // The history scenario creates its rooms as one user.
      ROOM_CREATE_BURST: "1000000",
      REGISTRATIONS_PER_IP: "1000000",
      // The scenarios build their own rooms; a #general holding every bench user would make each
      // connection's presence reach all the others, which is not what they measure (issue 13).
      DEFAULT_ROOM: "",
      LOG_LEVEL: "warn",
      ...opts.env,
    },
  });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (err.length < 20_000) err += d.toString();
  });
  const inspectorUrl = opts.inspect ? inspectorFrom(child) : null;
  const httpUrl = `http://127.0.0.1:${port}`;
  await waitReady(`${httpUrl}/readyz`, child, () => err, 60_000);
  const startMs = performance.now() - t0;
  const inspector = inspectorUrl ? await Inspector.connect(await inspectorUrl) : null;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl,
    pid: child.pid ?? 0,
    startMs,
    inspector,
    async stop() {
      inspector?.close();
      child.kill("SIGTERM");
      await waitExit(child, 10_000);
    },
  };
}

/** The raw `ws` broadcast reference (src/raw-server.ts) in its own process. */
export async function startRaw(opts: { inspect?: boolean } = {}): Promise<ChildServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...(opts.inspect ? ["--inspect=127.0.0.1:0"] : []), "--import", "tsx", join(benchDir, "src", "raw-server.ts")],
    { cwd: benchDir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PORT: String(port) } },
  );
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (err.length < 20_000) err += d.toString();
  });
  const inspectorUrl = opts.inspect ? inspectorFrom(child) : null;
  const t0 = performance.now();
  const httpUrl = `http://127.0.0.1:${port}`;
  await waitReady(`${httpUrl}/readyz`, child, () => err, 30_000);
  const inspector = inspectorUrl ? await Inspector.connect(await inspectorUrl) : null;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl,
    pid: child.pid ?? 0,
    startMs: performance.now() - t0,
    inspector,
    async stop() {
      inspector?.close();
      child.kill("SIGTERM");
      await waitExit(child, 5_000);
    },
  };
}

/**
 * The Chrome DevTools protocol of a child started with `--inspect`: lets the
 * bench force a full GC and read `process.memoryUsage()` with no bench-only
 * code in the server.
 */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (r: unknown) => void>();

  private chunks: string[] | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (raw) => {
      const msg = JSON.parse(raw.toString()) as { id?: number; result?: unknown; method?: string; params?: { chunk?: string } };
      if (msg.method === "HeapProfiler.addHeapSnapshotChunk") this.chunks?.push(msg.params?.chunk ?? "");
      if (msg.id !== undefined) {
        this.pending.get(msg.id)?.(msg.result);
        this.pending.delete(msg.id);
      }
    });
  }

  static connect(url: string): Promise<Inspector> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once("open", () => resolve(new Inspector(ws)));
      ws.once("error", reject);
    });
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async gc(): Promise<void> {
    await this.call("HeapProfiler.collectGarbage");
    await this.call("HeapProfiler.collectGarbage");
  }

  async memory(): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }> {
    const r = (await this.call("Runtime.evaluate", {
      expression: "JSON.stringify(process.memoryUsage())",
      returnByValue: true,
    })) as { result?: { value?: string } };
    return JSON.parse(r.result?.value ?? "{}");
  }

  /** A V8 heap snapshot of the child, as the JSON text DevTools would save. */
  async heapSnapshot(): Promise<string> {
    this.chunks = [];
    await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const text = this.chunks.join("");
    this.chunks = null;
    return text;
  }

  close(): void {
    this.ws.close();
  }
}
