import { type MixedCommand, MixedLoad, type MixedReply } from "./mixed-load.ts";
import { Histogram, type HistogramData, wallMs } from "./stats.ts";
import { type Delivery, MARK, WireConn } from "./wire.ts";

/**
 * A load-generator process (forked by the bench, driven over IPC). It holds
 * a share of the connections, sends at the rate it is told, and records
 * what each connection receives: latency, count per step, and order.
 */

export interface ConnSpec {
  token: string;
  roomId: number;
  /** The connection's user, where a scenario needs it (mixed: who reacted). */
  userId?: number;
}

export type LoadCommand =
  | { cmd: "connect"; url: string; conns: ConnSpec[]; concurrency: number; subscribe: boolean; localAddresses?: string[] }
  | { cmd: "step"; step: number; rate: number; durationMs: number; ackTimeoutMs: number }
  | { cmd: "expect"; step: number; perRoom: Record<number, number>; timeoutMs: number }
  | { cmd: "ingest"; durationMs: number; inflight: number }
  | { cmd: "final"; perRoom: Record<number, number>; timeoutMs: number }
  | MixedCommand
  | { cmd: "close" };

export interface StepSent {
  type: "sent";
  step: number;
  sent: number;
  acked: number;
  errors: number;
  firstError: string | null;
  ackedPerRoom: Record<number, number>;
  ack: HistogramData;
  /** ms from step start to the last ack. */
  ackSpanMs: number;
}

/** CPU seconds this load-generator process has used so far. */
const cpuSec = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export interface StepReceived {
  type: "received";
  step: number;
  deliveries: number;
  expected: number;
  /** Expected deliveries that had not arrived when the wait ended. */
  missing: number;
  latency: HistogramData;
  /** ms from step start to the last delivery of this step. */
  deliverySpanMs: number;
  /** CPU seconds this process used for the step (sending and receiving). */
  cpuSec: number;
}

export interface FinalReport {
  type: "final";
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  disorder: number;
  closed: Record<string, number>;
}

export type LoadReply =
  | { type: "connected"; ok: number; failed: number; ms: number; firstError: string | null }
  | StepSent
  | StepReceived
  | { type: "ingested"; acked: number; errors: number; firstError: string | null; ack: HistogramData; ms: number }
  | FinalReport
  | MixedReply
  | { type: "closed" };

const send = (r: LoadReply) => process.send?.(r);

interface Conn {
  wire: WireConn;
  roomId: number;
  userId: number;
  /** Bench deliveries received, per step. */
  perStep: Map<number, number>;
  total: number;
}

let conns: Conn[] = [];
const byWire = new Map<WireConn, Conn>();
const latency = new Map<number, Histogram>();
const lastDelivery = new Map<number, number>();
const stepStart = new Map<number, number>();
const stepCpu = new Map<number, number>();
let clientSeq = 0;
const mixed = new MixedLoad();

function onDelivery(wire: WireConn, d: Delivery): void {
  if (d.reaction !== undefined) mixed.delivered(d.reaction);
  if (d.content === null || !d.content.startsWith(MARK)) return;
  const now = wallMs();
  const c = byWire.get(wire);
  if (!c) return;
  // b|<step>|<sentAt>|<seq>
  const p1 = d.content.indexOf("|", 2);
  const p2 = d.content.indexOf("|", p1 + 1);
  const step = Number(d.content.slice(2, p1));
  const sentAt = Number(d.content.slice(p1 + 1, p2));
  c.perStep.set(step, (c.perStep.get(step) ?? 0) + 1);
  c.total++;
  let h = latency.get(step);
  if (!h) {
    h = new Histogram();
    latency.set(step, h);
  }
  h.record(now - sentAt);
  lastDelivery.set(step, now);
}

async function connect(cmd: Extract<LoadCommand, { cmd: "connect" }>): Promise<void> {
  const t0 = performance.now();
  let ok = 0;
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const worker = async () => {
    while (next < cmd.conns.length) {
      const i = next++;
      const spec = cmd.conns[i];
      if (!spec) break;
      const local = cmd.localAddresses?.[i % cmd.localAddresses.length];
      const wire = new WireConn(cmd.url, spec.token, onDelivery, local);
      const c: Conn = { wire, roomId: spec.roomId, userId: spec.userId ?? 0, perStep: new Map(), total: 0 };
      try {
        if (cmd.subscribe) await wire.subscribe();
        else await wire.opened();
        conns.push(c);
        byWire.set(wire, c);
        ok++;
      } catch (err) {
        failed++;
        firstError ??= String(err);
        wire.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cmd.concurrency) }, worker));
  send({ type: "connected", ok, failed, ms: performance.now() - t0, firstError });
}

function sendOne(c: Conn, step: number): Promise<unknown> {
  const seq = ++clientSeq;
  const content = `${MARK}${step}|${wallMs().toFixed(3)}|${seq}`;
  return c.wire.call("mutation", "messages.send", { roomId: c.roomId, content, clientId: `${process.pid}-${seq}` });
}

