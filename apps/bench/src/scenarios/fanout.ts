import { LoadGroup } from "../group.ts";
import type { ConnSpec } from "../loadgen.ts";
import { type ChildServer, loadAvg, procSample } from "../proc.ts";
import { ParleyLibClient, RealClient } from "../realclient.ts";
import { Histogram, type LatencySummary, summarise } from "../stats.ts";
import type { Progress } from "../progress.ts";

export interface FanoutParams {
  rooms: number;
  perRoom: number;
  /** Messages per second offered, step by step, until saturation. */
  rates: number[];
  stepMs: number;
  /** Load-generator processes. */
  workers: number;
  /** How long to wait for a step's deliveries after its sends end. */
  drainMs: number;
}

export interface FanoutStep {
  rate: number;
  offeredDeliveriesPerSec: number;
  sent: number;
  acked: number;
  errors: number;
  firstError: string | null;
  ackedPerSec: number;
  deliveries: number;
  deliveriesPerSec: number;
  /** Expected deliveries not yet arrived when the step's wait ended (late, not necessarily lost). */
  late: number;
  latencyMs: LatencySummary;
  ackMs: LatencySummary;
  serverCpuPct: number;
  /** Server CPU time per delivery: robust to other load on the machine, unlike latency. */
  cpuUsPerDelivery: number;
  serverRssMb: number;
  /** CPU of all load-generator processes during the step, in % of one core: near 100 × processes means the load side is the limit. */
  loadgenCpuPct: number;
  loadAvg: number;
  saturated: boolean;
}

export interface FanoutResult {
  target: Target;
  connections: number;
  connectMs: number;
  steps: FanoutStep[];
  /** Highest deliveries/s achieved in any step. */
  saturationDeliveriesPerSec: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  closed: Record<string, number>;
  realClient: { roomId: number; expected: number; received: number; outOfOrder: number; errors: string[] } | null;
  /** The same check through @parley/client. */
  libClient: { roomId: number; expected: number; received: number; outOfOrder: number; errors: string[] } | null;
}

const round = (x: number) => Math.round(x);

/** The server under test: Parley now, Parley at an older commit, or the raw `ws` reference. */
export type Target = "parley" | "before" | "raw";

