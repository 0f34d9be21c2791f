import type { EventOf } from "@parley/client";
import type { Message } from "./types.ts";

/**
 * How conversation events change one message: pure functions, shared by the
 * room's timeline and the thread panel, each O(reactions on that message).
 */

export type ReactionEvent = EventOf<"reaction.added"> | EventOf<"reaction.removed">;

/**
 * A newer copy of a message (an edit, a tombstone, a history page): stream
 * copies carry `me: false` on every reaction, so what we knew of our own
 * reactions is kept.
 */
export function withKnownMine(known: Message, next: Message): Message {
  if (next.reactions.length === 0 || known.reactions.every((r) => !r.me)) return next;
  const mine = new Set(known.reactions.filter((r) => r.me).map((r) => r.emoji));
  return { ...next, reactions: next.reactions.map((r) => (mine.has(r.emoji) && !r.me ? { ...r, me: true } : r)) };
}

/** A reaction change: the emoji's new count and first ten; `me` set or cleared only when the reactor is us. */
export function applyReaction(m: Message, e: ReactionEvent, meId: number): Message {
  if (m.deletedAt !== null) return m;
  const added = e.type === "reaction.added";
  const i = m.reactions.findIndex((r) => r.emoji === e.emoji);
  const old = m.reactions[i];
  const me = e.userId === meId ? added : (old?.me ?? false);
  const reactions = [...m.reactions];
  if (e.count === 0) {
    if (i !== -1) reactions.splice(i, 1);
  } else if (old) reactions[i] = { emoji: e.emoji, count: e.count, userIds: e.userIds, me };
  else reactions.push({ emoji: e.emoji, count: e.count, userIds: e.userIds, me });
  return { ...m, reactions };
}

/** Index of message `id` in a list sorted by id, or -1: O(log n), so events never scan a timeline. */
export function indexById(items: readonly Message[], id: number): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = items[mid]?.id ?? 0;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The change an event makes to one message, or null if it is not about a message. */
export function messagePatch(e: EventOf<"message.updated" | "message.deleted" | "reaction.added" | "reaction.removed" | "thread.updated">, meId: number): {
  messageId: number;
  apply: (m: Message) => Message;
} {
  switch (e.type) {
    case "message.updated":
      return { messageId: e.message.id, apply: (m) => withKnownMine(m, e.message) };
    case "message.deleted":
      return { messageId: e.messageId, apply: () => e.message };
    case "reaction.added":
    case "reaction.removed":
      return { messageId: e.messageId, apply: (m) => applyReaction(m, e, meId) };
    case "thread.updated":
      return { messageId: e.messageId, apply: (m) => ({ ...m, thread: e.thread }) };
  }
}

/** Who reacted, in words: the names we know, then "and N others" for the rest. */
export function reactorsText(userIds: readonly number[], count: number, nameOf: (id: number) => string | undefined, meId: number): string {
  const names: string[] = [];
  for (const id of userIds) {
    const name = id === meId ? "you" : nameOf(id);
    if (name) names.push(name);
  }
  const others = count - names.length;
  if (names.length === 0) return `${count} ${count === 1 ? "person" : "people"}`;
  if (others <= 0) return names.length === 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `${names.join(", ")} and ${others} ${others === 1 ? "other" : "others"}`;
}
