import {
  deleteBan,
  findMembership,
  findMessage,
  findUserById,
  insertBan,
  insertReport,
  listReports,
  type Database,
  type Kysely,
  type SenderAccess,
  setLastSent,
  setMutedUntil,
  type WriteTx,
} from "@parley/db";
import { conflict, forbidden, notFound, tooManyRequests } from "../errors.ts";
import type { Services } from "../services.ts";
import { audit } from "./admin.ts";
import type { Auth } from "./auth.ts";
import { removeMemberRows, requireAdmin, type RoomAccess } from "./rooms.ts";

/**
 * Room moderation (issue 18): mutes, bans, slow mode and reports. Mutes and
 * slow mode are enforced by `sendRestriction`, inside the send's write
 * transaction, from the row the send path reads anyway (`senderAccess`), so
 * HTTP and the lean WebSocket endpoint refuse alike and a plain send runs no
 * extra statement.
 */

/** Why this member may not send now, as the error to throw; null: they may. */
export function sendRestriction(access: SenderAccess, now: number): Error | null {
  if (Number(access.is_admin) === 1) return null;
  const muted = access.muted_until === null ? 0 : Number(access.muted_until);
  if (muted > now) return forbidden(`You are muted in this room until ${new Date(muted).toISOString()}`);
  const slow = Number(access.slow_mode_seconds);
  const last = access.last_sent_at === null ? null : Number(access.last_sent_at);
  if (slow > 0 && last !== null && now - last < slow * 1000) {
    return tooManyRequests(`Slow mode: wait ${Math.ceil((slow * 1000 - (now - last)) / 1000)} s before your next message`);
  }
  return null;
}

/** After a send in a slow-mode room: when this member last sent (room admins are not slowed). */
export async function recordSend(tx: WriteTx, access: SenderAccess, roomId: number, userId: number, now: number): Promise<void> {
  if (Number(access.slow_mode_seconds) > 0 && Number(access.is_admin) !== 1) await setLastSent(tx.db, roomId, userId, now);
}

export function muteMember(
  svc: Services,
  auth: Auth,
  access: RoomAccess,
  input: { userId: number; until: number | null },
): Promise<{ roomId: number; userId: number; until: number | null }> {
  requireAdmin(access);
  const roomId = Number(access.room.id);
  if (input.userId === auth.userId) throw conflict("You cannot mute yourself");
  return svc.writes.run(async (tx, now) => {
    const target = await findMembership(tx.db, roomId, input.userId);
    if (!target) throw notFound("Member");
    if (Number(target.is_admin) === 1) throw conflict("A room admin cannot be muted; remove them as admin first");
    const until = input.until !== null && input.until > now ? input.until : null;
    await setMutedUntil(tx.db, roomId, input.userId, until);
    const action = until === null ? "room.unmute" : "room.mute";
    await audit(tx.db, { actorId: auth.userId, action, targetType: "user", targetId: String(input.userId), detail: { roomId, until, asServerAdmin: access.asServerAdmin === true } }, now);
    return { result: { roomId, userId: input.userId, until }, events: [] };
  });
}

/** Removes the user from the room (if a member) and keeps them from rejoining or being added. */
export function banMember(svc: Services, auth: Auth, access: RoomAccess, userId: number): Promise<{ roomId: number; userId: number; banned: true }> {
  requireAdmin(access);
  const roomId = Number(access.room.id);
  if (userId === auth.userId) throw conflict("You cannot ban yourself");
  return svc.writes.run(async (tx, now) => {
    const user = await findUserById(tx.db, userId);
    if (!user) throw notFound("User");
    const target = await findMembership(tx.db, roomId, userId);
    if (target && Number(target.is_admin) === 1) throw conflict("A room admin cannot be banned; remove them as admin first");
    await insertBan(tx.db, { roomId, userId, by: auth.userId, now });
    await audit(tx.db, { actorId: auth.userId, action: "room.ban", targetType: "user", targetId: String(userId), detail: { roomId, username: user.username, asServerAdmin: access.asServerAdmin === true } }, now);
    const text = `${user.username} was banned by ${auth.username}`;
    const events = target ? await removeMemberRows(tx, roomId, target, now, { type: "removed", by: auth.userId, text }) : [];
    return { result: { roomId, userId, banned: true as const }, events };
  });
}

export function unbanMember(svc: Services, auth: Auth, access: RoomAccess, userId: number): Promise<{ roomId: number; userId: number; banned: false }> {
  requireAdmin(access);
  const roomId = Number(access.room.id);
  return svc.writes.run(async (tx, now) => {
    if (await deleteBan(tx.db, roomId, userId)) {
      await audit(tx.db, { actorId: auth.userId, action: "room.unban", targetType: "user", targetId: String(userId), detail: { roomId } }, now);
    }
    return { result: { roomId, userId, banned: false as const }, events: [] };
  });
}

/**
 * Reports a message to the server admins (`admin.reports.list`). Members of
 * its room may report it (a write, like reacting); reporting it again changes nothing.
 */
export function reportMessage(svc: Services, auth: Auth, input: { messageId: number; reason: string }): Promise<{ messageId: number; reported: true }> {
  return svc.writes.run(async (tx, now) => {
    const row = await findMessage(tx.db, input.messageId);
    const access = row ? await tx.senderAccess(Number(row.room_id), auth.userId) : undefined;
    if (!row || !access || access.deleted_at !== null || (Number(access.is_private) === 1 && !access.is_member)) throw notFound("Message");
    if (!access.is_member) throw forbidden("Join the room first");
    if (row.kind === "system") throw forbidden("System messages cannot be reported");
    await insertReport(tx.db, { messageId: input.messageId, reporterId: auth.userId, reason: input.reason, now });
    return { result: { messageId: input.messageId, reported: true as const }, events: [] };
  });
}

export interface ReportItem {
  id: number;
  messageId: number;
  roomId: number;
  reason: string;
  createdAt: number;
  reporter: { id: number; username: string | null };
  message: { content: string; deleted: boolean; sender: { id: number; username: string | null } | null };
}

export async function reports(db: Kysely<Database>, q: { cursor?: number | null | undefined; limit: number }): Promise<{ items: ReportItem[]; nextCursor: number | null }> {
  const rows = await listReports(db, { before: q.cursor ?? null, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: Number(r.id),
      messageId: Number(r.message_id),
      roomId: Number(r.room_id),
      reason: r.reason,
      createdAt: Number(r.created_at),
      reporter: { id: Number(r.reporter_id), username: r.reporter_name },
      message: {
        content: r.content,
        deleted: r.deleted_at !== null,
        sender: r.sender_id === null ? null : { id: Number(r.sender_id), username: r.sender_name },
      },
    })),
    nextCursor: rows.length > q.limit && last ? Number(last.id) : null,
  };
}
