import { countMembers, findMembership, findMessage, type NotifyLevel, readersOf, setNotifications, setUserAttention, userAttention } from "@parley/db";
import { DomainError, forbidden, notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Auth } from "./auth.ts";
import { ROOM_MENTION_MEMBER_LIMIT } from "./mentions.ts";
import { requireMember, roomAccess } from "./rooms.ts";

/** Read receipts work in DMs and in rooms of up to this many members. */
export const RECEIPTS_MEMBER_LIMIT = ROOM_MENTION_MEMBER_LIMIT;

export interface AttentionSettings {
  /** Do not disturb until then (epoch ms); null: off. A time in the past is off too. */
  dndUntil: number | null;
  /** Nobody sees you in `messages.readBy`. */
  receiptsHidden: boolean;
}

export async function attentionSettings(svc: Pick<Services, "db">, userId: number): Promise<AttentionSettings> {
  const row = await userAttention(svc.db, userId);
  return { dndUntil: row.dnd_until === null ? null : Number(row.dnd_until), receiptsHidden: Number(row.private_receipts) === 1 };
}

export function setDnd(svc: Services, auth: Auth, until: number | null): Promise<AttentionSettings> {
  return svc.writes.run(async (tx) => {
    await setUserAttention(tx.db, auth.userId, { dndUntil: until });
    return { result: await attentionSettings({ db: tx.db }, auth.userId), events: [] };
  });
}

export function setReceiptPrivacy(svc: Services, auth: Auth, hidden: boolean): Promise<AttentionSettings> {
  return svc.writes.run(async (tx) => {
    await setUserAttention(tx.db, auth.userId, { privateReceipts: hidden });
    return { result: await attentionSettings({ db: tx.db }, auth.userId), events: [] };
  });
}

/** The caller's notification level and mute in a room they belong to. */
export function setRoomNotifications(
  svc: Services,
  auth: Auth,
  input: { roomId: number; level: NotifyLevel; muted?: boolean | undefined },
): Promise<{ roomId: number; level: NotifyLevel; muted: boolean }> {
  return svc.writes.run(async (tx) => {
    const m = await findMembership(tx.db, input.roomId, auth.userId);
    if (!m) throw forbidden("Join the room first");
    await setNotifications(tx.db, { ...input, userId: auth.userId });
    const after = await findMembership(tx.db, input.roomId, auth.userId);
    return { result: { roomId: input.roomId, level: input.level, muted: Number(after?.muted ?? 0) === 1 }, events: [] };
  });
}

/**
 * Who has read a message: the members of its room whose marker has reached
 * it, but not its sender, and nobody who keeps receipts private. Members
 * only; a message the caller may not see is NOT_FOUND. Rooms over
 * `RECEIPTS_MEMBER_LIMIT` members are refused (FORBIDDEN): "seen by" among
 * hundreds is noise, and a cost.
 */
export async function readBy(svc: Services, auth: Auth, messageId: number): Promise<{ userId: number; username: string }[]> {
  const message = await findMessage(svc.db, messageId);
  if (!message) throw notFound("Message");
  const roomId = Number(message.room_id);
  try {
    requireMember(await roomAccess(svc, roomId, auth.userId));
  } catch (err) {
    if (err instanceof DomainError && err.code === "NOT_FOUND") throw notFound("Message");
    throw err;
  }
  if ((await countMembers(svc.db, roomId)) > RECEIPTS_MEMBER_LIMIT) {
    throw forbidden(`Read receipts are shown in rooms of up to ${RECEIPTS_MEMBER_LIMIT} members`);
  }
  const senderId = message.sender_id === null ? null : Number(message.sender_id);
  const rows = await readersOf(svc.db, roomId, messageId);
  return rows.filter((r) => Number(r.id) !== senderId).map((r) => ({ userId: Number(r.id), username: r.username }));
}
