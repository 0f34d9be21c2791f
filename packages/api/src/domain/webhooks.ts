import { createHash, randomBytes } from "node:crypto";
import {
  findIncomingWebhook,
  findIncomingWebhookById,
  insertIncomingWebhook,
  listIncomingWebhooks,
  revokeIncomingWebhook,
  setIncomingWebhookSecret,
} from "@parley/db";
import { DomainError, type DomainErrorCode, notFound } from "../errors.ts";
import { incomingWebhookBodySchema } from "../integration-schemas.ts";
import type { Services } from "../services.ts";
import type { Message } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import { makeBot } from "./bots.ts";
import { sendMessage } from "./messages.ts";
import { addMember, requireAdmin, type RoomAccess, roomAccess } from "./rooms.ts";
import { hashToken } from "./tokens.ts";

/**
 * Incoming webhooks: a URL with a secret in it that posts into one room as
 * the webhook's own bot (a member of the room, added when the webhook is
 * made). Only the secret's SHA-256 is stored; a wrong or revoked secret is
 * indistinguishable from a path that does not exist (404). Posts go through
 * `sendMessage`, the one write path: the same idempotency per
 * `(sender, clientId)` and the same per-sender rate limit.
 */

export interface WebhookInfo {
  id: number;
  roomId: number;
  name: string;
  botId: number;
  createdAt: number;
}

const newSecret = () => randomBytes(24).toString("base64url");
const hookUrl = (secret: string) => `/hooks/${secret}`;

export async function createWebhook(svc: Services, auth: Auth, access: RoomAccess, name: string): Promise<{ id: number; url: string }> {
  requireAdmin(access);
  const roomId = Number(access.room.id);
  const now = svc.now();
  const bot = await makeBot(svc.db, { username: `hook-${randomBytes(6).toString("hex")}`, displayName: name, ownerId: auth.userId, now });
  await addMember(svc, auth, access, bot.username);
  const secret = newSecret();
  const { id } = await insertIncomingWebhook(svc.db, { roomId, botId: Number(bot.id), name, secretHash: hashToken(secret), createdBy: auth.userId, now });
  return { id: Number(id), url: hookUrl(secret) };
}

export async function listWebhooks(svc: Services, access: RoomAccess): Promise<WebhookInfo[]> {
  requireAdmin(access);
  const rows = await listIncomingWebhooks(svc.db, Number(access.room.id));
  return rows.map((r) => ({ id: Number(r.id), roomId: Number(r.room_id), name: r.name, botId: Number(r.bot_id), createdAt: Number(r.created_at) }));
}

/** The webhook, if the caller is an admin of its room; NOT_FOUND otherwise (as for a room they cannot see). */
async function manageable(svc: Services, auth: Auth, webhookId: number) {
  const hook = await findIncomingWebhookById(svc.db, webhookId);
  if (!hook) throw notFound("Webhook");
  const access = await roomAccess(svc, Number(hook.room_id), auth.userId).catch(() => null);
  if (!access?.membership || Number(access.membership.is_admin) !== 1) throw notFound("Webhook");
  return hook;
}

/** A new secret: the old URL answers 404 from now on. */
export async function rotateWebhook(svc: Services, auth: Auth, webhookId: number): Promise<{ id: number; url: string }> {
  const hook = await manageable(svc, auth, webhookId);
  const secret = newSecret();
  await setIncomingWebhookSecret(svc.db, Number(hook.id), hashToken(secret));
  return { id: Number(hook.id), url: hookUrl(secret) };
}

export async function deleteWebhook(svc: Services, auth: Auth, webhookId: number): Promise<{ ok: true }> {
  const hook = await manageable(svc, auth, webhookId);
  await revokeIncomingWebhook(svc.db, Number(hook.id), svc.now());
  return { ok: true };
}

/** An Idempotency-Key as a clientId: used as is when it fits clientId's alphabet, else by its hash (same key, same id). */
export function clientIdFor(idempotencyKey: string | null): string {
  if (idempotencyKey === null) return `hook-${randomBytes(12).toString("base64url")}`;
  if (/^[A-Za-z0-9_-]{1,59}$/.test(idempotencyKey)) return `hook-${idempotencyKey}`;
  return `hook-${createHash("sha256").update(idempotencyKey).digest("base64url").slice(0, 43)}`;
}

export type WebhookPost =
  | { kind: "posted"; message: Message }
  | { kind: "not-found" }
  | { kind: "bad-request"; message: string }
  /** The write refused it: TOO_MANY_REQUESTS (the bot's send limit), FORBIDDEN or NOT_FOUND (room gone). */
  | { kind: "refused"; code: DomainErrorCode; message: string };

/** A POST to `/hooks/<secret>`: the body is the Slack subset (`text`, `username`); unknown fields are ignored. */
export async function postToWebhook(svc: Services, secret: string, body: unknown, idempotencyKey: string | null): Promise<WebhookPost> {
  const hook = await findIncomingWebhook(svc.db, hashToken(secret));
  if (!hook) return { kind: "not-found" };
  const parsed = incomingWebhookBodySchema.safeParse(body);
  if (!parsed.success) return { kind: "bad-request", message: parsed.error.issues[0]?.message ?? "The body must be JSON with a text field" };
  const auth: Auth = { userId: Number(hook.bot_id), username: hook.bot_name, sessionId: `webhook:${hook.id}`, expiresAt: Number.MAX_SAFE_INTEGER };
  try {
    const overrideName = parsed.data.username || undefined;
    const message = await sendMessage(svc, auth, { roomId: Number(hook.room_id), content: parsed.data.text, clientId: clientIdFor(idempotencyKey), overrideName });
    return { kind: "posted", message };
  } catch (err) {
    if (err instanceof DomainError) return { kind: "refused", code: err.code, message: err.message };
    throw err;
  }
}
