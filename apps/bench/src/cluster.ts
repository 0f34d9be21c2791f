/**
 * `pnpm --filter @parley/bench exec tsx src/cluster.ts [--quick]`
 *
 * Parley on PostgreSQL + Redis with one server process, then two, on this
 * machine: the same load both times, from load-generator processes whose
 * connections are spread evenly over the nodes (members of one room sit on
 * different nodes, so every message crosses the bus). Reports acked sends/s
 * (closed loop) and fan-out deliveries/s with latency, and writes
 * results/cluster.json. PostgreSQL and Redis are private instances started
 * from the Debian packages (see apps/server/src/test/services.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTestDatabase, type PostgresServer, type RedisServer, startPostgres, startRedis } from "@parley/server/testing";
import { LoadGroup } from "./group.ts";
import type { ConnSpec } from "./loadgen.ts";
import { benchDir, buildServer, type ChildServer, loadAvg, procSample, startParley } from "./proc.ts";
import { createUsersInRooms } from "./setup.ts";
import { Histogram, type LatencySummary, summarise } from "./stats.ts";

interface CaseResult {
  nodes: number;
  ingest: { ackedPerSec: number; ackMs: LatencySummary; errors: number; serverCpuPct: number[] };
  fanout: {
    rate: number;
    ackedPerSec: number;
    deliveriesPerSec: number;
    late: number;
    latencyMs: LatencySummary;
    serverCpuPct: number[];
  }[];
  loadAvg: number;
}

const quick = process.argv.includes("--quick");
const P = quick
  ? { rooms: 10, perRoom: 10, ingestSenders: 40, ingestMs: 4000, inflight: 4, rates: [50, 100], stepMs: 4000, drainMs: 5000 }
  : { rooms: 20, perRoom: 25, ingestSenders: 100, ingestMs: 10_000, inflight: 4, rates: [100, 200, 400, 800], stepMs: 8000, drainMs: 8000 };

/** Connection k goes to node k mod n. */
const split = <T>(items: T[], n: number) => Array.from({ length: n }, (_, i) => items.filter((_, k) => k % n === i));

