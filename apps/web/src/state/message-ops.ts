import { type EventOf, messageChanges } from "@parley/client";
import type { Message } from "./types.ts";

/**
 * How conversation events change one message, for the room's timeline and the
 * thread panel: the client library's rules (`messageChanges`, the same ones
 * `createRoomState` applies), each O(reactions on that message).
 */

export type ReactionEvent = messageChanges.ReactionEvent;

/**
 * A newer copy of a message (an edit, a tombstone, a history page): stream
 * copies carry `me: false` on every reaction, so what we knew of our own
 * reactions is kept; a stale copy (a lower rev, an undeleted one after a
 * delete) changes nothing.
 */
export function withKnownMine(known: Message, next: Message): Message {
  return messageChanges.fromEvent(known, next) ?? known;
}

/** A reaction change: the emoji's new count, first ten and place; `me` set or cleared only when the reactor is us. */
export function applyReaction(m: Message, e: ReactionEvent, meId: number): Message {
  return messageChanges.withReaction(m, e, meId) ?? m;
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
      return { messageId: e.messageId, apply: (m) => withKnownMine(m, e.message) };
    case "reaction.added":
    case "reaction.removed":
      return { messageId: e.messageId, apply: (m) => applyReaction(m, e, meId) };
    case "thread.updated":
      return { messageId: e.messageId, apply: (m) => messageChanges.withThread(m, e) ?? m };
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
