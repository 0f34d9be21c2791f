import { type Kysely, sql, type Updateable } from "kysely";
import type { Database, RoomRow, RoomsTable } from "../schema.ts";
import type { Args } from "./args.ts";

type Db = Kysely<Database>;

/** What a sender may do in a room, read inside the write transaction. */
export interface SenderAccess {
  is_private: number;
  deleted_at: number | null;
  /** 1 if the sender is a member. */
  is_member: number;
  /** Moderation (migration 0015): the sender's membership, null for a non-member. */
  is_admin: number | null;
  muted_until: number | null;
  last_sent_at: number | null;
  slow_mode_seconds: number;
  /** The sender's names, for the message the send writes (issue 13's author line): read here, not per send. */
  sender_display_name: string | null;
  /** 1 for a bot account; null if no such user. */
  sender_is_bot: number | null;
  /**
   * 1 if anyone has a Web Push subscription: until someone does, a send
   * queues no push job (domain/push.ts). Read here, in the send's own
   * transaction, so a subscription made on any node counts from the next send.
   */
  any_push: number;
}

/** The send path's access check, written once (see `insertMessageQuery`). */
export const senderAccessQuery = (db: Db, a: Args<{ roomId: number; userId: number }>) =>
  db
    .selectFrom("rooms as r")
    .leftJoin("room_members as m", (j) => j.onRef("m.room_id", "=", "r.id").on("m.user_id", "=", a.userId))
    .leftJoin("users as s", (j) => j.on("s.id", "=", a.userId))
    .select(["r.is_private", "r.deleted_at", "r.slow_mode_seconds", "m.is_admin", "m.muted_until", "m.last_sent_at"])
    .select(["s.display_name as sender_display_name", "s.is_bot as sender_is_bot"])
    .select((eb) => eb.case().when("m.user_id", "is not", null).then(1).else(0).end().as("is_member"))
    .select((eb) => eb.case().when(eb.exists(eb.selectFrom("push_subscriptions").select("endpoint"))).then(1).else(0).end().as("any_push"))
    .where("r.id", "=", a.roomId);

export function insertRoom(
  db: Db,
  r: { name: string; description: string; isPrivate: boolean; createdBy: number; now: number; isDefault?: boolean },
): Promise<RoomRow> {
  return db
    .insertInto("rooms")
    .values({
      name: r.name,
      description: r.description,
      is_private: r.isPrivate ? 1 : 0,
      created_by: r.createdBy,
      created_at: r.now,
      deleted_at: null,
      ...(r.isDefault ? { is_default: 1 as const } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The room new accounts join, deleted or not (a deleted one is not made again). */
export function findDefaultRoom(db: Db): Promise<RoomRow | undefined> {
  return db.selectFrom("rooms").selectAll().where("is_default", "=", 1).executeTakeFirst();
}

/** A live (not deleted) room. */
export function findRoom(db: Db, id: number): Promise<RoomRow | undefined> {
  return db.selectFrom("rooms").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
}

/** Sets the given fields; with none given it writes nothing (an empty SET is a syntax error) and returns the row as it is. */
export async function updateRoom(
  db: Db,
  id: number,
  patch: { name?: string | undefined; description?: string | undefined; isPrivate?: boolean | undefined; slowModeSeconds?: number | undefined },
): Promise<RoomRow> {
  const set: Updateable<RoomsTable> = {
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.description !== undefined && { description: patch.description }),
    ...(patch.isPrivate !== undefined && { is_private: patch.isPrivate ? 1 : 0 }),
    ...(patch.slowModeSeconds !== undefined && { slow_mode_seconds: patch.slowModeSeconds }),
  };
  if (Object.keys(set).length === 0) return db.selectFrom("rooms").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  return db.updateTable("rooms").set(set).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export async function softDeleteRoom(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable("rooms").set({ deleted_at: now }).where("id", "=", id).execute();
}

/**
 * The public rooms and the private rooms the user belongs to, with the
 * user's standing in each: one page in id order, after room `after`. With
 * the user's read state in the rooms they are in (the same counters and
 * index ranges as `readStates`; null columns for the others), so
 * `rooms.list` is one query.
 */
export function listRoomsForUser(db: Db, userId: number, page: { after: number; limit: number }) {
  return roomsPageQuery(db, userId, page).execute();
}

/** `listRoomsForUser`'s query, unrun: also the page `listRoomsJson` (rooms-json.ts) builds its text from, so who sees which room is written once. */
export function roomsPageQuery(db: Db, userId: number, page: { after: number; limit: number }) {
  return db
    .selectFrom("rooms as r")
    .leftJoin("room_members as me", (j) => j.onRef("me.room_id", "=", "r.id").on("me.user_id", "=", userId))
    .select([
      "r.id",
      "r.name",
      "r.description",
      "r.is_private",
      "r.created_by",
      "r.created_at",
      "r.kind",
      // Only what a list item shows (domain/rooms.ts listRooms): each column is a property on each of 500 row objects.
      "r.slow_mode_seconds",
      "me.is_admin",
      // A counter the write path keeps (queries/members.ts), not a count per room.
      "r.member_count",
      "r.timeline_count",
      "me.last_read_id",
      "me.read_count",
      "me.notify_level",
      "me.muted",
      // Also a counter (queries/attention.ts `countMentionRows`): an index range per room was most of this query's time.
      "me.mention_unread as mention_count",
    ])
    .where("r.deleted_at", "is", null)
    .where("r.id", ">", page.after)
    .where((eb) => eb.or([eb("r.is_private", "=", 0), eb("me.user_id", "is not", null)]))
    .orderBy("r.id")
    .limit(page.limit);
}

export async function countMembers(db: Db, roomId: number): Promise<number> {
  const r = await db
    .selectFrom("room_members")
    .select(sql<number>`count(*)`.as("n"))
    .where("room_id", "=", roomId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Ids of the live private rooms (the hub's starting picture of who may watch what). */
export async function privateRoomIds(db: Db): Promise<number[]> {
  const rows = await db.selectFrom("rooms").select("id").where("is_private", "=", 1).where("deleted_at", "is", null).execute();
  return rows.map((r) => Number(r.id));
}
