import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/** How many participants a thread summary names. */
export const PARTICIPANTS_SHOWN = 10;

/** The first participants of each thread rooted at `rootIds`, in order of their first reply. */
export async function threadParticipants(db: Db, rootIds: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (rootIds.length === 0) return out;
  const ranked = db
    .selectFrom("thread_participants")
    .select(["root_id", "user_id", "first_at"])
    .select((eb) => eb.fn.agg<number>("row_number").over((o) => o.partitionBy("root_id").orderBy("first_at").orderBy("user_id")).as("rn"))
    .where("root_id", "in", rootIds);
  const rows = await db.selectFrom(ranked.as("p")).selectAll().where("p.rn", "<=", PARTICIPANTS_SHOWN).orderBy("p.root_id").orderBy("p.rn").execute();
  for (const r of rows) {
    const list = out.get(Number(r.root_id)) ?? [];
    list.push(Number(r.user_id));
    out.set(Number(r.root_id), list);
  }
  return out;
}

/** What a reply needs to know about the message it answers: where it is, and the thread it belongs to. */
export function findThreadTarget(db: Db, messageId: number) {
  return db
    .selectFrom("messages")
    .select(["id", "room_id", "thread_id", "deleted_at", "reply_count"])
    .where("id", "=", messageId)
    .executeTakeFirst();
}

/**
 * A reply's bookkeeping on its root, in the reply's transaction: one more
 * reply, the latest reply's time, and the replier among the participants
 * (kept in order of their first reply). Returns the root's new counters.
 */
export async function recordReply(db: Db, r: { rootId: number; userId: number; now: number }) {
  const root = await db
    .updateTable("messages")
    .set((eb) => ({ reply_count: eb("reply_count", "+", 1), last_reply_at: r.now }))
    .where("id", "=", r.rootId)
    .returning(["reply_count", "last_reply_at"])
    .executeTakeFirstOrThrow();
  await db
    .insertInto("thread_participants")
    .values({ root_id: r.rootId, user_id: r.userId, first_at: r.now })
    .onConflict((oc) => oc.columns(["root_id", "user_id"]).doNothing())
    .execute();
  return { replyCount: Number(root.reply_count), lastReplyAt: root.last_reply_at === null ? null : Number(root.last_reply_at) };
}
