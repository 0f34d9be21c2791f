import { findUserById, myMemberships, myMessagesPage, myReactions, myRevisions } from "@parley/db";
import { unauthorized } from "../errors.ts";
import type { Services } from "../services.ts";
import { toUser } from "../shapes.ts";
import type { Auth } from "./auth.ts";

/** Messages per `users.exportMine` page: large enough that most people need one call, small enough for one reply. */
export const MY_MESSAGES_PAGE = 1000;

/**
 * A user's own data (issue 18; GDPR's right of access): their account (no
 * secrets), the rooms they are in, every message they wrote with its
 * earlier versions, and their reactions. Messages come a page at a time:
 * the first call (no cursor) also carries the rest; `nextCursor` asks for
 * the next page.
 */
export async function exportMine(svc: Pick<Services, "db" | "now">, auth: Auth, cursor: number | null) {
  const user = await findUserById(svc.db, auth.userId);
  if (!user) throw unauthorized("Account no longer exists");
  const rows = await myMessagesPage(svc.db, { userId: auth.userId, after: cursor ?? 0, limit: MY_MESSAGES_PAGE + 1 });
  const page = rows.slice(0, MY_MESSAGES_PAGE);
  const revisions = await myRevisions(svc.db, page.filter((m) => Number(m.rev) > 1).map((m) => Number(m.id)));
  const first = cursor === null;
  const last = page[page.length - 1];
  return {
    exportedAt: svc.now(),
    user: first ? { ...toUser(user), lastSeen: user.last_seen === null ? null : Number(user.last_seen) } : null,
    rooms: first
      ? (await myMemberships(svc.db, auth.userId)).map((r) => ({
          id: Number(r.id),
          name: r.name,
          kind: r.kind,
          isPrivate: Number(r.is_private) === 1,
          isAdmin: Number(r.is_admin) === 1,
          joinedAt: Number(r.joined_at),
        }))
      : [],
    reactions: first ? (await myReactions(svc.db, auth.userId)).map((r) => ({ messageId: Number(r.message_id), emoji: r.emoji, createdAt: Number(r.created_at) })) : [],
    messages: page.map((m) => ({
      id: Number(m.id),
      roomId: Number(m.room_id),
      roomName: m.room_name,
      content: m.content,
      createdAt: Number(m.created_at),
      editedAt: m.edited_at === null ? null : Number(m.edited_at),
      deletedAt: m.deleted_at === null ? null : Number(m.deleted_at),
      threadId: m.thread_id === null ? null : Number(m.thread_id),
      revisions: revisions
        .filter((v) => Number(v.message_id) === Number(m.id))
        .map((v) => ({ rev: Number(v.rev), content: v.content, createdAt: Number(v.created_at), replacedAt: Number(v.replaced_at) })),
    })),
    nextCursor: rows.length > MY_MESSAGES_PAGE && last ? Number(last.id) : null,
  };
}
