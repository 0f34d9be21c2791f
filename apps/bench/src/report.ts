import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { BenchResults } from "./bench.ts";

const pad = (s: string | number, n: number) => String(typeof s === "number" && s >= 100 ? Math.round(s) : s).padStart(n);
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");

/** The human-readable table printed on stdout. */
export function table(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`Parley bench ${r.quick ? "(--quick) " : ""}— ${m.cpu} × ${m.cores}, ${m.memGb} GB, Node ${m.node}, load ${m.loadStart} → ${m.loadEnd}`);
  const f = r.fanout;
  if (f) {
    out.push("");
    out.push(`Fan-out: ${f.params.rooms * f.params.perRoom} connections, ${f.params.rooms} rooms of ${f.params.perRoom}, ${f.params.stepMs / 1000} s per step`);
    out.push(
      `${"server".padEnd(7)}${pad("msg/s", 7)}${pad("acked/s", 9)}${pad("deliv/s", 9)}${pad("p50", 8)}${pad("p95", 8)}${pad("p99", 8)}${pad("max", 8)}${pad("ack p50", 9)}${pad("ack p99", 9)}${pad("cpu%", 6)}${pad("µs/del", 8)}${pad("rss MB", 8)}${pad("gen%", 6)}${pad("late", 7)}`,
    );
    for (const res of [...(f.before ? [f.before] : []), f.parley, f.raw]) {
      for (const s of res.steps) {
        out.push(
          `${res.target.padEnd(7)}${pad(s.rate, 7)}${pad(s.ackedPerSec, 9)}${pad(s.deliveriesPerSec, 9)}${pad(s.latencyMs.p50, 8)}${pad(s.latencyMs.p95, 8)}${pad(s.latencyMs.p99, 8)}${pad(s.latencyMs.max, 8)}${pad(s.ackMs.p50, 9)}${pad(s.ackMs.p99, 9)}${pad(s.serverCpuPct, 6)}${pad(s.cpuUsPerDelivery, 8)}${pad(s.serverRssMb, 8)}${pad(s.loadgenCpuPct, 6)}${pad(s.late, 7)}${s.saturated ? "  saturated" : ""}`,
        );
      }
    }
    out.push(
      `saturation: parley ${f.parley.saturationDeliveriesPerSec} deliveries/s, raw ${f.raw.saturationDeliveriesPerSec} → ${ratio(f.parley.saturationDeliveriesPerSec, f.raw.saturationDeliveriesPerSec)} of raw`,
    );
    if (f.before) {
      out.push(`before (${r.baseline ?? "older build"}): saturation ${f.before.saturationDeliveriesPerSec} deliveries/s → ${ratio(f.before.saturationDeliveriesPerSec, f.raw.saturationDeliveriesPerSec)} of raw; lost ${f.before.lost}, duplicated ${f.before.duplicated}, out of order ${f.before.outOfOrder}, sockets closed ${JSON.stringify(f.before.closed)}`);
    }
    out.push(
      `integrity: parley lost ${f.parley.lost}, duplicated ${f.parley.duplicated}, out of order ${f.parley.outOfOrder}; raw lost ${f.raw.lost}, duplicated ${f.raw.duplicated}`,
    );
    const rc = f.parley.realClient;
    if (rc) out.push(`@trpc/client wsLink client in room ${rc.roomId}: ${rc.received}/${rc.expected} received, ${rc.outOfOrder} out of order`);
    const lc = f.parley.libClient;
    if (lc) out.push(`@parley/client client in room ${lc.roomId}: ${lc.received}/${lc.expected} received, ${lc.outOfOrder} out of order`);
  }
  const c = r.connections;
  if (c) {
    out.push("");
    out.push(`Connections: ${c.params.connections} idle authenticated sockets, each with events.stream`);
    for (const x of [...(c.before ? [c.before] : []), c.parley, c.raw]) {
      out.push(
        `${x.target.padEnd(7)} ${x.connections} held (${x.failed} failed), ${x.connectsPerSec} connects/s, RSS ${x.rssBeforeMb} → ${x.rssAfterMb} MB: ${x.rssPerConnKb} KB/conn (heap ${x.heapPerConnKb} KB/conn)`,
      );
    }
    out.push(`parley/raw RSS per connection: ${ratio(c.parley.rssPerConnKb, c.raw.rssPerConnKb)}`);
  }
  const h = r.history;
  if (h) {
    out.push("");
    out.push(`History: ${h.messages} messages in ${h.rooms} rooms (${h.dbSizeMb} MB, seeded in ${(h.seedMs / 1000).toFixed(1)} s)`);
    out.push(`  cold start ${Math.round(h.coldStartMs)} ms; messages.list (${h.queries} at random cursors) p50 ${h.pageMs.p50} ms, p99 ${h.pageMs.p99} ms, max ${h.pageMs.max} ms; newest page p50 ${h.firstPageMs.p50} ms, p99 ${h.firstPageMs.p99} ms`);
    const b = h.before;
    if (b) {
      out.push(`  before (--baseline, its calls alternated with these): cold start ${Math.round(b.coldStartMs)} ms; page p50 ${b.pageMs.p50} ms, p99 ${b.pageMs.p99} ms, max ${b.pageMs.max} ms; newest page p50 ${b.firstPageMs.p50} ms, p99 ${b.firstPageMs.p99} ms`);
      out.push(`  after/before page p50 ${ratio(h.pageMs.p50, b.pageMs.p50)}, p99 ${ratio(h.pageMs.p99, b.pageMs.p99)}; newest page p50 ${ratio(h.firstPageMs.p50, b.firstPageMs.p50)}`);
    }
  }
  const u = r.unread;
  if (u) {
    out.push("");
    out.push(`Unread: a reader in ${u.rooms} rooms of a ${u.messages}-message database (${u.dbSizeMb} MB; search indexing of the seed: ${(u.indexingMs / 1000).toFixed(1)} s, then a fresh server timed)`);
    out.push(`  rooms.list (${u.params.lists}) p50 ${u.listMs.p50} ms, p99 ${u.listMs.p99} ms, max ${u.listMs.max} ms; first room ${u.firstRoom.unreadCount} unread, ${u.firstRoom.mentionCount} mentions`);
    if (u.alternated) {
      const { before: b, after: a } = u.alternated;
      out.push(`  alternated with the --baseline build, call for call: before p50 ${b.p50} ms, p99 ${b.p99} ms, max ${b.max} ms; after p50 ${a.p50} ms, p99 ${a.p99} ms, max ${a.max} ms`);
    }
    const lq = u.listQueriesMs;
    out.push(`  rooms.list's query in-process p50 ${lq.p50} ms, p99 ${lq.p99} ms, max ${lq.max} ms (load average ${u.loadAvg.toFixed(2)})`);
    out.push(`  rooms.markRead forward p50 ${u.markReadMs.p50} ms, p99 ${u.markReadMs.p99} ms; unchanged p50 ${u.markReadUnchangedMs.p50} ms, p99 ${u.markReadUnchangedMs.p99} ms (${u.unchangedWrites} event rows written)`);
  }
  const se = r.search;
  if (se) {
    out.push("");
    out.push(`Search: ${se.messages} messages in ${se.rooms} rooms (seeded in ${(se.seedMs / 1000).toFixed(1)} s); cold start ${Math.round(se.coldStartMs)} ms, background indexing ${(se.backfillMs / 1000).toFixed(1)} s`);
    for (const [kind, x] of Object.entries(se.kinds)) out.push(`  ${kind.padEnd(16)} p50 ${pad(x.p50, 6)} ms  p99 ${pad(x.p99, 6)} ms  max ${pad(x.max, 6)} ms  (${x.avgHits} hits)`);
    const w = se.ingestWithIndex.ackedPerSec;
    const wo = se.ingestWithoutIndex.ackedPerSec;
    out.push(`  ingest with the index ${w} acked/s (${se.ingestWithIndex.cpuUsPerAck} µs/ack), without ${wo} acked/s (${se.ingestWithoutIndex.cpuUsPerAck} µs/ack): ${ratio(w, wo)}`);
  }
  const i = r.ingest;
  if (i) {
    out.push("");
    out.push(`Ingest: ${i.params.senders} senders, closed loop, ${i.params.durationMs / 1000} s`);
    out.push(`  parley ${i.parley.ackedPerSec} acked sends/s (ack p50 ${i.parley.ackMs.p50} ms, p99 ${i.parley.ackMs.p99} ms, cpu ${i.parley.serverCpuPct}%, ${i.parley.cpuUsPerAck} µs CPU/ack, errors ${i.parley.errors})`);
    out.push(`  raw better-sqlite3, same file and pragmas: ${i.raw.perTransaction}/s one transaction per message, ${i.raw.batchedBy100}/s 100 per transaction → parley ${ratio(i.parley.ackedPerSec, i.raw.perTransaction)} of the former`);
    if (i.rounds?.length) {
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      for (const [n, x] of i.rounds.entries()) {
        out.push(`  round ${n + 1}: before ${x.before.ackedPerSec} acked/s (${x.before.cpuUsPerAck} µs/ack, load ${x.before.loadAvg}), after ${x.after.ackedPerSec} acked/s (${x.after.cpuUsPerAck} µs/ack, load ${x.after.loadAvg})`);
      }
      const b = median(i.rounds.map((x) => x.before.ackedPerSec));
      const a = median(i.rounds.map((x) => x.after.ackedPerSec));
      const bc = median(i.rounds.map((x) => x.before.cpuUsPerAck));
      const ac = median(i.rounds.map((x) => x.after.cpuUsPerAck));
      out.push(`  median: before (${r.baseline ?? "older build"}) ${b} acked/s, ${bc} µs/ack; after ${a} acked/s, ${ac} µs/ack → ${ratio(a, b)} of before`);
    }
  }
  const mx = r.mixed;
  if (mx) {
    out.push("");
    out.push(`Mixed: ${mx.params.rooms} rooms of ${mx.params.perRoom}, ${mx.params.durationMs / 1000} s; server cpu ${mx.serverCpuPct}%, rss ${mx.serverRssMb} MB`);
    out.push(`${"kind".padEnd(9)}${pad("offered/s", 10)}${pad("acked/s", 9)}${pad("timed", 8)}${pad("p50", 8)}${pad("p95", 8)}${pad("p99", 8)}${pad("max", 8)}${pad("ack p50", 9)}${pad("ack p99", 9)}${pad("late", 6)}`);
    for (const [kind, x] of Object.entries(mx.kinds)) {
      if (x.offeredPerSec === 0) continue;
      out.push(
        `${kind.padEnd(9)}${pad(x.offeredPerSec, 10)}${pad(x.ackedPerSec, 9)}${pad(x.deliveries, 8)}${pad(x.latencyMs.p50, 8)}${pad(x.latencyMs.p95, 8)}${pad(x.latencyMs.p99, 8)}${pad(x.latencyMs.max, 8)}${pad(x.ackMs.p50, 9)}${pad(x.ackMs.p99, 9)}${pad(x.late, 6)}`,
      );
    }
    if (mx.editsSkipped) out.push(`  edits not measured: ${mx.editsSkipped}`);
    out.push(`  delivery latency, send to arrival; reactions timed on the sending process's own connections. Integrity: lost ${mx.lost}, duplicated ${mx.duplicated}, out of order ${mx.outOfOrder}`);
  }
  if (r.problems.length) {
    out.push("");
    for (const p of r.problems) out.push(`PROBLEM: ${p}`);
  }
  const w = r.web;
  if (w) {
    out.push("");
    out.push(`Web app in Chromium: ${w.params.messages} messages loaded, ${w.params.incoming} incoming, ${w.params.switches} room switches`);
    out.push(`${"build".padEnd(8)}${pad("appear p50/p95", 16)}${pad("script p50/p95", 16)}${pad("older page max task", 21)}${pad("jump p95", 10)}${pad("switch p50/p95", 16)}${pad("from cmd p95", 14)}${pad("DOM", 7)}${pad("heap MB", 9)}${pad("load all s", 12)}`);
    for (const [name, x] of [["before", w.before], ["after", w.after]] as const) {
      if (!x) continue;
      out.push(
        `${name.padEnd(8)}${pad(`${x.appearMs.p50}/${x.appearMs.p95}`, 16)}${pad(`${x.scriptMs.p50}/${x.scriptMs.p95}`, 16)}${pad(`${x.olderPageLongestTaskMs.p95} (max ${x.olderPageLongestTaskMs.max})`, 21)}${pad(x.scrollJumpLongestTaskMs.p95, 10)}${pad(`${x.switchMs.p50}/${x.switchMs.p95}`, 16)}${pad(x.switchFromCommandMs.p95, 14)}${pad(x.domElements, 7)}${pad(x.heapMb, 9)}${pad((x.loadAllMs / 1000).toFixed(1), 12)}`,
      );
    }
  }
  const fl = r.files;
  if (fl) {
    out.push("");
    out.push(`Files: one ${fl.mb} MB upload at ${fl.uploadMBps} MB/s, download at ${fl.downloadMBps} MB/s`);
    out.push(`server RSS ${fl.rssBeforeMb} MB before, peak ${fl.rssPeakUploadMb} MB uploading (+${fl.rssRiseMb} MB, target ≤ 32), ${fl.rssPeakDownloadMb} MB downloading`);
  }
  return out.join("\n");
}

