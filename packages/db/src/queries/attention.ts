import { type Kysely, sql } from "kysely";
import type { Database, NotifyLevel } from "../schema.ts";
import type { Args } from "./args.ts";

type Db = Kysely<Database>;

/**
 * Read state and mentions (migration 0011). Counts are subtractions of
 * counters (`rooms.timeline_count` − `room_members.read_count`, a root's
 * `reply_count` − `thread_follows.read_count`) and index range counts over
 * the sparse `mentions` table: nothing here scans a room's history.
 */

/** The `@room` row's user: everyone in the room. */
export const ROOM_WIDE = 0;

/** One more text message in the room's timeline; returns the new count (the message's place in it). Run on every send: see `WriteTx.bumpTimeline`. */
export const bumpTimelineQuery = (db: Db, a: Args<{ roomId: number }>) =>
  db
    .updateTable("rooms")
    // A literal, not a bound 1: the accelerator prepares this with named placeholders only.
    .set({ timeline_count: sql<number>`timeline_count + 1` })
    .where("id", "=", a.roomId)
    .returning("timeline_count");

/** A room's timeline count, read once per write transaction by the SQLite accelerator (see `sqliteWriteTx`). */
export const timelineCountQuery = (db: Db, a: Args<{ roomId: number }>) => db.selectFrom("rooms").select("timeline_count").where("id", "=", a.roomId);

/** Stores the count the accelerator kept for a room during its transaction. */
export const setTimelineCountQuery = (db: Db, a: Args<{ roomId: number; count: number }>) =>
  db.updateTable("rooms").set({ timeline_count: a.count }).where("id", "=", a.roomId);

export function findMarker(db: Db, roomId: number, userId: number) {
  return db
    .selectFrom("room_members as rm")
    .innerJoin("rooms as r", "r.id", "rm.room_id")
    .select(["rm.last_read_id", "rm.read_count", "r.timeline_count", "r.kind", "rm.notify_level", "rm.muted"])
    .where("rm.room_id", "=", roomId)
    .where("rm.user_id", "=", userId)
    .executeTakeFirst();
}

/** A member's read marker and the timeline count it stands at (see `WriteTx.setMarker`). */
export const setMarkerQuery = (db: Db, a: Args<{ roomId: number; userId: number; lastReadId: number; readCount: number }>) =>
  db
    .updateTable("room_members")
    .set({ last_read_id: a.lastReadId, read_count: a.readCount })
    .where("room_id", "=", a.roomId)
    .where("user_id", "=", a.userId);

