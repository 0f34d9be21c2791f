import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/**
 * Thread following and markers (migration 0011). A thread's unread count is
 * its root's `reply_count` minus the follower's `read_count`.
 */

/** Follows the thread unless the user unfollowed it before (an explicit unfollow is kept; `threads.follow` overrides it). */
export async function autoFollow(db: Db, f: { userIds: readonly number[]; rootId: number; roomId: number }): Promise<void> {
  if (f.userIds.length === 0) return;
  await db
    .insertInto("thread_follows")
    .values(f.userIds.map((userId) => ({ user_id: userId, root_id: f.rootId, room_id: f.roomId, following: 1 as const })))
    .onConflict((oc) => oc.columns(["user_id", "root_id"]).doNothing())
    .execute();
}

export async function setFollowing(db: Db, f: { userId: number; rootId: number; roomId: number; following: boolean }): Promise<void> {
  const following = f.following ? 1 : 0;
  await db
    .insertInto("thread_follows")
    .values({ user_id: f.userId, root_id: f.rootId, room_id: f.roomId, following })
    .onConflict((oc) => oc.columns(["user_id", "root_id"]).doUpdateSet({ following }))
    .execute();
}

export function findThreadMarker(db: Db, userId: number, rootId: number) {
  return db
    .selectFrom("messages as root")
    .leftJoin("thread_follows as f", (j) => j.onRef("f.root_id", "=", "root.id").on("f.user_id", "=", userId))
    .select(["root.id", "root.room_id", "root.reply_count", "root.thread_id", "f.last_read_id", "f.read_count", "f.following"])
    .where("root.id", "=", rootId)
    .executeTakeFirst();
}

/** Moves (or creates) the user's marker in a thread; a marker row made this way does not follow. */
export async function setThreadMarker(db: Db, m: { userId: number; rootId: number; roomId: number; lastReadId: number; readCount: number }): Promise<void> {
  await db
    .insertInto("thread_follows")
    .values({ user_id: m.userId, root_id: m.rootId, room_id: m.roomId, following: 0, last_read_id: m.lastReadId, read_count: m.readCount })
    .onConflict((oc) => oc.columns(["user_id", "root_id"]).doUpdateSet({ last_read_id: m.lastReadId, read_count: m.readCount }))
    .execute();
}

/** Replies in a thread after `messageId`. */
export async function countRepliesAfter(db: Db, rootId: number, messageId: number): Promise<number> {
  const r = await db
    .selectFrom("messages")
    .select(sql<number>`count(*)`.as("n"))
    .where("thread_id", "=", rootId)
    .where("id", ">", messageId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The threads a user follows in rooms they are still a member of, most recent reply first. */
export function listFollowedThreads(db: Db, q: { userId: number; unreadOnly: boolean; limit: number }) {
  let query = db
    .selectFrom("thread_follows as f")
    .innerJoin("messages as root", "root.id", "f.root_id")
    .innerJoin("room_members as rm", (j) => j.onRef("rm.room_id", "=", "f.room_id").on("rm.user_id", "=", q.userId))
    .innerJoin("rooms as r", "r.id", "f.room_id")
    .select(["f.root_id", "f.room_id", "f.last_read_id", "f.read_count", "root.reply_count", "root.last_reply_at"])
    .where("f.user_id", "=", q.userId)
    .where("f.following", "=", 1)
    .where("r.deleted_at", "is", null);
  if (q.unreadOnly) query = query.whereRef("root.reply_count", ">", "f.read_count");
  return query.orderBy("root.last_reply_at", "desc").orderBy("f.root_id", "desc").limit(q.limit).execute();
}

/**
 * A reply's follows, in its transaction: the replier follows (again, if they
 * had unfollowed: replying is joining in) with their marker at their reply;
 * the root's author follows unless they unfollowed.
 */
export async function followOnReply(db: Db, r: { roomId: number; rootId: number; userId: number; replyId: number; replyCount: number }): Promise<void> {
  await db
    .insertInto("thread_follows")
    .values({ user_id: r.userId, root_id: r.rootId, room_id: r.roomId, following: 1, last_read_id: r.replyId, read_count: r.replyCount })
    .onConflict((oc) => oc.columns(["user_id", "root_id"]).doUpdateSet({ following: 1, last_read_id: r.replyId, read_count: r.replyCount }))
    .execute();
  await db
    .insertInto("thread_follows")
    .columns(["user_id", "root_id", "room_id"])
    .expression((eb) =>
      eb
        .selectFrom("messages")
        .select(["sender_id", sql<number>`cast(${r.rootId} as bigint)`.as("root_id"), sql<number>`cast(${r.roomId} as bigint)`.as("room_id")])
        .where("id", "=", r.rootId)
        .where("sender_id", "is not", null),
    )
    .onConflict((oc) => oc.columns(["user_id", "root_id"]).doNothing())
    .execute();
}
