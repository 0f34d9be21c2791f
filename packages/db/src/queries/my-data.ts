import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/** A user's own data (`users.exportMine`, issue 18): what they wrote, joined and reacted. */

export function myMemberships(db: Db, userId: number) {
  return db
    .selectFrom("room_members as m")
    .innerJoin("rooms as r", "r.id", "m.room_id")
    .select(["r.id", "r.name", "r.kind", "r.is_private", "m.is_admin", "m.joined_at"])
    .where("m.user_id", "=", userId)
    .orderBy("r.id")
    .execute();
}

/** The user's messages after id `after`, oldest first, with the room's name. */
export function myMessagesPage(db: Db, q: { userId: number; after: number; limit: number }) {
  return db
    .selectFrom("messages as m")
    .innerJoin("rooms as r", "r.id", "m.room_id")
    .select(["m.id", "m.room_id", "r.name as room_name", "m.content", "m.created_at", "m.edited_at", "m.deleted_at", "m.thread_id", "m.rev"])
    .where("m.sender_id", "=", q.userId)
    .where("m.id", ">", q.after)
    .orderBy("m.id")
    .limit(q.limit)
    .execute();
}

export function myRevisions(db: Db, messageIds: readonly number[]) {
  if (messageIds.length === 0) return Promise.resolve([]);
  return db.selectFrom("message_revisions").select(["message_id", "rev", "content", "created_at", "replaced_at"]).where("message_id", "in", messageIds).orderBy("message_id").orderBy("rev").execute();
}

export function myReactions(db: Db, userId: number) {
  return db.selectFrom("reactions").select(["message_id", "emoji", "created_at"]).where("user_id", "=", userId).orderBy("created_at").limit(100_000).execute();
}
