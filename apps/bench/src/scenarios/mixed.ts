import { LoadGroup } from "../group.ts";
import type { Kind } from "../mixed-load.ts";
import { type ChildServer, procSample } from "../proc.ts";
import type { Progress } from "../progress.ts";
import { type BenchUser, rpc } from "../setup.ts";
import { Histogram, type LatencySummary, summarise } from "../stats.ts";

export interface MixedParams {
  rooms: number;
  perRoom: number;
  durationMs: number;
  /** Offered per second, across all load processes. */
  rates: Record<Kind, number>;
  /** Emoji the storm picks from (at most 50: a message's limit). */
  emoji: number;
  workers: number;
  drainMs: number;
}

export interface MixedKindResult {
  offeredPerSec: number;
  sent: number;
  acked: number;
  errors: number;
  firstError: string | null;
  ackedPerSec: number;
  /** Deliveries timed: every one for sends and edits; for reactions, those to the sending process's own connections (about 1/workers). */
  deliveries: number;
  /** Timed deliveries still missing when the wait ended. */
  late: number;
  latencyMs: LatencySummary;
  ackMs: LatencySummary;
}

export interface MixedResult {
  kinds: Record<Kind, MixedKindResult>;
  /** Why edits were not part of the run (the server has no `messages.edit`), or null. */
  editsSkipped: string | null;
  serverCpuPct: number;
  serverRssMb: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  closed: Record<string, number>;
}

/** Canonical (stored) forms, so a reaction event names the emoji exactly as it was sent. */
const EMOJI = [..."👍🎉🔥👀😂🚀✅🙏💯🤔😍👏🥳😅🙌😢😮🤝💡⭐🍕🐛🧠🎯🔧📦🌈🍺☕🎸"];

const round = Math.round;

/**
 * Sends, edits and a reaction storm at once, into rooms of `perRoom`
 * people: how fast each kind is delivered while the others run. Each user
 * first posts one message (the storm's targets, and what they edit).
 */
