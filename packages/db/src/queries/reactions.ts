import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/** How many of the people who reacted with one emoji a message carries; the rest are paged (`listReactors`). */
export const REACTORS_SHOWN = 10;

export interface ReactionSummaryRow {
  message_id: number;
  emoji: string;
  count: number;
  /** The first `REACTORS_SHOWN` who reacted, in order. */
  userIds: number[];
  /** Whether `viewerId` is among them all (not only the first ten). */
  me: boolean;
}

/**
 * The reactions on each of `messageIds`, emoji in order of their first
 * reaction: one indexed read per page of history, whatever the page size,
 * returning for each emoji its count, its first ten people and the viewer.
 */
export async function reactionSummaries(db: Db, messageIds: readonly number[], viewerId: number | null): Promise<ReactionSummaryRow[]> {
  if (messageIds.length === 0) return [];
  const ranked = db
    .selectFrom("reactions")
    .select(["message_id", "emoji", "user_id", "created_at"])
    .select((eb) => [
      eb.fn.agg<number>("row_number").over((o) => o.partitionBy(["message_id", "emoji"]).orderBy("created_at").orderBy("user_id")).as("rn"),
      eb.fn.countAll<number>().over((o) => o.partitionBy(["message_id", "emoji"])).as("n"),
      eb.fn.min<number>("created_at").over((o) => o.partitionBy(["message_id", "emoji"])).as("first_at"),
    ])
    .where("message_id", "in", messageIds);
  const rows = await db
    .selectFrom(ranked.as("r"))
    .selectAll()
    .where((eb) => eb.or([eb("r.rn", "<=", REACTORS_SHOWN), eb("r.user_id", "=", viewerId ?? -1)]))
    .orderBy("r.message_id")
    .orderBy("r.first_at")
    .orderBy("r.emoji")
    .orderBy("r.rn")
    .execute();
  const out: ReactionSummaryRow[] = [];
  let last: ReactionSummaryRow | undefined;
  for (const r of rows) {
    const messageId = Number(r.message_id);
    if (!last || last.message_id !== messageId || last.emoji !== r.emoji) {
      last = { message_id: messageId, emoji: r.emoji, count: Number(r.n), userIds: [], me: false };
      out.push(last);
    }
    if (Number(r.rn) <= REACTORS_SHOWN) last.userIds.push(Number(r.user_id));
    if (viewerId !== null && Number(r.user_id) === viewerId) last.me = true;
  }
  return out;
}

/** Everyone who reacted to a message with `emoji`, in order, after the cursor (a position in that order). */
export async function listReactors(db: Db, q: { messageId: number; emoji: string; after: { createdAt: number; userId: number } | null; limit: number }) {
  let query = db
    .selectFrom("reactions as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .select(["r.user_id", "u.username", "r.created_at"])
    .where("r.message_id", "=", q.messageId)
    .where("r.emoji", "=", q.emoji);
  const after = q.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb("r.created_at", ">", after.createdAt), eb.and([eb("r.created_at", "=", after.createdAt), eb("r.user_id", ">", after.userId)])]),
    );
  }
  const rows = await query.orderBy("r.created_at").orderBy("r.user_id").limit(q.limit + 1).execute();
  return { rows: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

/** What a reaction needs to know about its message and the person reacting, in one read. */
export interface ReactionTarget {
  room_id: number;
  /** Set on a tombstone. */
  deleted_at: number | null;
  is_private: number;
  /** 1 if the person reacting is a member of the message's room. */
  is_member: number;
}

/** The message (in a live room) and whether `userId` belongs to its room; undefined if either is gone. */
export function findReactionTarget(db: Db, messageId: number, userId: number): Promise<ReactionTarget | undefined> {
  return db
    .selectFrom("messages as msg")
    .innerJoin("rooms as r", "r.id", "msg.room_id")
    .leftJoin("room_members as m", (j) => j.onRef("m.room_id", "=", "msg.room_id").on("m.user_id", "=", userId))
    .select(["msg.room_id", "msg.deleted_at", "r.is_private"])
    .select((eb) => eb.case().when("m.user_id", "is not", null).then(1).else(0).end().as("is_member"))
    .where("msg.id", "=", messageId)
    .where("r.deleted_at", "is", null)
    .executeTakeFirst();
}

export interface ReactionKey {
  messageId: number;
  emoji: string;
  userId: number;
}

export async function hasReaction(db: Db, k: ReactionKey): Promise<boolean> {
  const row = await db
    .selectFrom("reactions")
    .select("user_id")
    .where("message_id", "=", k.messageId)
    .where("emoji", "=", k.emoji)
    .where("user_id", "=", k.userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether a message carries `emoji` already, and how many distinct emoji it carries. */
export async function emojiOnMessage(db: Db, messageId: number, emoji: string): Promise<{ present: boolean; distinct: number }> {
  const rows = await db.selectFrom("reactions").select("emoji").distinct().where("message_id", "=", messageId).execute();
  return { present: rows.some((r) => r.emoji === emoji), distinct: rows.length };
}

/** Returns whether a row was added (false if it was there already). */
export async function insertReaction(db: Db, k: ReactionKey & { now: number }): Promise<boolean> {
  const r = await db
    .insertInto("reactions")
    .values({ message_id: k.messageId, emoji: k.emoji, user_id: k.userId, created_at: k.now })
    .onConflict((oc) => oc.columns(["message_id", "emoji", "user_id"]).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Returns whether a row was removed. */
export async function deleteReaction(db: Db, k: ReactionKey): Promise<boolean> {
  const r = await db
    .deleteFrom("reactions")
    .where("message_id", "=", k.messageId)
    .where("emoji", "=", k.emoji)
    .where("user_id", "=", k.userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** One emoji on one message: how many reacted, and the first `REACTORS_SHOWN` of them in order. */
export async function emojiSummary(db: Db, messageId: number, emoji: string): Promise<{ count: number; userIds: number[] }> {
  const [count, first] = await Promise.all([
    db
      .selectFrom("reactions")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("message_id", "=", messageId)
      .where("emoji", "=", emoji)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("reactions")
      .select("user_id")
      .where("message_id", "=", messageId)
      .where("emoji", "=", emoji)
      .orderBy("created_at")
      .orderBy("user_id")
      .limit(REACTORS_SHOWN)
      .execute(),
  ]);
  return { count: Number(count.n), userIds: first.map((r) => Number(r.user_id)) };
}

/**
 * Where `emoji` stands among a message's reactions, in the order history
 * lists them (`reactionSummaries`: first reaction, then emoji), or null if
 * nobody reacted with it. A reaction event carries it: adding or taking a
 * reaction moves only its own emoji (the first reaction of no other changes),
 * so a client that puts the emoji there keeps history's order.
 */
export async function emojiIndex(db: Db, messageId: number, emoji: string): Promise<number | null> {
  const rows = await db
    .selectFrom("reactions")
    .select("emoji")
    .select(sql<number>`row_number() over (order by min(created_at), emoji) - 1`.as("idx"))
    .where("message_id", "=", messageId)
    .groupBy("emoji")
    .execute();
  const row = rows.find((r) => r.emoji === emoji);
  return row === undefined ? null : Number(row.idx);
}
