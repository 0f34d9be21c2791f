import { createHmac, randomBytes } from "node:crypto";
import { deliveriesOf, findOutgoingWebhook, insertOutgoingWebhook, revokeOutgoingWebhook } from "@parley/db";
import { notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Auth } from "./auth.ts";
import { makeBot } from "./bots.ts";
import { addMember, requireAdmin, type RoomAccess, roomAccess } from "./rooms.ts";

/**
 * Outgoing webhooks: for each matching message of a room, Parley POSTs
 * `{ message, room, user }` to the subscriber, signed like Slack's requests:
 * `X-Parley-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)>`
 * with `X-Parley-Timestamp`. Deliveries come from a durable queue
 * (integrations/outgoing-worker.ts); a `{ text }` answer is posted as the
 * webhook's bot.
 */

/** The signature of one request body at one timestamp (seconds): what a subscriber recomputes. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export async function createOutgoingWebhook(
  svc: Services,
  auth: Auth,
  access: RoomAccess,
  input: { url: string; triggerWords?: string[] | undefined },
): Promise<{ id: number; secret: string }> {
  requireAdmin(access);
  const now = svc.now();
  const bot = await makeBot(svc.db, { username: `out-${randomBytes(6).toString("hex")}`, displayName: new URL(input.url).host, ownerId: auth.userId, now });
  await addMember(svc, auth, access, bot.username);
  const secret = randomBytes(32).toString("hex");
  const triggerWords = (input.triggerWords ?? []).map((w) => w.toLowerCase()).join(",");
  const { id } = await insertOutgoingWebhook(svc.db, {
    roomId: Number(access.room.id),
    botId: Number(bot.id),
    url: input.url,
    triggerWords,
    secret,
    createdBy: auth.userId,
    now,
  });
  return { id: Number(id), secret };
}

async function manageable(svc: Services, auth: Auth, webhookId: number) {
  const hook = await findOutgoingWebhook(svc.db, webhookId);
  if (!hook || hook.revoked_at !== null) throw notFound("Webhook");
  const access = await roomAccess(svc, Number(hook.room_id), auth.userId).catch(() => null);
  if (!access?.membership || Number(access.membership.is_admin) !== 1) throw notFound("Webhook");
  return hook;
}

export async function deleteOutgoingWebhook(svc: Services, auth: Auth, webhookId: number): Promise<{ ok: true }> {
  const hook = await manageable(svc, auth, webhookId);
  await revokeOutgoingWebhook(svc.db, Number(hook.id), svc.now());
  return { ok: true };
}

export interface DeliveryInfo {
  id: number;
  messageId: number;
  attempts: number;
  deliveredAt: number | null;
  failedAt: number | null;
  nextAt: number;
  lastError: string | null;
}

/** The webhook's delivery queue, oldest first, for its room's admins (what was sent, what is retrying and why). */
export async function outgoingDeliveries(svc: Services, auth: Auth, webhookId: number): Promise<DeliveryInfo[]> {
  const hook = await manageable(svc, auth, webhookId);
  const rows = await deliveriesOf(svc.db, Number(hook.id));
  return rows.map((r) => ({
    id: Number(r.id),
    messageId: Number(r.message_id),
    attempts: Number(r.attempts),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    failedAt: r.failed_at === null ? null : Number(r.failed_at),
    nextAt: Number(r.next_at),
    lastError: r.last_error,
  }));
}
