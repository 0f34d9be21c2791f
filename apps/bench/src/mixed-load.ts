import { Histogram, type HistogramData, wallMs } from "./stats.ts";
import { MARK, reactionKey, type WireConn } from "./wire.ts";

/**
 * The load-generator side of the mixed scenario: sends, edits and a
 * reaction storm at the same time, at their own rates. Sends and edits
 * carry the bench marker in their text (timed like fan-out's messages, by
 * step: `step` for sends, `step + 1` for edits); a reaction event carries no
 * text, so each process times the reactions it sent itself, as they reach
 * its own connections (every room is spread over all processes).
 */

export interface MixedConn {
  wire: WireConn;
  roomId: number;
  userId: number;
}

export interface MixedCommand {
  cmd: "mixed";
  step: number;
  durationMs: number;
  ackTimeoutMs: number;
  /** Per second, for this process. */
  rates: { send: number; reaction: number; edit: number };
  /** Messages to react to, per room. */
  targets: Record<number, number[]>;
  /** Each user's own message, to edit. */
  own: Record<number, number>;
  emoji: string[];
}

export type Kind = "send" | "reaction" | "edit";

export interface KindSent {
  sent: number;
  acked: number;
  errors: number;
  firstError: string | null;
  ack: HistogramData;
  /** Acknowledged sends/edits per room (their deliveries are awaited by `expect`). */
  ackedPerRoom: Record<number, number>;
}

export interface MixedReply {
  type: "mixed";
  step: number;
  kinds: Record<Kind, KindSent>;
  /** Reactions this process sent that changed something, times their recipients among its own connections. */
  reactionDeliveries: { expected: number; received: number; latency: HistogramData };
}

let seq = 0;

export class MixedLoad {
  /** When each reaction change in flight (or delivered) was sent, by `reactionKey`. */
  private readonly sentAt = new Map<string, number>();
  private readonly latency = new Histogram();
  private received = 0;

  /** A delivery of a reaction event to one of this process's connections. */
  delivered(key: string): void {
    const t = this.sentAt.get(key);
    if (t === undefined) return;
    this.latency.record(wallMs() - t);
    this.received++;
  }

  async run(conns: MixedConn[], cmd: MixedCommand): Promise<MixedReply> {
    const local = new Map<number, number>();
    for (const c of conns) local.set(c.roomId, (local.get(c.roomId) ?? 0) + 1);
    const reacted = new Set<string>();
    const busy = new Set<string>();
    let expected = 0;
    const kinds = { send: newKind(), reaction: newKind(), edit: newKind() };
    const acks = { send: new Histogram(), reaction: new Histogram(), edit: new Histogram() };
    const inflight = new Set<Promise<unknown>>();
    const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];

    const fire = (kind: Kind, c: MixedConn, call: () => Promise<unknown>, onAck?: (answer: unknown) => void) => {
      const k = kinds[kind];
      k.sent++;
      const t = wallMs();
      const p = call().then(
        (answer) => {
          acks[kind].record(wallMs() - t);
          k.acked++;
          k.ackedPerRoom[c.roomId] = (k.ackedPerRoom[c.roomId] ?? 0) + 1;
          onAck?.(answer);
        },
        (err: unknown) => {
          k.errors++;
          k.firstError ??= String(err);
        },
      );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    };

    const send = (c: MixedConn) => {
      const content = `${MARK}${cmd.step}|${wallMs().toFixed(3)}|${++seq}`;
      fire("send", c, () => c.wire.call("mutation", "messages.send", { roomId: c.roomId, content, clientId: `mx-${process.pid}-${seq}` }));
    };
    const edit = (c: MixedConn) => {
      const messageId = cmd.own[c.userId];
      if (messageId === undefined) return;
      const content = `${MARK}${cmd.step + 1}|${wallMs().toFixed(3)}|${++seq}`;
      fire("edit", c, () => c.wire.call("mutation", "messages.edit", { messageId, content }));
    };
    // Toggles one of the user's reactions; never two calls at once on the same one, so each change is timed once.
    const react = (c: MixedConn) => {
      const messageId = pick(cmd.targets[c.roomId] ?? []);
      const emoji = pick(cmd.emoji);
      if (messageId === undefined || emoji === undefined) return;
      const id = `${c.userId}|${messageId}|${emoji}`;
      if (busy.has(id)) return;
      busy.add(id);
      const add = !reacted.has(id);
      this.sentAt.set(reactionKey(add, c.userId, messageId, emoji), wallMs());
      fire(
        "reaction",
        c,
        () => c.wire.call("mutation", add ? "messages.react" : "messages.unreact", { messageId, emoji }),
        (answer) => {
          busy.delete(id);
          if (add) reacted.add(id);
          else reacted.delete(id);
          if ((answer as { changed?: boolean } | undefined)?.changed) expected += local.get(c.roomId) ?? 0;
        },
      );
    };

    const start = wallMs();
    const done = { send: 0, reaction: 0, edit: 0 };
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = Math.min(wallMs() - start, cmd.durationMs);
        for (const [kind, fn] of [
          ["send", send],
          ["reaction", react],
          ["edit", edit],
        ] as const) {
          const due = Math.floor((cmd.rates[kind] * elapsed) / 1000);
          while (done[kind] < due && conns.length > 0) {
            done[kind]++;
            const c = pick(conns);
            if (c) fn(c);
          }
        }
        if (elapsed >= cmd.durationMs) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    const deadline = Date.now() + cmd.ackTimeoutMs;
    while (inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    while (this.received < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const kind of ["send", "reaction", "edit"] as const) kinds[kind].ack = acks[kind].toData();
    return { type: "mixed", step: cmd.step, kinds, reactionDeliveries: { expected, received: this.received, latency: this.latency.toData() } };
  }
}

function newKind(): KindSent {
  return { sent: 0, acked: 0, errors: 0, firstError: null, ack: { counts: [], total: 0, max: 0 }, ackedPerRoom: {} };
}
