import type { Kysely } from "kysely";
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
