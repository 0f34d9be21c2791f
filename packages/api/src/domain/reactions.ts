import {
  deleteReaction,
  emojiOnMessage,
  emojiIndex,
  emojiSummary,
  findReactionTarget,
  hasReaction,
  insertReaction,
  type Kysely,
  type Database,
  listReactors,
  type ReactionTarget,
} from "@parley/db";
import { conflict, DomainError, forbidden, notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Auth } from "./auth.ts";
import type { LazyEmojiTable } from "./emoji.ts";

/** Distinct emoji a message may carry: a wall of reactions stops being an answer. */
export const MAX_EMOJI_PER_MESSAGE = 50;

/** What `react`/`unreact` answer: the reaction as it now stands, and whether this call changed it. */
export interface ReactionState {
  roomId: number;
  messageId: number;
  emoji: string;
  count: number;
  /** The first ten who reacted, in order. */
  userIds: number[];
  /** Whether the caller has reacted with it. */
  me: boolean;
  /** False for a repeat: nothing was written and no event was emitted. */
  changed: boolean;
}

export interface Reactor {
  userId: number;
  username: string;
  reactedAt: number;
}

const badEmoji = (input: string) =>
  new DomainError("BAD_REQUEST", /^:.*:$/.test(input.trim()) ? `Unknown emoji shortcode ${input.trim()}` : "Not an emoji: react with one emoji or a :shortcode:");

/** One emoji or `:shortcode:` as it is stored; BAD_REQUEST for anything else. */
async function canonicalEmoji(table: LazyEmojiTable, input: string): Promise<string> {
  const emoji = await table.resolve(input);
  if (emoji === null) throw badEmoji(input);
  return emoji;
}

/** A message the caller cannot see does not exist for them (private room, deleted room, no such message). */
function visible(target: ReactionTarget | undefined): ReactionTarget {
  if (!target || (Number(target.is_private) === 1 && !target.is_member)) throw notFound("Message");
  return target;
}

/** Only members react, and never to a tombstone (it has no reactions). */
function reactable(target: ReactionTarget | undefined): ReactionTarget {
  const t = visible(target);
  if (!t.is_member) throw forbidden("Join the room first");
  if (t.deleted_at !== null) throw new DomainError("BAD_REQUEST", "That message was deleted");
  return t;
}

/**
 * Adds the caller's `emoji` to a message. Idempotent: reacting again
 * changes nothing and emits nothing. Access and the 50-emoji cap are read
 * inside the write transaction, so they hold under concurrent reactions
 * (on PostgreSQL every write transaction takes the event-log lock first).
 */
export async function react(svc: Services, auth: Auth, input: { messageId: number; emoji: string }): Promise<ReactionState> {
  const emoji = await canonicalEmoji(svc.emoji, input.emoji);
  const key = { messageId: input.messageId, emoji, userId: auth.userId };
  return svc.writes.run(async (tx, now) => {
    const target = reactable(await findReactionTarget(tx.db, input.messageId, auth.userId));
    const roomId = Number(target.room_id);
    if (await hasReaction(tx.db, key)) return { result: await state(tx.db, roomId, key, true, false), events: [] };
    const { present, distinct } = await emojiOnMessage(tx.db, input.messageId, emoji);
    if (!present && distinct >= MAX_EMOJI_PER_MESSAGE) {
      throw conflict(`A message can carry at most ${MAX_EMOJI_PER_MESSAGE} different emoji: add to one already there`);
    }
    await insertReaction(tx.db, { ...key, now });
    const s = await state(tx.db, roomId, key, true, true);
    return { result: s, events: [changeEvent("reaction.added", s, auth.userId, await emojiIndex(tx.db, key.messageId, emoji))] };
  });
}

/** Takes the caller's `emoji` off a message. Idempotent, like `react`. */
export async function unreact(svc: Services, auth: Auth, input: { messageId: number; emoji: string }): Promise<ReactionState> {
  const emoji = await canonicalEmoji(svc.emoji, input.emoji);
  const key = { messageId: input.messageId, emoji, userId: auth.userId };
  return svc.writes.run(async (tx) => {
    const target = reactable(await findReactionTarget(tx.db, input.messageId, auth.userId));
    const roomId = Number(target.room_id);
    if (!(await hasReaction(tx.db, key))) return { result: await state(tx.db, roomId, key, false, false), events: [] };
    await deleteReaction(tx.db, key);
    const s = await state(tx.db, roomId, key, false, true);
    return { result: s, events: [changeEvent("reaction.removed", s, auth.userId, await emojiIndex(tx.db, key.messageId, emoji))] };
  });
}

async function state(
  db: Kysely<Database>,
  roomId: number,
  key: { messageId: number; emoji: string },
  me: boolean,
  changed: boolean,
): Promise<ReactionState> {
  const { count, userIds } = await emojiSummary(db, key.messageId, key.emoji);
  return { roomId, messageId: key.messageId, emoji: key.emoji, count, userIds, me, changed };
}

/** The count, first ten and place after the change, so a client applies it in O(1) without reading anything. */
function changeEvent(type: "reaction.added" | "reaction.removed", s: ReactionState, userId: number, index: number | null) {
  return {
    body: { type, roomId: s.roomId, messageId: s.messageId, emoji: s.emoji, userId, count: s.count, userIds: s.userIds, index },
    scope: "room" as const,
  };
}

const encodeCursor = (r: { createdAt: number; userId: number }) => `${r.createdAt}.${r.userId}`;
function decodeCursor(cursor: string): { createdAt: number; userId: number } {
  const [createdAt, userId] = cursor.split(".").map(Number);
  if (createdAt === undefined || userId === undefined) throw new DomainError("BAD_REQUEST", "Not a cursor from this list");
  return { createdAt, userId };
}

/**
 * Everyone who reacted to a message with one emoji, in the order they did,
 * a page at a time. Whoever may read the room's history may read this (a
 * public room's too); a tombstone has no reactions.
 */
export async function reactors(
  svc: Services,
  auth: Auth,
  q: { messageId: number; emoji: string; cursor?: string | null | undefined; limit: number },
): Promise<{ items: Reactor[]; nextCursor: string | null }> {
  const emoji = await canonicalEmoji(svc.emoji, q.emoji);
  const target = visible(await findReactionTarget(svc.db, q.messageId, auth.userId));
  if (target.deleted_at !== null) return { items: [], nextCursor: null };
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const { rows, hasMore } = await listReactors(svc.db, { messageId: q.messageId, emoji, after, limit: q.limit });
  const items = rows.map((r) => ({ userId: Number(r.user_id), username: r.username, reactedAt: Number(r.created_at) }));
  const last = items.at(-1);
  return { items, nextCursor: hasMore && last ? encodeCursor({ createdAt: last.reactedAt, userId: last.userId }) : null };
}
