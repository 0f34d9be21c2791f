import type { ParleyClient, UnreadSnapshot } from "@parley/client";
import { onCleanup } from "solid-js";
import { createStore } from "solid-js/store";

/**
 * Where each room's "New messages" divider sits: the server's read marker
 * (`rooms.list`'s `lastReadId`, then `read.updated`), so it is right after
 * a reload and on every device. It stays put while this tab reads (this
 * tab's own `markRead`s are remembered and their echoes ignored) and moves
 * when the marker moves for another reason: another tab or device read
 * further, or a `markUnread` moved it back.
 */
export interface Dividers {
  /** The last message read before the divider, or null while the room's marker is unknown. Reactive. */
  at(roomId: number): number | null;
  /** The first load of `rooms.list` is in: every room's divider starts at its marker. */
  seed(snap: UnreadSnapshot): void;
  /** This tab is reading the room up to `messageId`: the echo of that must not move its divider. */
  reading(roomId: number, messageId: number): void;
}

export function createDividers(client: ParleyClient): Dividers {
  const [at, setAt] = createStore<Record<number, number>>({});
  /** The highest message this tab has marked read, per room. */
  const asked = new Map<number, number>();
  /** The marker as the server last told it, per room. */
  const server = new Map<number, number>();

  const follow = (roomId: number, lastReadId: number) => {
    const prev = server.get(roomId);
    server.set(roomId, lastReadId);
    if (prev === undefined || lastReadId < prev || lastReadId > (asked.get(roomId) ?? 0)) setAt(roomId, lastReadId);
  };
  const off = client.events.on("read.updated", (e) => {
    if (e.threadId === null) follow(e.roomId, e.lastReadId);
  });
  onCleanup(off);

  return {
    at: (roomId) => at[roomId] ?? null,
    seed(snap) {
      for (const [roomId, r] of snap.rooms) if (!server.has(roomId)) follow(roomId, r.lastReadId);
    },
    reading(roomId, messageId) {
      if (messageId > (asked.get(roomId) ?? 0)) asked.set(roomId, messageId);
    },
  };
}
