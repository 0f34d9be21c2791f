import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Progress } from "./progress.ts";
import { buildServer, startParley, startRaw } from "./proc.ts";
import { type FanoutParams, type FanoutResult, runFanout } from "./scenarios/fanout.ts";
import { createUsersInRooms, login } from "./setup.ts";

export interface BenchOptions {
  quick: boolean;
  only?: string[] | undefined;
  quiet?: boolean;
}

export interface BenchResults {
  ok: boolean;
  problems: string[];
  fanout?: { params: FanoutParams; parley: FanoutResult; raw: FanoutResult };
}

export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const progress = new Progress(opts.quiet);
  const want = (s: string) => !opts.only || opts.only.includes(s);
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-"));
  const results: BenchResults = { ok: true, problems: [] };
  try {
    progress.note("building apps/server (production bundle)");
    buildServer();
    if (want("fanout")) results.fanout = await fanout(opts.quick, dir, progress);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const f = results.fanout;
  if (f) {
    for (const r of [f.parley, f.raw]) {
      if (r.lost || r.duplicated || r.outOfOrder) results.problems.push(`fanout ${r.target}: lost ${r.lost}, duplicated ${r.duplicated}, out of order ${r.outOfOrder}`);
    }
    const rc = f.parley.realClient;
    if (rc && (rc.received !== rc.expected || rc.outOfOrder)) results.problems.push(`real client: received ${rc.received} of ${rc.expected}, out of order ${rc.outOfOrder}`);
  }
  results.ok = results.problems.length === 0;
  console.log(JSON.stringify(results, null, 2));
  return results;
}

async function fanout(quick: boolean, dir: string, progress: Progress) {
  const params: FanoutParams = quick
    ? { rooms: 4, perRoom: 50, rates: [100, 200], stepMs: 1500, workers: 2, drainMs: 5000 }
    : { rooms: 20, perRoom: 50, rates: [250, 500, 1000, 2000, 4000], stepMs: 8000, workers: 2, drainMs: 10_000 };
  progress.note(`fan-out: ${params.rooms * params.perRoom} connections in ${params.rooms} rooms of ${params.perRoom}; rates ${params.rates.join(", ")} msg/s, ${params.stepMs / 1000} s each`);
  const server = await startParley({ dbFile: join(dir, "fanout.db") });
  let parley: FanoutResult;
  try {
    const users = await createUsersInRooms(server.httpUrl, {
      rooms: params.rooms,
      perRoom: params.perRoom,
      prefix: "fan",
      progress: (d, t) => progress.note(`registered ${d}/${t} users`),
    });
    const first = users[0];
    if (!first) throw new Error("no users");
    const realToken = await login(server.httpUrl, first.username);
    parley = await runFanout(
      "parley",
      server,
      users.map((u) => ({ token: u.token, roomId: u.roomId })),
      params,
      progress,
      { token: realToken, roomId: first.roomId },
    );
  } finally {
    await server.stop();
  }
  const raw = await startRaw();
  let rawResult: FanoutResult;
  try {
    const conns = Array.from({ length: params.rooms * params.perRoom }, (_, i) => {
      const room = Math.floor(i / params.perRoom) + 1;
      return { token: `room:${room}:${i + 1}`, roomId: room };
    });
    rawResult = await runFanout("raw", raw, conns, params, progress, null);
  } finally {
    await raw.stop();
  }
  return { params, parley, raw: rawResult };
}