async function runCase(nodes: number, pg: PostgresServer, redis: RedisServer): Promise<CaseResult> {
  const databaseUrl = await createTestDatabase(pg.url, `bench${nodes}`);
  const servers: ChildServer[] = [];
  for (let i = 0; i < nodes; i++) {
    servers.push(
      await startParley({
        dbFile: databaseUrl,
        env: { REDIS_URL: redis.url, NODE_ID: `bench-${i}`, DATABASE_POOL_SIZE: "10" },
      }),
    );
  }
  const cpu = (before: { cpuSec: number }[], wallSec: number) =>
    servers.map((s, i) => Math.round(((procSample(s.pid).cpuSec - (before[i]?.cpuSec ?? 0)) / wallSec) * 100));
  try {
    const first = servers[0];
    if (!first) throw new Error("no server");
    const users = await createUsersInRooms(first.httpUrl, { rooms: P.rooms, perRoom: P.perRoom, prefix: `c${nodes}n` });
    const conns: ConnSpec[] = users.map((u) => ({ token: u.token, roomId: u.roomId }));

    // Fan-out: every connection subscribed; each step offers `rate` messages/s in total.
    const fanout: CaseResult["fanout"] = [];
    {
      const shares = split(conns, nodes);
      const groups = servers.map(() => LoadGroup.start(1));
      try {
        await Promise.all(groups.map((g, i) => g.connect(servers[i]?.wsUrl ?? "", shares[i] ?? [], { subscribe: true, concurrency: 50 })));
        await new Promise((r) => setTimeout(r, 500));
        const total: Record<number, number> = {};
        for (const [s, rate] of P.rates.entries()) {
          const step = s + 1;
          const before = servers.map((x) => procSample(x.pid));
          const t0 = performance.now();
          const sent = (
            await Promise.all(
              groups.map((g) => g.all({ cmd: "step", step, rate: rate / nodes, durationMs: P.stepMs, ackTimeoutMs: P.drainMs }, "sent")),
            )
          ).flat();
          const perRoom: Record<number, number> = {};
          for (const x of sent) {
            for (const [room, n] of Object.entries(x.ackedPerRoom)) {
              perRoom[Number(room)] = (perRoom[Number(room)] ?? 0) + n;
              total[Number(room)] = (total[Number(room)] ?? 0) + n;
            }
          }
          const received = (await Promise.all(groups.map((g) => g.all({ cmd: "expect", step, perRoom, timeoutMs: P.drainMs }, "received")))).flat();
          const wallSec = (performance.now() - t0) / 1000;
          const lat = new Histogram();
          for (const r of received) lat.merge(r.latency);
          const acked = sent.reduce((n, x) => n + x.acked, 0);
          const deliveries = received.reduce((n, r) => n + r.deliveries, 0);
          const ackSpan = Math.max(P.stepMs, ...sent.map((x) => x.ackSpanMs)) / 1000;
          const delivSpan = Math.max(P.stepMs, ...received.map((r) => r.deliverySpanMs)) / 1000;
          const row = {
            rate,
            ackedPerSec: Math.round(acked / ackSpan),
            deliveriesPerSec: Math.round(deliveries / delivSpan),
            late: received.reduce((n, r) => n + r.missing, 0),
            latencyMs: summarise(lat),
            serverCpuPct: cpu(before, wallSec),
          };
          fanout.push(row);
          console.log(
            `  ${nodes} node(s) fan-out ${rate} msg/s: ${row.ackedPerSec} acked/s, ${row.deliveriesPerSec} deliveries/s, p50 ${row.latencyMs.p50} ms, p99 ${row.latencyMs.p99} ms, late ${row.late}, cpu ${row.serverCpuPct.join("+")}%`,
          );
          if (row.late > 0 || row.latencyMs.p99 > 1000) break;
        }
      } finally {
        await Promise.all(groups.map((g) => g.close()));
      }
    }

    // Ingest: closed-loop sends from `ingestSenders` connections (not subscribed).
    const senders = split(conns.slice(0, P.ingestSenders), nodes);
    const groups = servers.map(() => LoadGroup.start(1));
    let ingest: CaseResult["ingest"];
    try {
      await Promise.all(groups.map((g, i) => g.connect(servers[i]?.wsUrl ?? "", senders[i] ?? [], { subscribe: false, concurrency: 50 })));
      const before = servers.map((x) => procSample(x.pid));
      const t0 = performance.now();
      const r = (await Promise.all(groups.map((g) => g.all({ cmd: "ingest", durationMs: P.ingestMs, inflight: P.inflight }, "ingested")))).flat();
      const wallSec = (performance.now() - t0) / 1000;
      const ack = new Histogram();
      for (const x of r) ack.merge(x.ack);
      const acked = r.reduce((n, x) => n + x.acked, 0);
      ingest = {
        ackedPerSec: Math.round(acked / (Math.max(...r.map((x) => x.ms)) / 1000)),
        ackMs: summarise(ack),
        errors: r.reduce((n, x) => n + x.errors, 0),
        serverCpuPct: cpu(before, wallSec),
      };
      console.log(
        `  ${nodes} node(s) ingest: ${ingest.ackedPerSec} acked sends/s, ack p50 ${ingest.ackMs.p50} ms, p99 ${ingest.ackMs.p99} ms, errors ${ingest.errors}, cpu ${ingest.serverCpuPct.join("+")}%`,
      );
    } finally {
      await Promise.all(groups.map((g) => g.close()));
    }
    return { nodes, ingest, fanout, loadAvg: loadAvg() };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function main() {
  console.log(`cluster bench (${quick ? "quick" : "full"}): PostgreSQL + Redis, 1 node then 2 nodes`);
  buildServer();
  const pg = await startPostgres();
  const redis = await startRedis();
  try {
    const results: CaseResult[] = [];
    for (const nodes of [1, 2]) results.push(await runCase(nodes, pg, redis));
    const best = (c: CaseResult) => Math.max(...c.fanout.map((s) => s.deliveriesPerSec));
    console.log("\n| nodes | acked sends/s (closed loop) | ack p99 ms | best fan-out deliveries/s | fan-out p99 ms at that step |");
    console.log("|---|---|---|---|---|");
    for (const c of results) {
      const top = c.fanout.find((s) => s.deliveriesPerSec === best(c));
      console.log(`| ${c.nodes} | ${c.ingest.ackedPerSec} | ${c.ingest.ackMs.p99} | ${best(c)} | ${top?.latencyMs.p99 ?? "-"} |`);
    }
    mkdirSync(join(benchDir, "results"), { recursive: true });
    const file = join(benchDir, "results", quick ? "cluster-quick.json" : "cluster.json");
    writeFileSync(file, `${JSON.stringify({ quick, params: P, startedAt: new Date().toISOString(), results }, null, 2)}\n`);
    console.log(`\nwrote ${file}`);
  } finally {
    await redis.stop();
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
