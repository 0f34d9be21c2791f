import SQLite from "better-sqlite3";
import { LoadGroup } from "../group.ts";
import type { ConnSpec } from "../loadgen.ts";
import { type ChildServer, loadAvg, procSample } from "../proc.ts";
import type { Progress } from "../progress.ts";
import { Histogram, type LatencySummary, summarise } from "../stats.ts";

export interface IngestParams {
  senders: number;
  rooms: number;
  durationMs: number;
  /** Sends each sender keeps in flight (closed loop). */
  inflight: number;
  workers: number;
}

export interface IngestResult {
  acked: number;
  errors: number;
  firstError: string | null;
  ackedPerSec: number;
  ackMs: LatencySummary;
  serverCpuPct: number;
  /** Server CPU time per acknowledged send: robust to other load on the machine. */
  cpuUsPerAck: number;
  loadAvg: number;
}

/** Closed-loop `messages.send` from many senders: acked (committed) messages per second. */
export async function runIngest(server: ChildServer, conns: ConnSpec[], params: IngestParams, progress: Progress): Promise<IngestResult> {
  const group = LoadGroup.start(params.workers);
  try {
    const c = await group.connect(server.wsUrl, conns, { subscribe: false, concurrency: 50 });
    if (c.failed > 0) throw new Error(`${c.failed} sender connections failed: ${c.firstError}`);
    progress.note(`ingest: ${conns.length} senders, ${params.inflight} in flight each, for ${params.durationMs / 1000} s`);
    const before = procSample(server.pid);
    const t0 = performance.now();
    const r = await group.all({ cmd: "ingest", durationMs: params.durationMs, inflight: params.inflight }, "ingested");
    const after = procSample(server.pid);
    const wallSec = (performance.now() - t0) / 1000;
    const ack = new Histogram();
    for (const x of r) ack.merge(x.ack);
    const acked = r.reduce((n, x) => n + x.acked, 0);
    const result: IngestResult = {
      acked,
      errors: r.reduce((n, x) => n + x.errors, 0),
      firstError: r.find((x) => x.firstError)?.firstError ?? null,
      ackedPerSec: Math.round(acked / (Math.max(...r.map((x) => x.ms)) / 1000)),
      ackMs: summarise(ack),
      serverCpuPct: Math.round(((after.cpuSec - before.cpuSec) / wallSec) * 100),
      cpuUsPerAck: acked > 0 ? Math.round(((after.cpuSec - before.cpuSec) / acked) * 1e6) : 0,
      loadAvg: loadAvg(),
    };
    progress.note(
      `ingest: ${result.ackedPerSec} acked sends/s, ack p50 ${result.ackMs.p50} ms, p99 ${result.ackMs.p99} ms, cpu ${result.serverCpuPct}% (${result.cpuUsPerAck} µs/ack)`,
    );
    return result;
  } finally {
    await group.close();
  }
}

/**
 * The reference: better-sqlite3 alone on the same file and pragmas, doing
 * what one send does (insert the message, read it back with its sender,
 * append its event), one transaction per message and then 100 per transaction.
 */
export function rawInsertRate(file: string, opts: { roomId: number; senderId: number; durationMs: number }) {
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  const insMsg = db.prepare(
    "insert into messages (room_id, sender_id, kind, content, client_id, created_at, edited_at) values (?, ?, 'text', ?, ?, ?, null) returning id",
  );
  const find = db.prepare(
    "select m.*, u.username as sender_name from messages m left join users u on u.id = m.sender_id where m.id = ?",
  );
  const insEvent = db.prepare(
    "insert into events (type, scope, room_id, user_id, payload, created_at) values ('message.created', 'room', ?, null, ?, ?)",
  );
  let seq = 0;
  const one = () => {
    const now = Date.now();
    seq++;
    const row = insMsg.get(opts.roomId, opts.senderId, `raw ${seq}`, `raw-${process.pid}-${seq}`, now) as { id: number };
    const m = find.get(row.id);
    insEvent.run(opts.roomId, JSON.stringify({ type: "message.created", roomId: opts.roomId, message: m }), now);
  };
  const perTxn = db.transaction(one);
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) one();
  });
  const measure = (fn: () => number) => {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < opts.durationMs) n += fn();
    return Math.round(n / ((performance.now() - t0) / 1000));
  };
  const single = measure(() => {
    perTxn();
    return 1;
  });
  const batched = measure(() => {
    batch(100);
    return 100;
  });
  db.close();
  return { perTransaction: single, batchedBy100: batched };
}
