import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type { ConnSpec, LoadCommand, LoadReply } from "./loadgen.ts";
import { benchDir } from "./proc.ts";

/** The bench's handle on its load-generator processes. */
export class LoadGroup {
  private readonly inbox: LoadReply[][];

  private constructor(private readonly children: ChildProcess[]) {
    this.inbox = children.map(() => []);
    children.forEach((child, i) => {
      child.on("message", (m: LoadReply) => {
        this.inbox[i]?.push(m);
        this.wake();
      });
      child.on("error", (err) => {
        this.failure = err;
        this.wake();
      });
      child.on("exit", (code) => {
        if (code !== 0 && code !== null) this.failure = new Error(`load generator ${i} exited with ${code}`);
        this.wake();
      });
    });
  }

  private failure: Error | null = null;
  private waiters: (() => void)[] = [];
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static start(n: number): LoadGroup {
    const children = Array.from({ length: n }, () =>
      fork(join(benchDir, "src", "loadgen.ts"), [], {
        cwd: benchDir,
        // PARLEY_BENCH_LOADGEN_NODE_OPTIONS: extra flags for the load generators, e.g. "--cpu-prof --cpu-prof-dir=/tmp/lgprof".
        execArgv: ["--import", "tsx", "--max-old-space-size=2048", ...(process.env.PARLEY_BENCH_LOADGEN_NODE_OPTIONS ?? "").split(" ").filter(Boolean)],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }),
    );
    return new LoadGroup(children);
  }

  get size(): number {
    return this.children.length;
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid ?? 0);
  }

  /** Sends one command to every process (or per-process commands) and waits for one reply of `type` from each. */
  async all<T extends LoadReply["type"]>(
    cmd: LoadCommand | ((i: number) => LoadCommand),
    type: T,
  ): Promise<Extract<LoadReply, { type: T }>[]> {
    if (this.failure) throw this.failure;
    for (const [i, c] of this.children.entries()) if (c.connected) c.send(typeof cmd === "function" ? cmd(i) : cmd);
    const out: Extract<LoadReply, { type: T }>[] = [];
    for (let i = 0; i < this.children.length; i++) out.push(await this.take(i, type));
    return out;
  }

  private async take<T extends LoadReply["type"]>(i: number, type: T): Promise<Extract<LoadReply, { type: T }>> {
    for (;;) {
      const box = this.inbox[i] ?? [];
      const k = box.findIndex((m) => m.type === type);
      if (k >= 0) return box.splice(k, 1)[0] as Extract<LoadReply, { type: T }>;
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Splits connections across the processes round-robin, so each room is spread over all of them. */
  async connect(url: string, conns: ConnSpec[], opts: { subscribe: boolean; concurrency: number; localAddresses?: string[] }) {
    const parts = this.children.map((_, i) => conns.filter((_, k) => k % this.children.length === i));
    const replies = await this.all(
      (i) => ({
        cmd: "connect",
        url,
        conns: parts[i] ?? [],
        subscribe: opts.subscribe,
        concurrency: opts.concurrency,
        localAddresses: opts.localAddresses,
      }),
      "connected",
    );
    return {
      ok: replies.reduce((s, r) => s + r.ok, 0),
      failed: replies.reduce((s, r) => s + r.failed, 0),
      ms: Math.max(...replies.map((r) => r.ms)),
      firstError: replies.find((r) => r.firstError)?.firstError ?? null,
    };
  }

  async close(): Promise<void> {
    await Promise.race([this.all({ cmd: "close" }, "closed").catch(() => []), new Promise((r) => setTimeout(r, 3000))]);
    // Give each process a moment to exit by itself (a --cpu-prof profile is written on exit).
    const exited = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)));
    await Promise.race([Promise.all(this.children.map(exited)), new Promise((r) => setTimeout(r, 3000))]);
    for (const c of this.children) if (c.exitCode === null) c.kill();
  }
}
