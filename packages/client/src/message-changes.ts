import type { Message } from "@parley/api";
import type { EventOf } from "./types.ts";

/**
 * How one stream event changes a message the client holds: plain functions
 * from the message held and the event to the new message, or null when the
 * event must not apply. Every event carries absolute values (the new text,
 * the emoji's count), so applying one again, or one a fresher read of
 * history already reflects, ends in the same state once the stream has
 * caught up; the guards below only keep a stale event from undoing a fresher
 * read meanwhile (a delete is final, revs and reply counts only grow).
 */

type Thread = Message["thread"];
export type ReactionEvent = EventOf<"reaction.added"> | EventOf<"reaction.removed">;

/** The summary with more replies: `replyCount` counts every reply ever written, so it only grows. */
export function newerThread(a: Thread, b: Thread): Thread {
  if (a === null) return b;
  if (b === null) return a;
  return b.replyCount >= a.replyCount ? b : a;
}

/** Which of two reads of one message is the later one (a tombstone, then the higher rev, then more replies; else `b`). */
export function later(a: Message, b: Message): Message {
  if ((a.deletedAt !== null) !== (b.deletedAt !== null)) return a.deletedAt !== null ? a : b;
  if (a.rev !== b.rev) return a.rev > b.rev ? a : b;
  return (a.thread?.replyCount ?? 0) > (b.thread?.replyCount ?? 0) ? a : b;
}

/**
 * A message from an event (`message.updated`, `message.deleted`) over the one
 * held: stream events say `me: false` on every reaction, so each emoji keeps
 * the `me` the client knew.
 */
export function fromEvent(held: Message, next: Message): Message | null {
  if (held.deletedAt !== null && next.deletedAt === null) return null;
  if (next.deletedAt === null && next.rev < held.rev) return null;
  const me = new Map(held.reactions.map((r) => [r.emoji, r.me]));
  return {
    ...next,
    reactions: next.reactions.map((r) => ({ ...r, me: me.get(r.emoji) ?? false })),
    thread: newerThread(held.thread, next.thread),
  };
}

/**
 * One emoji's new count and first ten; `me` changes only when the reaction
 * is the client's own. The emoji goes where the event says it now stands
 * (history lists emoji by first reaction, so it can move when its first
 * reactor leaves; only it moves); one whose count fell to 0 goes. An event
 * that does not say (version 1) leaves it in place, a new one last.
 */
export function withReaction(held: Message, e: ReactionEvent, myId: number | null): Message | null {
  if (held.deletedAt !== null) return null;
  const i = held.reactions.findIndex((r) => r.emoji === e.emoji);
  const before = held.reactions[i];
  const me = e.userId === myId ? e.type === "reaction.added" : (before?.me ?? false);
  const reaction = { emoji: e.emoji, count: e.count, me, userIds: e.userIds };
  const reactions = held.reactions.filter((r) => r.emoji !== e.emoji);
  if (e.count > 0) reactions.splice(e.index ?? (i < 0 ? reactions.length : i), 0, reaction);
  return { ...held, reactions };
}

/** A root's new thread summary, unless the one held already counts more replies. */
export function withThread(held: Message, e: EventOf<"thread.updated">): Message | null {
  if (held.thread !== null && held.thread.replyCount > e.thread.replyCount) return null;
  return { ...held, thread: e.thread };
}
