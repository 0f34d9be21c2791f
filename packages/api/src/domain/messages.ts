import {
  type Database,
  deactivatedAmong,
  findMessageByClientId,
  type InsertedMessage,
  isUniqueViolation,
  type Kysely,
  listMessages,
  type MessageWithSender,
  type PageHints,
  reactionSummaries,
  threadParticipants,
} from "@parley/db";
import type { EventDraft } from "../events.ts";
import { conflict, forbidden, notFound, tooManyRequests } from "../errors.ts";
import type { Services } from "../services.ts";
import { type Attachment, type Message, type Reaction, toMessage } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import { attach, attachmentsByMessage, filesToAttach } from "./files.ts";
import type { RoomAccess } from "./rooms.ts";
import { hasMentions, recordMentions, resolveMentions } from "./mentions.ts";
import { countSend } from "./read-state.ts";
import { recordSend, sendRestriction } from "./moderation.ts";
import { threadPage, threadRoot, threadUpdated } from "./threads.ts";

/**
 * Stores a message once per (sender, clientId). A retry — sequential,
 * concurrent or after a restart — returns the stored original and writes
 * nothing; it is checked before the rate limit so retries cost no quota.
 * Access is checked inside the write transaction, so a member removed a
 * moment ago cannot slip a message in. The reply is sent only after the
 * commit; concurrent sends share one (see group-commit.ts). With `threadId`
 * it is a thread reply: its root's summary changes and `thread.updated`
 * follows its `message.created`, in the same transaction (domain/threads.ts).
 */
export async function sendMessage(
  svc: Services,
  auth: Auth,
  input: {
    roomId: number;
    content: string;
    clientId: string;
    threadId?: number | undefined;
    alsoToRoom?: boolean | undefined;
    attachments?: readonly string[] | undefined;
    /** An incoming webhook's `username` (domain/webhooks.ts): shown as "<name> via webhook". */
    overrideName?: string | undefined;
  },
): Promise<Message> {
  const { roomId, clientId } = input;
  // Who the new message mentions, for its pushes once committed (null: nothing was written, e.g. a retry).
  // Whether anyone has a push subscription (read with the access row): if not, no push job is queued.
  const news: { mentioned: number[] | null; push: boolean } = { mentioned: null, push: false };
  const key = String(auth.userId);
  // With a Redis bus the allowance is shared by every node (realtime/shared-limits.ts): taken before the
  // write (never awaited inside its transaction) and given back if nothing was stored.
  const shared = svc.sharedLimits?.send ?? null;
  if (shared && !(await shared.take(key))) {
    // A retry of a message already stored costs nothing, even at the limit.
    const row = await findMessageByClientId(svc.db, auth.userId, clientId);
    if (row) return original(svc.db, row, roomId);
    throw tooManyRequests("You are sending messages too fast");
  }
  let stored = false;
  try {
    const message = await svc.writes.run(async (tx, now) => {
      news.mentioned = null;
      stored = false; // a batch that failed runs its operations again, one transaction each
      const access = await tx.senderAccess(roomId, auth.userId);
      if (!access || access.deleted_at !== null || (Number(access.is_private) === 1 && !access.is_member)) throw notFound("Room");
      const existing = await tx.findByClientId(auth.userId, clientId);
      // A retry answers with what it stored, attachments and all: it attaches nothing again.
      if (existing) return { result: await original(tx.db, existing, roomId), events: [] };
      if (!access.is_member) throw forbidden("Join the room first");
      news.push = Number(access.any_push) === 1;
      // Mutes and slow mode (domain/moderation.ts), from the row just read: a plain send runs nothing more.
      const restricted = sendRestriction(access, now);
      if (restricted) throw restricted;
      // A reply (domain/threads.ts); a plain send runs no statement for threads.
      const rootId = input.threadId === undefined ? null : await threadRoot(tx.db, roomId, input.threadId);
      if (!shared && !svc.sendLimiter.take(key)) throw tooManyRequests("You are sending messages too fast");
      // Resolved before the insert: `@room` in a big room may be refused (domain/mentions.ts).
      const mentions = await resolveMentions(tx.db, { roomId, senderId: auth.userId, content: input.content });
      const inRoom = rootId === null || input.alsoToRoom ? 1 : 0;
      // Files are checked before the first write (writer.ts); a plain send runs no statement for them.
      const files = input.attachments?.length ? await filesToAttach(tx.db, auth.userId, input.attachments) : [];
      const row = await tx.insertMessage({
        roomId,
        senderId: auth.userId,
        // The names come with the access row already read: the author line costs no statement.
        senderName: auth.username,
        senderDisplayName: access.sender_display_name,
        senderIsBot: Number(access.sender_is_bot) === 1 ? 1 : 0,
        kind: "text",
        content: input.content,
        clientId,
        now,
        threadId: rootId,
        inRoom,
        overrideName: input.overrideName ?? null,
      });
      stored = true;
      const attachments = files.length === 0 ? [] : await attach(tx.db, Number(row.id), files, now);
      const { message: m, created } = newMessage(row, { ...(hasMentions(mentions) ? { mentions } : {}), attachments });
      if (inRoom === 1) await countSend(tx, { roomId, userId: auth.userId, messageId: m.id });
      news.mentioned = await recordMentions(tx.db, (id) => svc.presence.isOnline(id), { roomId, messageId: m.id, senderId: auth.userId, threadRootId: rootId, inRoom: inRoom === 1, mentions });
      await recordSend(tx, access, roomId, auth.userId, now);
      if (rootId === null) return { result: m, events: [created] };
      return { result: m, events: [created, await threadUpdated(tx, { roomId, rootId, userId: auth.userId, replyId: m.id, now })] };
    });
    // The hub has been told already: the send path hands it each batch's events at commit (services.ts).
    svc.typing.set(roomId, auth.userId, auth.username, false);
    if (news.mentioned !== null && news.push) svc.push.afterMessage({ message, senderId: auth.userId, mentioned: news.mentioned, edit: null });
    return message;
  } catch (err) {
    // A concurrent duplicate (on another node) won the race: answer with what it stored.
    if (isUniqueViolation(err)) {
      const row = await findMessageByClientId(svc.db, auth.userId, clientId);
      if (row) return original(svc.db, row, roomId);
    }
    throw err;
  } finally {
    if (shared && !stored) void shared.refund(key);
  }
}

