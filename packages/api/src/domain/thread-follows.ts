import { countRepliesAfter, findThreadMarker, listFollowedThreads, setFollowing, setThreadMarker } from "@parley/db";
import { DomainError, notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Auth } from "./auth.ts";
import { requireMember, roomAccess } from "./rooms.ts";

export interface ThreadReadState {
  roomId: number;
  threadId: number;
  following: boolean;
  lastReadId: number;
  unreadCount: number;
  replyCount: number;
  lastReplyAt: number | null;
}

/** The root of the thread `messageId` belongs to, in a room the caller is a member of (NOT_FOUND otherwise, as for a missing one). */
async function visibleRoot(svc: Services, auth: Auth, messageId: number) {
  let m = await findThreadMarker(svc.db, auth.userId, messageId);
  if (m && m.thread_id !== null) m = await findThreadMarker(svc.db, auth.userId, Number(m.thread_id));
  if (!m) throw notFound("Message");
  try {
    requireMember(await roomAccess(svc, Number(m.room_id), auth.userId));
  } catch (err) {
    if (err instanceof DomainError && err.code === "NOT_FOUND") throw notFound("Message");
    throw err;
  }
  return m;
}

/** `threads.follow` / `threads.unfollow`: an explicit choice, kept over automatic follows (replying re-follows). */
export async function follow(svc: Services, auth: Auth, messageId: number, following: boolean): Promise<{ threadId: number; following: boolean }> {
  const root = await visibleRoot(svc, auth, messageId);
  const rootId = Number(root.id);
  return svc.writes.run(async (tx) => {
    await setFollowing(tx.db, { userId: auth.userId, rootId, roomId: Number(root.room_id), following });
    return { result: { threadId: rootId, following }, events: [] };
  });
}

/** Moves the caller's marker in a thread forward to `messageId` (a reply of it); writes nothing when it is already there or beyond. */
export async function markThreadRead(svc: Services, auth: Auth, input: { threadId: number; messageId: number }): Promise<ThreadReadState> {
  const root = await visibleRoot(svc, auth, input.threadId);
  const rootId = Number(root.id);
  const state = (lastReadId: number, readCount: number, replyCount: number, following: boolean): ThreadReadState => ({
    roomId: Number(root.room_id),
    threadId: rootId,
    following,
    lastReadId,
    unreadCount: Math.max(0, replyCount - readCount),
    replyCount,
    lastReplyAt: null,
  });
  if (Number(root.last_read_id ?? 0) >= input.messageId) {
    return state(Number(root.last_read_id ?? 0), Number(root.read_count ?? 0), Number(root.reply_count), Number(root.following ?? 0) === 1);
  }
  return svc.writes.run(async (tx) => {
    const m = await findThreadMarker(tx.db, auth.userId, rootId);
    if (!m) throw notFound("Message");
    const reply = await findThreadMarker(tx.db, auth.userId, input.messageId);
    if (!reply || (Number(reply.id) !== rootId && Number(reply.thread_id) !== rootId)) throw notFound("Message");
    const lastReadId = Number(m.last_read_id ?? 0);
    const replyCount = Number(m.reply_count);
    const following = Number(m.following ?? 0) === 1;
    if (lastReadId >= input.messageId) return { result: state(lastReadId, Number(m.read_count ?? 0), replyCount, following), events: [] };
    const readCount = replyCount - (await countRepliesAfter(tx.db, rootId, input.messageId));
    await setThreadMarker(tx.db, { userId: auth.userId, rootId, roomId: Number(m.room_id), lastReadId: input.messageId, readCount });
    const result = state(input.messageId, readCount, replyCount, following);
    return {
      result,
      events: [
        {
          body: { type: "read.updated", roomId: result.roomId, threadId: rootId, lastReadId: input.messageId, unreadCount: result.unreadCount, mentionCount: 0 },
          scope: "user",
          userId: auth.userId,
        },
      ],
    };
  });
}

/** The threads the caller follows in rooms they belong to, latest reply first, with their unread counts. */
export async function listThreads(svc: Services, auth: Auth, q: { unreadOnly?: boolean | undefined; limit?: number | undefined }): Promise<ThreadReadState[]> {
  const rows = await listFollowedThreads(svc.db, { userId: auth.userId, unreadOnly: q.unreadOnly ?? false, limit: q.limit ?? 50 });
  return rows.map((r) => ({
    roomId: Number(r.room_id),
    threadId: Number(r.root_id),
    following: true,
    lastReadId: Number(r.last_read_id),
    unreadCount: Math.max(0, Number(r.reply_count) - Number(r.read_count)),
    replyCount: Number(r.reply_count),
    lastReplyAt: r.last_reply_at === null ? null : Number(r.last_reply_at),
  }));
}
