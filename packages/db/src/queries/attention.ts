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

/**
 * A member's read marker, the timeline count it stands at and the mention
 * rows after it (`mention_unread`: 0 for a sender at their own new message,
 * `countMentions` after the marker otherwise); see `WriteTx.setMarker`.
 */
export const setMarkerQuery = (db: Db, a: Args<{ roomId: number; userId: number; lastReadId: number; readCount: number; mentionUnread: number }>) =>
  db
    .updateTable("room_members")
    .set({ last_read_id: a.lastReadId, read_count: a.readCount, mention_unread: a.mentionUnread })
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
    // A counter the write path keeps (`countMentionRows`, `setMarkerQuery`), not an index range per room.
    .select("rm.mention_unread as mention_count")
    .where("rm.user_id", "=", userId)
    .where("rm.room_id", "in", roomIds)
    .execute();
}

export async function setMessageMentions(db: Db, messageId: number, json: string | null): Promise<void> {
  await db.updateTable("messages").set({ mentions: json }).where("id", "=", messageId).execute();
}

export async function insertMentions(db: Db, roomId: number, messageId: number, userIds: readonly number[]): Promise<void> {
  if (userIds.length === 0) return;
  const added = await db
    .insertInto("mentions")
    .values(userIds.map((userId) => ({ user_id: userId, room_id: roomId, message_id: messageId })))
    .onConflict((oc) => oc.doNothing())
    .returning("user_id")
    .execute();
  await countMentionRows(db, roomId, messageId, added, 1);
}

/**
 * Keeps each member's `mention_unread` equal to the mention rows after their
 * marker as rows of one message come (+1) or go (−1): a row counts for its
 * user (a room-wide row for every member) whose marker is before the message.
 * Only rows really written or removed are passed, so a duplicate counts once.
 */
async function countMentionRows(db: Db, roomId: number, messageId: number, rows: readonly { user_id: number }[], delta: 1 | -1): Promise<void> {
  const named = rows.map((r) => Number(r.user_id)).filter((id) => id !== ROOM_WIDE);
  const wide = rows.length > named.length;
  const bump = () =>
    db
      .updateTable("room_members")
      .set({ mention_unread: sql<number>`mention_unread + ${sql.lit(delta)}` })
      .where("room_id", "=", roomId)
      .where("last_read_id", "<", messageId);
  if (wide) await bump().execute();
  if (named.length > 0) await bump().where("user_id", "in", named).execute();
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
  const gone = await q.returning(["user_id", "room_id"]).execute();
  const first = gone[0];
  // A message's rows are all of its one room.
  if (first) await countMentionRows(db, Number(first.room_id), messageId, gone, -1);
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