export async function runFanout(
  target: Target,
  server: ChildServer,
  conns: ConnSpec[],
  params: FanoutParams,
  progress: Progress,
  realClientToken: { token: string; roomId: number; username: string; password: string } | null,
): Promise<FanoutResult> {
  const group = LoadGroup.start(params.workers);
  let real: RealClient | null = null;
  let lib: ParleyLibClient | null = null;
  try {
    progress.note(`${target}: connecting ${conns.length} sockets`);
    const c = await group.connect(server.wsUrl, conns, { subscribe: true, concurrency: 50 });
    if (c.failed > 0) throw new Error(`${c.failed} of ${conns.length} connections failed: ${c.firstError}`);
    if (realClientToken) {
      real = new RealClient(server.wsUrl, realClientToken.token, realClientToken.roomId);
      await real.ready;
      lib = new ParleyLibClient(server.httpUrl, realClientToken.username, realClientToken.password, realClientToken.roomId);
      await lib.ready;
    }
    // Let the connect phase settle (presence announcements to every socket) before measuring.
    await new Promise((r) => setTimeout(r, Math.min(3000, params.stepMs)));
    const steps: FanoutStep[] = [];
    const totalPerRoom: Record<number, number> = {};
    for (const [i, rate] of params.rates.entries()) {
      const stepId = i + 1;
      const before = procSample(server.pid);
      const t0 = performance.now();
      progress.note(`${target}: ${rate} msg/s into rooms of ${params.perRoom} for ${params.stepMs / 1000} s`);
      const ticker = progress.ticker(`${target} ${rate} msg/s`, params.stepMs);
      const sent = await group.all(
        { cmd: "step", step: stepId, rate: rate / group.size, durationMs: params.stepMs, ackTimeoutMs: params.drainMs },
        "sent",
      );
      ticker.stop();
      const perRoom: Record<number, number> = {};
      for (const s of sent) {
        for (const [room, n] of Object.entries(s.ackedPerRoom)) {
          perRoom[Number(room)] = (perRoom[Number(room)] ?? 0) + n;
          totalPerRoom[Number(room)] = (totalPerRoom[Number(room)] ?? 0) + n;
        }
      }
      const received = await group.all({ cmd: "expect", step: stepId, perRoom, timeoutMs: params.drainMs }, "received");
      const after = procSample(server.pid);
      const wallSec = (performance.now() - t0) / 1000;
      const lat = new Histogram();
      const ack = new Histogram();
      for (const r of received) lat.merge(r.latency);
      for (const s of sent) ack.merge(s.ack);
      const acked = sent.reduce((n, s) => n + s.acked, 0);
      const deliveries = received.reduce((n, r) => n + r.deliveries, 0);
      const ackSpan = Math.max(params.stepMs, ...sent.map((s) => s.ackSpanMs)) / 1000;
      const delivSpan = Math.max(params.stepMs, ...received.map((r) => r.deliverySpanMs)) / 1000;
      const late = received.reduce((n, r) => n + r.missing, 0);
      const step: FanoutStep = {
        rate,
        offeredDeliveriesPerSec: rate * params.perRoom,
        sent: sent.reduce((n, s) => n + s.sent, 0),
        acked,
        errors: sent.reduce((n, s) => n + s.errors, 0),
        firstError: sent.find((s) => s.firstError)?.firstError ?? null,
        ackedPerSec: round(acked / ackSpan),
        deliveries,
        deliveriesPerSec: round(deliveries / delivSpan),
        late,
        latencyMs: summarise(lat),
        ackMs: summarise(ack),
        serverCpuPct: round(((after.cpuSec - before.cpuSec) / wallSec) * 100),
        cpuUsPerDelivery: deliveries > 0 ? Math.round(((after.cpuSec - before.cpuSec) / deliveries) * 1e7) / 10 : 0,
        serverRssMb: Math.round(after.rssBytes / 1048576),
        loadgenCpuPct: round((received.reduce((n, r) => n + r.cpuSec, 0) / wallSec) * 100),
        loadAvg: loadAvg(),
        saturated: false,
      };
      step.saturated = late > 0 || step.ackedPerSec < rate * 0.9 || step.latencyMs.p99 > 1000;
      steps.push(step);
      progress.note(
        `${target}: ${rate} msg/s → ${step.ackedPerSec} acked/s, ${step.deliveriesPerSec} deliveries/s, p50 ${step.latencyMs.p50} ms, p99 ${step.latencyMs.p99} ms, cpu ${step.serverCpuPct}% (${step.cpuUsPerDelivery} µs/delivery), load generators ${step.loadgenCpuPct}%, load avg ${step.loadAvg}${step.saturated ? " (saturated)" : ""}`,
      );
      if (step.saturated) break;
    }
    const fin = await group.all({ cmd: "final", perRoom: totalPerRoom, timeoutMs: params.drainMs * 3 }, "final");
    const closed: Record<string, number> = {};
    for (const f of fin) for (const [k, n] of Object.entries(f.closed)) closed[k] = (closed[k] ?? 0) + n;
    let realResult: FanoutResult["realClient"] = null;
    if (real) {
      const expected = totalPerRoom[real.roomId] ?? 0;
      const deadline = Date.now() + params.drainMs;
      while (real.received < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      realResult = { roomId: real.roomId, expected, received: real.received, outOfOrder: real.disorder, errors: real.errors };
    }
    let libResult: FanoutResult["libClient"] = null;
    if (lib) {
      const expected = totalPerRoom[lib.roomId] ?? 0;
      const deadline = Date.now() + params.drainMs;
      while (lib.received < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      libResult = { roomId: lib.roomId, expected, received: lib.received, outOfOrder: lib.disorder, errors: lib.errors };
    }
    return {
      target,
      connections: c.ok,
      connectMs: round(c.ms),
      steps,
      saturationDeliveriesPerSec: Math.max(0, ...steps.map((s) => s.deliveriesPerSec)),
      lost: fin.reduce((n, f) => n + f.lost, 0),
      duplicated: fin.reduce((n, f) => n + f.duplicated, 0),
      outOfOrder: fin.reduce((n, f) => n + f.disorder, 0),
      closed,
      realClient: realResult,
      libClient: libResult,
    };
  } finally {
    real?.close();
    await lib?.close();
    await group.close();
  }
}