/**
 * A message just inserted, as the API shows it, and its `message.created`:
 * at the position its insert reserved and kept on the row
 * (`messages.event_id`, so a delete can rewrite that payload). The body is
 * built from the row's typed values only, so it is `prebuilt` (not parsed
 * again; events.test.ts proves the schema returns it unchanged).
 */
export function newMessage(
  row: InsertedMessage,
  extra: { mentions?: Message["mentions"]; attachments?: Attachment[] } = {},
): { message: Message; created: EventDraft } {
  const stored = toMessage(row, [], [], extra.attachments ?? []);
  const message = extra.mentions === undefined ? stored : { ...stored, mentions: extra.mentions };
  return { message, created: { body: { type: "message.created", roomId: message.roomId, message }, scope: "room", position: row.event_id, prebuilt: true } };
}

async function original(db: Kysely<Database>, row: MessageWithSender, roomId: number): Promise<Message> {
  if (Number(row.room_id) !== roomId) throw conflict("That clientId was already used for a message in another room");
  const files = await attachmentsByMessage(db, [Number(row.id)]);
  return toMessage(row, [], [], files.get(Number(row.id)));
}

/**
 * Rows as the API shows them to `viewerId`: with their reactions, thread
 * participants and files, read once per page. A row from a history page
 * carries `PageHints` (queries/messages.ts), so only what it has is read: a
 * page with no reactions, files or threads runs no query here.
 */
export async function presentMessages(
  db: Kysely<Database>,
  rows: readonly (MessageWithSender & Partial<PageHints>)[],
  viewerId: number | null,
): Promise<Message[]> {
  const live = rows.filter((r) => r.deleted_at === null);
  const ids = (hint: "has_reactions" | "has_files") => live.filter((r) => r[hint] === undefined || Number(r[hint]) === 1).map((r) => Number(r.id));
  const roots = rows.filter((r) => Number(r.reply_count) > 0).map((r) => Number(r.id));
  const unhinted = [...new Set(rows.flatMap((r) => (r.sender_id === null || "sender_deactivated_at" in r ? [] : [Number(r.sender_id)])))];
  const [reactions, participants, files, deactivated] = await Promise.all([
    reactionSummaries(db, ids("has_reactions"), viewerId),
    threadParticipants(db, roots),
    attachmentsByMessage(db, ids("has_files")),
    deactivatedAmong(db, unhinted),
  ]);
  for (const r of rows) if (r.sender_id !== null && (r.sender_deactivated_at ?? null) !== null) deactivated.add(Number(r.sender_id));
  const byMessage = new Map<number, Reaction[]>();
  for (const r of reactions) {
    const list = byMessage.get(r.message_id) ?? [];
    list.push({ emoji: r.emoji, count: r.count, me: r.me, userIds: r.userIds });
    byMessage.set(r.message_id, list);
  }
  return rows.map((r) => {
    const m = toMessage(r, byMessage.get(Number(r.id)), participants.get(Number(r.id)), files.get(Number(r.id)));
    // Messages from a deactivated account stay, marked as such.
    return m.sender && deactivated.has(m.sender.id) ? { ...m, sender: { ...m.sender, deactivated: true } } : m;
  });
}

export async function history(
  svc: Services,
  auth: Auth,
  access: RoomAccess,
  q: { threadId?: number | undefined; before?: number | null | undefined; after?: number | null | undefined; limit: number },
): Promise<{ items: Message[]; nextCursor: number | null }> {
  const page = { roomId: Number(access.room.id), before: q.before ?? null, after: q.after ?? null, limit: q.limit };
  const { rows, hasMore } = q.threadId === undefined ? await listMessages(svc.db, page) : await threadPage(svc.db, { ...page, threadId: q.threadId });
  const items = await presentMessages(svc.db, rows, auth.userId);
  // Oldest→newest either way; the cursor continues in the direction asked (`after`: the newest id, else the oldest).
  const edge = page.after !== null ? items[items.length - 1] : items[0];
  return { items, nextCursor: hasMore && edge ? edge.id : null };
}
