import {
  deleteMentions,
  setMessageMentions,
  eventTypesAt,
  findMembership,
  findMessage,
  insertRevision,
  listRevisions,
  type MessageWithSender,
  rewriteEventPayload,
  type SenderAccess,
  tombstoneMessage,
  updateMessageContent,
  type WriteTx,
} from "@parley/db";
import { encodeEvent } from "../events.ts";
import { conflict, DomainError, forbidden, notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import { type Message, type Revision, toMessage, toRevision } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import { hasMentions, resolveMentions, reviseMentions } from "./mentions.ts";
import type { EditNews } from "../notify-rule.ts";
import { releaseFiles, removeBlobs } from "./files.ts";
import { audit, isServerAdmin } from "./admin.ts";
import { presentMessages } from "./messages.ts";
import { requireMember, roomAccess } from "./rooms.ts";

/**
 * Edits and deletes. Both run as one operation of the write path, so access
 * is read in the same transaction as the change (a member removed a moment
 * ago cannot edit), and both are idempotent for the client library's
 * retries: asking again for what is already so writes nothing and emits
 * nothing. Every check comes before the first write (see writer.ts).
 */

/** A message the caller may not see does not exist for them: NOT_FOUND, as for a missing one. */
async function visibleMessage(tx: WriteTx, messageId: number, userId: number): Promise<{ row: MessageWithSender; access: SenderAccess }> {
  const row = await findMessage(tx.db, messageId);
  const access = row ? await tx.senderAccess(Number(row.room_id), userId) : undefined;
  if (!row || !access || access.deleted_at !== null || (Number(access.is_private) === 1 && !access.is_member)) throw notFound("Message");
  return { row, access };
}

const present = async (tx: WriteTx, row: MessageWithSender, viewerId: number | null): Promise<Message> => {
  const [m] = await presentMessages(tx.db, [row], viewerId);
  if (!m) throw new Error(`message ${row.id} could not be presented`);
  return m;
};

/** In stream events `me` is not personalised (see shapes.ts): clients keep what they knew. */
const forStream = (m: Message): Message => ({ ...m, reactions: m.reactions.map((r) => ({ ...r, me: false })) });

/**
 * Replaces the text of one's own message. The version it replaces is kept
 * (with the position of the `message.updated` that replaced it, so a later
 * delete can rewrite that event). Refused: someone else's message
 * (FORBIDDEN), a system message (BAD_REQUEST: nobody may edit one, so it is
 * not a question of who asks), a tombstone (CONFLICT), an edit later than
 * `EDIT_WINDOW` after sending (FORBIDDEN), and — if `rev` is given — an edit
 * of a version that is no longer the current one (CONFLICT). The same text
 * again returns the message unchanged; that check comes before `rev` and the
 * window, so a retry of an edit that went through is answered, not refused.
 */
export async function editMessage(svc: Services, auth: Auth, input: { messageId: number; content: string; rev?: number | undefined }): Promise<Message> {
  // Whom the edit newly mentions: only they are notified (null: nothing changed).
  const news: { added: EditNews | null } = { added: null };
  const message = await svc.writes.run(async (tx, now) => {
    news.added = null;
    const { row, access } = await visibleMessage(tx, input.messageId, auth.userId);
    if (row.kind === "system") throw new DomainError("BAD_REQUEST", "System messages cannot be edited");
    if (row.sender_id === null || Number(row.sender_id) !== auth.userId) throw forbidden("Only its author can edit a message");
    if (row.deleted_at !== null) throw conflict("The message was deleted");
    if (!access.is_member) throw forbidden("Join the room first");
    if (row.content === input.content) return { result: await present(tx, row, auth.userId), events: [] };
    const rev = Number(row.rev);
    if (input.rev !== undefined && input.rev !== rev) throw conflict(`The message was edited meanwhile (now at rev ${rev})`);
    const window = svc.config.editWindowSeconds;
    if (window !== null && now - Number(row.created_at) > window * 1000) throw forbidden("It is too late to edit this message");

    // Resolved before the first write: adding `@room` to a message in a big room may be refused.
    const mentions = await resolveMentions(tx.db, { roomId: Number(row.room_id), senderId: auth.userId, content: input.content });
    if (!(await updateMessageContent(tx.db, { id: Number(row.id), rev, content: input.content, now }))) {
      // Writes are serialised (group commit, and the event-log lock on PostgreSQL): this cannot race.
      throw new Error(`message ${row.id} changed under its edit`);
    }
    news.added = await reviseMentions(tx.db, (id) => svc.presence.isOnline(id), {
      roomId: Number(row.room_id),
      messageId: Number(row.id),
      senderId: auth.userId,
      threadRootId: row.thread_id === null ? null : Number(row.thread_id),
      inRoom: Number(row.in_room) === 1,
      before: toMessage(row).mentions,
      after: mentions,
    });
    const edited: MessageWithSender = { ...row, content: input.content, rev: rev + 1, edited_at: now, mentions: hasMentions(mentions) ? JSON.stringify(mentions) : null };
    const result = await present(tx, edited, auth.userId);
    const previous = { messageId: Number(row.id), rev, content: row.content, createdAt: Number(row.edited_at ?? row.created_at), replacedAt: now };
    return {
      result,
      events: [
        {
          body: { type: "message.updated", roomId: result.roomId, message: forStream(result) },
          scope: "room",
          afterAppend: (position) => insertRevision(tx.db, { ...previous, eventId: position }),
        },
      ],
    };
  });
  const added = news.added;
  if (added !== null && (added.userIds.length > 0 || added.room)) svc.push.afterMessage({ message, senderId: auth.userId, mentioned: [], edit: added });
  return message;
}

/**
 * Deletes a message (its author, or an admin of its room — admins may also
 * delete system messages). It stays in history as a tombstone: no text, no
 * reactions, its thread summary kept (replies survive). Its text goes from
 * everywhere: the row, its earlier versions, and the log, where its
 * `message.created` and every `message.updated` are rewritten in place as
 * the tombstone (same position and type; found through `messages.event_id`
 * and `message_revisions.event_id`). Deleting a tombstone returns it.
 *
 * A deleted thread reply stays in its thread as a tombstone and is still
 * counted by the root's `replyCount` (it counts replies written, as the
 * thread's listing shows them), so a delete never changes a root's summary.
 */
export async function deleteMessage(svc: Services, auth: Auth, input: { messageId: number }): Promise<Message> {
  // Files nothing else references go with the message: rows in its transaction, bytes after the commit.
  let released: string[] = [];
  const result = await svc.writes.run(async (tx, now) => {
    const { row, by } = await deletableMessage(tx, input.messageId, auth.userId);
    const roomId = Number(row.room_id);
    if (row.deleted_at !== null) return { result: await present(tx, row, auth.userId), events: [] };
    // Deleting someone else's message is moderation: audited (issue 18).
    if (by !== "author") {
      await audit(tx.db, { actorId: auth.userId, action: "message.delete", targetType: "message", targetId: String(row.id), detail: { roomId, senderId: row.sender_id === null ? null : Number(row.sender_id), by } }, now);
    }

    const positions = await tombstoneMessage(tx.db, { id: Number(row.id), now });
    // A deleted message mentions nobody any more: it leaves the mention counts.
    await deleteMentions(tx.db, Number(row.id));
    await setMessageMentions(tx.db, Number(row.id), null);
    released = await releaseFiles(tx.db, [Number(row.id)]);
    const tombstone = forStream(await present(tx, { ...row, content: "", deleted_at: now }, null));
    for (const e of await eventTypesAt(tx.db, positions)) {
      if (e.type !== "message.created" && e.type !== "message.updated") continue;
      const encoded = encodeEvent(now, { body: { type: e.type, roomId, message: tombstone }, scope: "room" });
      await rewriteEventPayload(tx.db, { id: Number(e.id), payload: encoded.payload, version: encoded.version });
    }
    return {
      result: tombstone,
      events: [{ body: { type: "message.deleted", roomId, messageId: tombstone.id, message: tombstone }, scope: "room" }],
    };
  });
  await removeBlobs(svc, released);
  return result;
}

/**
 * Who may delete a message: its author or an admin of its room (members of
 * it), or a server admin, whatever room it is in. Anyone else gets the
 * refusal they always got (NOT_FOUND for a message they cannot see).
 */
async function deletableMessage(tx: WriteTx, messageId: number, userId: number): Promise<{ row: MessageWithSender; by: "author" | "room admin" | "server admin" }> {
  let refusal: DomainError;
  try {
    const { row } = await visibleMessage(tx, messageId, userId);
    const membership = await findMembership(tx.db, Number(row.room_id), userId);
    const isAuthor = row.sender_id !== null && Number(row.sender_id) === userId;
    if (membership && isAuthor) return { row, by: "author" };
    if (membership && Number(membership.is_admin) === 1) return { row, by: "room admin" };
    refusal = membership ? forbidden("Only its author or a room admin can delete a message") : forbidden("Join the room first");
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    refusal = err;
  }
  const row = await findMessage(tx.db, messageId);
  const room = row ? await tx.senderAccess(Number(row.room_id), userId) : undefined;
  if (row && room && room.deleted_at === null && (await isServerAdmin(tx.db, userId))) return { row, by: "server admin" };
  throw refusal;
}

/**
 * A message's earlier versions, oldest first, for members of its room (a
 * private room's message is NOT_FOUND to others, a public room's FORBIDDEN
 * to non-members). A tombstone has none: they were deleted with its text.
 */
export async function messageRevisions(svc: Services, auth: Auth, input: { messageId: number }): Promise<Revision[]> {
  const row = await findMessage(svc.db, input.messageId);
  if (!row) throw notFound("Message");
  try {
    requireMember(await roomAccess(svc, Number(row.room_id), auth.userId));
  } catch (err) {
    if (err instanceof DomainError && err.code === "NOT_FOUND") throw notFound("Message");
    throw err;
  }
  if (row.deleted_at !== null) return [];
  return (await listRevisions(svc.db, Number(row.id))).map(toRevision);
}