/** Timeline text messages after `messageId`: what a marker placed there leaves unread (a short range, read through messages_by_room). */
export async function countTimelineAfter(db: Db, roomId: number, messageId: number): Promise<number> {
  const r = await db
    .selectFrom("messages")
    .select(sql<number>`count(*)`.as("n"))
    .where("room_id", "=", roomId)
    .where("id", ">", messageId)
    .where("kind", "=", "text")
    .where("in_room", "=", 1)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Messages mentioning `userId` (by name, or everyone) in the room after `after`. A message with `@room` has only its room-wide row, so none counts twice. */
export async function countMentions(db: Db, q: { userId: number; roomId: number; after: number }): Promise<number> {
  const r = await db
    .selectFrom("mentions")
    .select(sql<number>`count(*)`.as("n"))
    .where("user_id", "in", [q.userId, ROOM_WIDE])
    .where("room_id", "=", q.roomId)
    .where("message_id", ">", q.after)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The user's read state in each of `roomIds` they belong to: one query, a counter subtraction and two index ranges per room. */
export async function readStates(db: Db, userId: number, roomIds: readonly number[]) {
  if (roomIds.length === 0) return [];
  return db
    .selectFrom("room_members as rm")
    .innerJoin("rooms as r", "r.id", "rm.room_id")
    .select(["rm.room_id", "rm.last_read_id", "rm.read_count", "r.timeline_count", "r.kind", "rm.notify_level", "rm.muted"])
    .select((eb) =>
      eb
        .selectFrom("mentions as mn")
        .select(sql<number>`count(*)`.as("n"))
        .where("mn.user_id", "in", [userId, ROOM_WIDE])
        .whereRef("mn.room_id", "=", "rm.room_id")
        .whereRef("mn.message_id", ">", "rm.last_read_id")
        .as("mention_count"),
    )
    .where("rm.user_id", "=", userId)
    .where("rm.room_id", "in", roomIds)
    .execute();
}

export async function setMessageMentions(db: Db, messageId: number, json: string | null): Promise<void> {
  await db.updateTable("messages").set({ mentions: json }).where("id", "=", messageId).execute();
}

export async function insertMentions(db: Db, roomId: number, messageId: number, userIds: readonly number[]): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .insertInto("mentions")
    .values(userIds.map((userId) => ({ user_id: userId, room_id: roomId, message_id: messageId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Who a message's mention rows count (`ROOM_WIDE` among them for `@room`). */
export async function mentionedIn(db: Db, messageId: number): Promise<number[]> {
  const rows = await db.selectFrom("mentions").select("user_id").where("message_id", "=", messageId).execute();
  return rows.map((r) => Number(r.user_id));
}

/** Takes back mentions of a message: of `userIds`, or all of them (a delete). */
export async function deleteMentions(db: Db, messageId: number, userIds?: readonly number[]): Promise<void> {
  let q = db.deleteFrom("mentions").where("message_id", "=", messageId);
  if (userIds) {
    if (userIds.length === 0) return;
    q = q.where("user_id", "in", userIds);
  }
  await q.execute();
}

/** Members of the room among the given username keys: who `@name` resolves to. */
export async function membersByKeys(db: Db, roomId: number, keys: readonly string[]) {
  if (keys.length === 0) return [];
  return db
    .selectFrom("users as u")
    .innerJoin("room_members as rm", (j) => j.onRef("rm.user_id", "=", "u.id").on("rm.room_id", "=", roomId))
    .select(["u.id", "u.username_key"])
    .where("u.username_key", "in", keys)
    .execute();
}

export async function memberIds(db: Db, roomId: number): Promise<number[]> {
  const rows = await db.selectFrom("room_members").select("user_id").where("room_id", "=", roomId).execute();
  return rows.map((r) => Number(r.user_id));
}

/** Members whose marker has reached `messageId`, except those who keep their receipts private. */
export function readersOf(db: Db, roomId: number, messageId: number) {
  return db
    .selectFrom("room_members as rm")
    .innerJoin("users as u", "u.id", "rm.user_id")
    .select(["u.id", "u.username", "rm.last_read_id"])
    .where("rm.room_id", "=", roomId)
    .where("rm.last_read_id", ">=", messageId)
    .where("u.private_receipts", "=", 0)
    .orderBy("u.id")
    .execute();
}

export async function setNotifications(db: Db, s: { roomId: number; userId: number; level: NotifyLevel; muted?: boolean | undefined }): Promise<void> {
  await db
    .updateTable("room_members")
    .set({ notify_level: s.level, ...(s.muted !== undefined && { muted: s.muted ? 1 : 0 }) })
    .where("room_id", "=", s.roomId)
    .where("user_id", "=", s.userId)
    .execute();
}

export function userAttention(db: Db, userId: number) {
  return db.selectFrom("users").select(["dnd_until", "private_receipts"]).where("id", "=", userId).executeTakeFirstOrThrow();
}

export async function setUserAttention(db: Db, userId: number, s: { dndUntil?: number | null; privateReceipts?: boolean }): Promise<void> {
  await db
    .updateTable("users")
    .set({
      ...(s.dndUntil !== undefined && { dnd_until: s.dndUntil }),
      ...(s.privateReceipts !== undefined && { private_receipts: s.privateReceipts ? 1 : 0 }),
    })
    .where("id", "=", userId)
    .execute();
}
