import {
  anyPushSubscription,
  type Database,
  deletePushSubscription,
  insertSecretOnce,
  type Kysely,
  pushCandidates,
  pushSubscriptionsOf,
  readSecret,
  upsertPushSubscription,
} from "@parley/db";
import { parseMarkdown } from "../markdown/parse.ts";
import { toPlainText } from "../markdown/mentions.ts";
import { type NotifyJob, type NotifyReason, notifyReason, shouldNotify } from "../notify-rule.ts";
import type { Message } from "../shapes.ts";
import { checkOutboundUrl, type OutboundPolicy } from "./outbound.ts";
import { deliver, generateVapidKeys, type PushMessage, type VapidKeys } from "./push-delivery.ts";

/** Why a message may be pushed to someone (the payload's `reason`). */
export type PushReason = NotifyReason;

/** A message just written, as `afterMessage` takes it: a new one (`edit: null`) or an edit and what it added. */
export interface PushJob extends NotifyJob {
  message: Message;
  senderId: number;
}

export interface PushOptions {
  db: Kysely<Database>;
  policy: OutboundPolicy;
  /** From the environment; otherwise generated once and kept in the database (shared by every node). */
  vapid: VapidKeys | { subject: string };
  isOnline: (userId: number) => boolean;
  now: () => number;
  onError?: ((err: unknown) => void) | undefined;
}

/**
 * How long a "yes, some subscription exists" is trusted before it is asked
 * again (while yes, a send costs a member read even after the last one
 * went). A "no" is never kept: the question is one indexed row, and a
 * subscription made on another node (or while the question was in flight)
 * must get its first push at once.
 */
const ANY_TTL_MS = 5000;

/**
 * Web Push: subscriptions, the VAPID keys, and the pushes a new or edited
 * message causes. Pushes go out after the write has committed and its reply
 * is on its way: `afterMessage` only queues them. `settled()` resolves once
 * every queued push has been answered (tests wait on it).
 */
export class Push {
  private keys: VapidKeys | null = null;
  /** Until when "some subscription exists" is known without asking (0: ask). */
  private anyUntil = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly o: PushOptions) {}

  async start(): Promise<void> {
    const v = this.o.vapid;
    if ("publicKey" in v) {
      this.keys = v;
      return;
    }
    let stored = await readSecret(this.o.db, "vapid");
    if (!stored) {
      await insertSecretOnce(this.o.db, "vapid", JSON.stringify(generateVapidKeys()), this.o.now());
      stored = await readSecret(this.o.db, "vapid");
    }
    const parsed = JSON.parse(stored ?? "{}") as { publicKey?: string; privateKey?: string };
    if (!parsed.publicKey || !parsed.privateKey) throw new Error("stored VAPID keys are unreadable");
    this.keys = { publicKey: parsed.publicKey, privateKey: parsed.privateKey, subject: v.subject };
  }

  publicKey(): string {
    if (!this.keys) throw new Error("push keys not loaded (start() first)");
    return this.keys.publicKey;
  }

  async subscribe(userId: number, s: { endpoint: string; keys: { p256dh: string; auth: string } }): Promise<void> {
    checkOutboundUrl(s.endpoint, this.o.policy);
    await upsertPushSubscription(this.o.db, { endpoint: s.endpoint, userId, p256dh: s.keys.p256dh, auth: s.keys.auth, now: this.o.now() });
    this.anyUntil = this.o.now() + ANY_TTL_MS;
  }

  async unsubscribe(userId: number, endpoint: string): Promise<boolean> {
    return deletePushSubscription(this.o.db, endpoint, userId);
  }

  /**
   * Queues the pushes of a message just written: for a new message, to DM
   * members, to those it mentions (`mentioned`: by name or `@here`; `@room`
   * counts for everyone) and to members whose level is `all`; for an edit
   * (`edit`), only to those it newly mentions (`notifyReason`). Only members
   * with no socket open, and as their settings allow (`shouldNotify`, the web app's rule too).
   */
  afterMessage(m: PushJob): void {
    const job = this.send(m).catch((err: unknown) => this.o.onError?.(err));
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async send(m: PushJob): Promise<void> {
    const keys = this.keys;
    if (!keys || !(await this.anySubscription())) return;
    const { message } = m;
    const now = this.o.now();
    const recipients: { userId: number; reason: PushReason; roomName: string; kind: string }[] = [];
    for (const c of await pushCandidates(this.o.db, message.roomId, m.senderId)) {
      const userId = Number(c.user_id);
      const reason = notifyReason(m, userId, c.kind);
      if (reason === null || this.o.isOnline(userId)) continue;
      const settings = { level: c.notify_level, muted: Number(c.muted) === 1, dndUntil: c.dnd_until === null ? null : Number(c.dnd_until), now };
      if (shouldNotify(settings, reason, message.mentions.userIds.includes(userId))) recipients.push({ userId, reason, roomName: c.name, kind: c.kind });
    }
    if (recipients.length === 0) return;
    const byUser = new Map(recipients.map((r) => [r.userId, r]));
    const body = toPlainText(parseMarkdown(message.content)).slice(0, 200);
    for (const sub of await pushSubscriptionsOf(this.o.db, [...byUser.keys()])) {
      const r = byUser.get(Number(sub.user_id));
      if (!r) continue;
      const sender = message.sender?.username ?? "Parley";
      const push: PushMessage = {
        payload: JSON.stringify({
          title: r.kind === "dm" ? sender : `${sender} in #${r.roomName}`,
          body,
          roomId: message.roomId,
          messageId: message.id,
          reason: r.reason,
        }),
        topic: `room-${message.roomId}`,
        urgency: r.reason === "message" ? "normal" : "high",
        ttlSeconds: 24 * 3600,
      };
      const outcome = await deliver(sub, push, keys, this.o.policy);
      if (!outcome.ok && outcome.gone) await deletePushSubscription(this.o.db, sub.endpoint);
      else if (!outcome.ok) this.o.onError?.(new Error(`push to ${new URL(sub.endpoint).host} failed: ${outcome.status ?? outcome.error}`));
    }
  }

  private async anySubscription(): Promise<boolean> {
    const now = this.o.now();
    if (now < this.anyUntil) return true;
    const any = await anyPushSubscription(this.o.db);
    if (any) this.anyUntil = Math.max(this.anyUntil, now + ANY_TTL_MS);
    return any;
  }
}