export async function runMixed(server: ChildServer, users: BenchUser[], params: MixedParams, progress: Progress): Promise<MixedResult> {
  progress.note(`mixed: ${users.length} users post a message each (reaction targets and edits)`);
  const own: Record<number, number> = {};
  const targets: Record<number, number[]> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < users.length) {
        const u = users[next++];
        if (!u) break;
        const m = await rpc<{ id: number }>(server.httpUrl, "messages.send", { roomId: u.roomId, content: `seed ${u.username}`, clientId: `seed-${u.id}` }, u.token);
        own[u.id] = m.id;
        const list = targets[u.roomId] ?? [];
        list.push(m.id);
        targets[u.roomId] = list;
      }
    }),
  );
  const rates = { ...params.rates };
  const editsSkipped = rates.edit > 0 ? await probeEdit(server, users[0], own) : null;
  if (editsSkipped) {
    progress.note(`mixed: edits not measured (${editsSkipped})`);
    rates.edit = 0;
  }

  const group = LoadGroup.start(params.workers);
  try {
    const conns = users.map((u) => ({ token: u.token, roomId: u.roomId, userId: u.id }));
    const c = await group.connect(server.wsUrl, conns, { subscribe: true, concurrency: 50 });
    if (c.failed > 0) throw new Error(`${c.failed} of ${conns.length} connections failed: ${c.firstError}`);
    // Let the connect phase settle (presence announcements to every socket) before measuring.
    await new Promise((r) => setTimeout(r, 1000));
    progress.note(
      `mixed: ${rates.send} sends/s, ${rates.reaction} reactions/s, ${rates.edit} edits/s into ${params.rooms} rooms of ${params.perRoom} for ${params.durationMs / 1000} s`,
    );
    const before = procSample(server.pid);
    const t0 = performance.now();
    const ticker = progress.ticker("mixed", params.durationMs);
    const share = (n: number) => n / group.size;
    const sent = await group.all(
      {
        cmd: "mixed",
        step: 1,
        durationMs: params.durationMs,
        ackTimeoutMs: params.drainMs,
        rates: { send: share(rates.send), reaction: share(rates.reaction), edit: share(rates.edit) },
        targets,
        own,
        emoji: EMOJI.slice(0, params.emoji),
      },
      "mixed",
    );
    ticker.stop();
    const perRoom = (kind: Kind) => {
      const out: Record<number, number> = {};
      for (const s of sent) for (const [room, n] of Object.entries(s.kinds[kind].ackedPerRoom)) out[Number(room)] = (out[Number(room)] ?? 0) + n;
      return out;
    };
    const [sends, edits] = [perRoom("send"), perRoom("edit")];
    const received = {
      send: await group.all({ cmd: "expect", step: 1, perRoom: sends, timeoutMs: params.drainMs }, "received"),
      edit: await group.all({ cmd: "expect", step: 2, perRoom: edits, timeoutMs: params.drainMs }, "received"),
    };
    const after = procSample(server.pid);
    const wallSec = (performance.now() - t0) / 1000;
    const total: Record<number, number> = { ...sends };
    for (const [room, n] of Object.entries(edits)) total[Number(room)] = (total[Number(room)] ?? 0) + n;
    const fin = await group.all({ cmd: "final", perRoom: total, timeoutMs: params.drainMs }, "final");

    const kind = (k: Kind): MixedKindResult => {
      const ack = new Histogram();
      const lat = new Histogram();
      for (const s of sent) ack.merge(s.kinds[k].ack);
      let deliveries = 0;
      let late = 0;
      if (k === "reaction") {
        for (const s of sent) {
          lat.merge(s.reactionDeliveries.latency);
          deliveries += s.reactionDeliveries.received;
          late += Math.max(0, s.reactionDeliveries.expected - s.reactionDeliveries.received);
        }
      } else {
        for (const r of received[k]) {
          lat.merge(r.latency);
          deliveries += r.deliveries;
          late += r.missing;
        }
      }
      const acked = sent.reduce((n, s) => n + s.kinds[k].acked, 0);
      return {
        offeredPerSec: rates[k],
        sent: sent.reduce((n, s) => n + s.kinds[k].sent, 0),
        acked,
        errors: sent.reduce((n, s) => n + s.kinds[k].errors, 0),
        firstError: sent.find((s) => s.kinds[k].firstError)?.kinds[k].firstError ?? null,
        ackedPerSec: round(acked / (params.durationMs / 1000)),
        deliveries,
        late,
        latencyMs: summarise(lat),
        ackMs: summarise(ack),
      };
    };
    const closed: Record<string, number> = {};
    for (const f of fin) for (const [k, n] of Object.entries(f.closed)) closed[k] = (closed[k] ?? 0) + n;
    const result: MixedResult = {
      kinds: { send: kind("send"), reaction: kind("reaction"), edit: kind("edit") },
      editsSkipped,
      serverCpuPct: round(((after.cpuSec - before.cpuSec) / wallSec) * 100),
      serverRssMb: round(after.rssBytes / 1048576),
      lost: fin.reduce((n, f) => n + f.lost, 0),
      duplicated: fin.reduce((n, f) => n + f.duplicated, 0),
      outOfOrder: fin.reduce((n, f) => n + f.disorder, 0),
      closed,
    };
    for (const k of ["send", "reaction", "edit"] as const) {
      const x = result.kinds[k];
      if (x.offeredPerSec === 0) continue;
      progress.note(`mixed: ${k} ${x.ackedPerSec}/s acked, delivery p50 ${x.latencyMs.p50} ms, p99 ${x.latencyMs.p99} ms (${x.deliveries} timed, ${x.late} late)`);
    }
    return result;
  } finally {
    await group.close();
  }
}

/** Null if the server edits messages (`messages.edit`, same text again), else why not. */
async function probeEdit(server: ChildServer, user: BenchUser | undefined, own: Record<number, number>): Promise<string | null> {
  const messageId = user ? own[user.id] : undefined;
  if (!user || messageId === undefined) return "no message to edit";
  try {
    await rpc(server.httpUrl, "messages.edit", { messageId, content: `seed ${user.username}` }, user.token);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