/** p99 delivery latency against offered deliveries/s, Parley beside the raw reference, as SVG. */
export async function chart(r: BenchResults): Promise<string | null> {
  const f = r.fanout;
  if (!f) return null;
  const label = { parley: "Parley (tRPC, auth, SQLite)", before: "Parley before (tRPC adapter per subscriber)", raw: "raw ws broadcast (no auth, no db)" };
  const values = [...(f.before ? [f.before] : []), f.parley, f.raw].flatMap((res) =>
    res.steps.map((s) => ({
      server: label[res.target],
      offered: s.offeredDeliveriesPerSec,
      p99: Math.max(0.1, s.latencyMs.p99),
    })),
  );
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Fan-out: p99 delivery latency vs offered load",
      subtitle: `${f.params.rooms * f.params.perRoom} connections in rooms of ${f.params.perRoom}; ${r.machine.cores} × ${r.machine.cpu}; ${r.finishedAt.slice(0, 10)}`,
    },
    width: 560,
    height: 320,
    background: "white",
    data: { values },
    layer: [
      // The target: p99 ≤ 25 ms.
      { mark: { type: "rule", strokeDash: [4, 4], color: "#999" }, encoding: { y: { datum: 25 } } },
      {
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "offered", type: "quantitative", title: "offered deliveries/s (messages/s × room size)", scale: { type: "log" } },
          y: { field: "p99", type: "quantitative", title: "p99 latency, send → receive (ms, log)", scale: { type: "log" } },
          color: { field: "server", type: "nominal", title: null, legend: { orient: "bottom", direction: "vertical", labelLimit: 400 } },
        },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
