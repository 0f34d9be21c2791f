import { findMessageByClientId, insertMessage, isUniqueViolation, listMessages } from "@parley/db";
import { conflict, tooManyRequests } from "../errors.ts";
import type { Services } from "../services.ts";
import { type Message, toMessage } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import { appendEvents, beginEventWrite } from "./event-log.ts";
import { type RoomAccess, requireMember } from "./rooms.ts";

/**
 * Stores a message once per (sender, clientId). A retry — sequential,
 * concurrent or after a restart — returns the stored original and writes
 * nothing; it is checked before the rate limit so retries cost no quota.
 * The reply is sent only after the commit.
 */
export async function sendMessage(
  svc: Services,
  auth: Auth,
  access: RoomAccess,
  input: { content: string; clientId: string },
): Promise<Message> {
  const roomId = Number(access.room.id);
  const existing = await findOriginal(svc, auth.userId, input.clientId, roomId);
  if (existing) return existing;
  requireMember(access);
  if (!svc.sendLimiter.take(String(auth.userId))) throw tooManyRequests("You are sending messages too fast");
  const now = svc.now();
  try {
    const message = await svc.sends.run(async (trx) => {
      await beginEventWrite(trx);
      const m = toMessage(
        await insertMessage(trx, {
          roomId,
          senderId: auth.userId,
          senderName: auth.username,
          kind: "text",
          content: input.content,
          clientId: input.clientId,
          now,
        }),
      );
      await appendEvents(trx, now, [{ body: { type: "message.created", roomId, message: m }, scope: "room" }]);
      return m;
    });
    svc.hub.notify();
    svc.typing.set(roomId, auth.userId, auth.username, false);
    return message;
  } catch (err) {
    // A concurrent duplicate won the race: answer with what it stored.
    if (isUniqueViolation(err)) {
      const original = await findOriginal(svc, auth.userId, input.clientId, roomId);
      if (original) return original;
    }
    throw err;
  }
}

async function findOriginal(svc: Services, userId: number, clientId: string, roomId: number): Promise<Message | null> {
  const row = await findMessageByClientId(svc.db, userId, clientId);
  if (!row) return null;
  if (Number(row.room_id) !== roomId) throw conflict("That clientId was already used for a message in another room");
  return toMessage(row);
}

export async function history(
  svc: Services,
  access: RoomAccess,
  q: { before?: number | null | undefined; limit: number },
): Promise<{ items: Message[]; nextCursor: number | null }> {
  const { rows, hasMore } = await listMessages(svc.db, { roomId: Number(access.room.id), before: q.before ?? null, limit: q.limit });
  const items = rows.map(toMessage);
  const first = items[0];
  return { items, nextCursor: hasMore && first ? first.id : null };
}
