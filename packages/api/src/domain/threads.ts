import {
  type Database,
  findMessage,
  findThreadTarget,
  followOnReply,
  type Kysely,
  listMessages,
  recordReply,
  threadParticipants,
  type WriteTx,
} from "@parley/db";
import { notFound } from "../errors.ts";
import type { EventDraft } from "../events.ts";

/**
 * Threads are one level deep: a reply to a reply attaches to its root. The
 * target must be a message of the same room (NOT_FOUND otherwise, as for a
 * missing one). A deleted root keeps its thread open, since its replies
 * survive; but a tombstone nobody replied to cannot start a thread: it is
 * NOT_FOUND, as if it were gone. Called in the send's write transaction,
 * before anything is written (it may throw).
 */
export async function threadRoot(db: Kysely<Database>, roomId: number, messageId: number): Promise<number> {
  const target = await findThreadTarget(db, messageId);
  if (!target || Number(target.room_id) !== roomId) throw notFound("Message");
  if (target.thread_id !== null) return Number(target.thread_id);
  if (target.deleted_at !== null && Number(target.reply_count) === 0) throw notFound("Message");
  return Number(target.id);
}

/**
 * A reply's change to its root, written in the reply's transaction after the
 * reply itself: the summary (`replyCount` counts every reply ever made, a
 * deleted one included, since it stays in the thread as a tombstone) and the
 * `thread.updated` that tells clients the new summary.
 */
export async function threadUpdated(tx: WriteTx, r: { roomId: number; rootId: number; userId: number; replyId: number; now: number }): Promise<EventDraft> {
  const counts = await recordReply(tx.db, r);
  // The replier and the root's author follow the thread; the replier has read it up to their reply (issue 14).
  await followOnReply(tx.db, { ...r, replyCount: counts.replyCount });
  const participantIds = (await threadParticipants(tx.db, [r.rootId])).get(r.rootId) ?? [];
  return { body: { type: "thread.updated", roomId: r.roomId, messageId: r.rootId, thread: { ...counts, participantIds } }, scope: "room" };
}

/**
 * One page of a thread, oldest to newest, paged back from the newest like the
 * room's timeline (`history` presents it). The root is the thread's first
 * item: the first of the page that reaches the thread's start (of the only
 * page, for a short thread). A reply's id lists its root's thread.
 */
export async function threadPage(db: Kysely<Database>, q: { roomId: number; threadId: number; before: number | null; limit: number; after?: number | null | undefined }) {
  const target = await findMessage(db, q.threadId);
  if (!target || Number(target.room_id) !== q.roomId) throw notFound("Message");
  const root = target.thread_id === null ? target : await findMessage(db, Number(target.thread_id));
  if (!root) throw notFound("Message");
  const { rows, hasMore } = await listMessages(db, { ...q, threadId: Number(root.id) });
  // Paging forward: the root, older than every reply, is never on such a page.
  if (q.after !== undefined && q.after !== null) return { rows, hasMore };
  if (hasMore || (q.before !== null && Number(root.id) >= q.before)) return { rows, hasMore };
  // The replies ran out on this page: the root follows, here if there is room, else alone on the next.
  return rows.length < q.limit ? { rows: [root, ...rows], hasMore: false } : { rows, hasMore: true };
}
