import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/** Room moderation (migration 0015): mutes, bans, slow mode, reports. */

export async function setMutedUntil(db: Db, roomId: number, userId: number, until: number | null): Promise<boolean> {
  const r = await db.updateTable("room_members").set({ muted_until: until }).where("room_id", "=", roomId).where("user_id", "=", userId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Only in slow-mode rooms, so a plain send writes nothing more. */
export async function setLastSent(db: Db, roomId: number, userId: number, at: number): Promise<void> {
  await db.updateTable("room_members").set({ last_sent_at: at }).where("room_id", "=", roomId).where("user_id", "=", userId).execute();
}

export async function setSlowMode(db: Db, roomId: number, seconds: number): Promise<void> {
  await db.updateTable("rooms").set({ slow_mode_seconds: seconds }).where("id", "=", roomId).execute();
}

export async function isBanned(db: Db, roomId: number, userId: number): Promise<boolean> {
  const r = await db.selectFrom("room_bans").select("user_id").where("room_id", "=", roomId).where("user_id", "=", userId).executeTakeFirst();
  return r !== undefined;
}

export async function insertBan(db: Db, b: { roomId: number; userId: number; by: number; now: number }): Promise<void> {
  await db
    .insertInto("room_bans")
    .values({ room_id: b.roomId, user_id: b.userId, banned_by: b.by, created_at: b.now })
    .onConflict((oc) => oc.columns(["room_id", "user_id"]).doNothing())
    .execute();
}

export async function deleteBan(db: Db, roomId: number, userId: number): Promise<boolean> {
  const r = await db.deleteFrom("room_bans").where("room_id", "=", roomId).where("user_id", "=", userId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** One report per (message, reporter); false if this reporter had reported it already. */
export async function insertReport(db: Db, r: { messageId: number; reporterId: number; reason: string; now: number }): Promise<boolean> {
  const res = await db
    .insertInto("reports")
    .values({ message_id: r.messageId, reporter_id: r.reporterId, reason: r.reason, created_at: r.now })
    .onConflict((oc) => oc.columns(["message_id", "reporter_id"]).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Newest first, with who reported, the message's text and room. */
export function listReports(db: Db, q: { before: number | null; limit: number }) {
  let query = db
    .selectFrom("reports as r")
    .innerJoin("messages as m", "m.id", "r.message_id")
    .leftJoin("users as u", "u.id", "r.reporter_id")
    .leftJoin("users as s", "s.id", "m.sender_id")
    .select([
      "r.id",
      "r.message_id",
      "r.reason",
      "r.created_at",
      "r.reporter_id",
      "u.username as reporter_name",
      "m.room_id",
      "m.content",
      "m.deleted_at",
      "m.sender_id",
      "s.username as sender_name",
    ]);
  if (q.before !== null) query = query.where("r.id", "<", q.before);
  return query.orderBy("r.id", "desc").limit(q.limit).execute();
}

export async function countUsers(db: Db): Promise<number> {
  const r = await db.selectFrom("users").select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow();
  return Number(r.n);
}
