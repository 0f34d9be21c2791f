import { type Kysely, sql } from "kysely";
import type { Database, MemberRow } from "../schema.ts";

type Db = Kysely<Database>;

export function findMembership(db: Db, roomId: number, userId: number): Promise<MemberRow | undefined> {
  return db
    .selectFrom("room_members")
    .selectAll()
    .where("room_id", "=", roomId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

/** Adds a member, and counts them in the room's `member_count` (same transaction: the caller's). */
export async function insertMember(
  db: Db,
  m: { roomId: number; userId: number; isAdmin: boolean; now: number },
): Promise<MemberRow> {
  const row = await db
    .insertInto("room_members")
    .values((eb) => ({
      room_id: m.roomId,
      user_id: m.userId,
      is_admin: m.isAdmin ? 1 : 0,
      joined_at: m.now,
      // A new member starts with the room read: history is not a flood of unread messages.
      last_read_id: eb.selectFrom("messages").select((e) => e.fn.coalesce(e.fn.max("id"), e.lit(0)).as("n")).where("room_id", "=", m.roomId),
      read_count: eb.selectFrom("rooms").select("timeline_count").where("id", "=", m.roomId),
    }))
    .returningAll()
    .executeTakeFirstOrThrow();
  await bumpMemberCount(db, m.roomId, 1);
  return row;
}

export async function deleteMember(db: Db, roomId: number, userId: number): Promise<boolean> {
  const r = await db.deleteFrom("room_members").where("room_id", "=", roomId).where("user_id", "=", userId).executeTakeFirst();
  const removed = Number(r.numDeletedRows) === 1;
  if (removed) await bumpMemberCount(db, roomId, -1);
  return removed;
}

const bumpMemberCount = (db: Db, roomId: number, by: 1 | -1) =>
  db
    .updateTable("rooms")
    .set((eb) => ({ member_count: eb("member_count", "+", by) }))
    .where("id", "=", roomId)
    .execute();

/** Sets every room's `member_count` from its rows: after a bulk insert of members (an import). */
export async function recountMembers(db: Db): Promise<void> {
  await sql`update rooms set member_count = (select count(*) from room_members m where m.room_id = rooms.id)`.execute(db);
}

export async function setMemberAdmin(db: Db, roomId: number, userId: number, isAdmin: boolean): Promise<void> {
  await db
    .updateTable("room_members")
    .set({ is_admin: isAdmin ? 1 : 0 })
    .where("room_id", "=", roomId)
    .where("user_id", "=", userId)
    .execute();
}

export function listMembers(db: Db, roomId: number) {
  return db
    .selectFrom("room_members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.user_id", "u.username", "m.is_admin", "m.joined_at", "u.last_seen", "u.avatar_id"])
    .where("m.room_id", "=", roomId)
    .orderBy("m.joined_at")
    .orderBy("m.user_id")
    .execute();
}

export async function countAdmins(db: Db, roomId: number): Promise<number> {
  const r = await db
    .selectFrom("room_members")
    .select(sql<number>`count(*)`.as("n"))
    .where("room_id", "=", roomId)
    .where("is_admin", "=", 1)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The member who joined first (ties by user id), other than `exceptUserId`. */
export function longestStandingMember(db: Db, roomId: number, exceptUserId: number): Promise<MemberRow | undefined> {
  return db
    .selectFrom("room_members")
    .selectAll()
    .where("room_id", "=", roomId)
    .where("user_id", "!=", exceptUserId)
    .orderBy("joined_at")
    .orderBy("user_id")
    .limit(1)
    .executeTakeFirst();
}

/** Every membership of live rooms: the event hub's starting picture of who hears what. */
export function allMemberships(db: Db) {
  return db
    .selectFrom("room_members as m")
    .innerJoin("rooms as r", "r.id", "m.room_id")
    .select(["m.room_id", "m.user_id"])
    .where("r.deleted_at", "is", null)
    .execute();
}