async function step(cmd: Extract<LoadCommand, { cmd: "step" }>): Promise<void> {
  const ack = new Histogram();
  const ackedPerRoom: Record<number, number> = {};
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let firstError: string | null = null;
  let lastAck = 0;
  const start = wallMs();
  stepStart.set(cmd.step, start);
  stepCpu.set(cmd.step, cpuSec());
  const inflight = new Set<Promise<unknown>>();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = wallMs() - start;
      const due = Math.min(Math.floor((cmd.rate * Math.min(elapsed, cmd.durationMs)) / 1000), Math.round((cmd.rate * cmd.durationMs) / 1000));
      while (sent < due && conns.length > 0) {
        const c = conns[Math.floor(Math.random() * conns.length)];
        if (!c) break;
        sent++;
        const t = wallMs();
        const p = sendOne(c, cmd.step).then(
          () => {
            const now = wallMs();
            ack.record(now - t);
            acked++;
            lastAck = now;
            ackedPerRoom[c.roomId] = (ackedPerRoom[c.roomId] ?? 0) + 1;
          },
          (err: unknown) => {
            errors++;
            firstError ??= String(err);
          },
        );
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      if (elapsed >= cmd.durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  const deadline = Date.now() + cmd.ackTimeoutMs;
  while (inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  send({
    type: "sent",
    step: cmd.step,
    sent,
    acked,
    errors: errors + inflight.size,
    firstError: firstError ?? (inflight.size > 0 ? `${inflight.size} sends unacknowledged after ${cmd.ackTimeoutMs} ms` : null),
    ackedPerRoom,
    ack: ack.toData(),
    ackSpanMs: lastAck > 0 ? lastAck - start : 0,
  });
}

function expectedFor(perRoom: Record<number, number>, pick: (c: Conn) => number): { expected: number; got: number } {
  let expected = 0;
  let got = 0;
  for (const c of conns) {
    const e = perRoom[c.roomId] ?? 0;
    expected += e;
    got += Math.min(e, pick(c));
  }
  return { expected, got };
}

async function expect(cmd: Extract<LoadCommand, { cmd: "expect" }>): Promise<void> {
  const deadline = Date.now() + cmd.timeoutMs;
  const pick = (c: Conn) => c.perStep.get(cmd.step) ?? 0;
  let r = expectedFor(cmd.perRoom, pick);
  while (r.got < r.expected && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 10));
    r = expectedFor(cmd.perRoom, pick);
  }
  const h = latency.get(cmd.step) ?? new Histogram();
  send({
    type: "received",
    step: cmd.step,
    deliveries: h.total,
    expected: r.expected,
    missing: r.expected - r.got,
    latency: h.toData(),
    deliverySpanMs: (lastDelivery.get(cmd.step) ?? 0) - (stepStart.get(cmd.step) ?? 0),
    cpuSec: cpuSec() - (stepCpu.get(cmd.step) ?? 0),
  });
}

async function final(cmd: Extract<LoadCommand, { cmd: "final" }>): Promise<void> {
  const deadline = Date.now() + cmd.timeoutMs;
  let r = expectedFor(cmd.perRoom, (c) => c.total);
  while (r.got < r.expected && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 20));
    r = expectedFor(cmd.perRoom, (c) => c.total);
  }
  let received = 0;
  let duplicated = 0;
  let disorder = 0;
  const closed: Record<string, number> = {};
  for (const c of conns) {
    received += c.total;
    const e = cmd.perRoom[c.roomId] ?? 0;
    if (c.total > e) duplicated += c.total - e;
    disorder += c.wire.disorder;
    if (c.wire.closedWith !== null) closed[c.wire.closedWith] = (closed[c.wire.closedWith] ?? 0) + 1;
  }
  send({ type: "final", expected: r.expected, received, lost: r.expected - r.got, duplicated, disorder, closed });
}

async function ingest(cmd: Extract<LoadCommand, { cmd: "ingest" }>): Promise<void> {
  const ack = new Histogram();
  let acked = 0;
  let errors = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const end = start + cmd.durationMs;
  const loop = async (c: Conn) => {
    while (performance.now() < end) {
      const t = wallMs();
      try {
        await sendOne(c, 0);
        ack.record(wallMs() - t);
        acked++;
      } catch (err) {
        errors++;
        firstError ??= String(err);
        if (c.wire.closedWith !== null) return;
      }
    }
  };
  await Promise.all(conns.flatMap((c) => Array.from({ length: cmd.inflight }, () => loop(c))));
  send({ type: "ingested", acked, errors, firstError, ack: ack.toData(), ms: performance.now() - start });
}

process.on("message", (m: LoadCommand) => {
  const run = async () => {
    switch (m.cmd) {
      case "connect":
        return connect(m);
      case "step":
        return step(m);
      case "expect":
        return expect(m);
      case "final":
        return final(m);
      case "ingest":
        return ingest(m);
      case "mixed":
        send(await mixed.run(conns, m));
        return;
      case "close":
        for (const c of conns) c.wire.close();
        conns = [];
        send({ type: "closed" });
        setTimeout(() => process.exit(0), 50);
        return;
    }
  };
  run().catch((err: unknown) => {
    console.error("loadgen:", err);
    process.exit(1);
  });
});
