import { listAllRooms } from "./rooms.ts";
import { makeStore, type Readable } from "./store.ts";
import type { EventOf, ParleyClient } from "./types.ts";

/** One room's read state, as the server keeps it (issue 14), kept current from the stream. */
export interface RoomUnread {
  lastReadId: number;
  unreadCount: number;
  mentionCount: number;
  muted: boolean;
  /** What a badge shows: a muted room only its mentions. */
  badgeCount: number;
  isDm: boolean;
}

export interface ThreadUnread {
  roomId: number;
  lastReadId: number;
  unreadCount: number;
}

export interface UnreadSnapshot {
  rooms: ReadonlyMap<number, RoomUnread>;
  threads: ReadonlyMap<number, ThreadUnread>;
  /** Sum of the rooms' badges: the `(N)` of a title. */
  total: number;
}

export interface UnreadState extends Readable<UnreadSnapshot> {
  /** Reads every room's state from the server (`rooms.list`) and followed threads (`threads.list`); call after a `resync`. */
  load(): Promise<void>;
  /** Moves the room's marker forward to `messageId` (nothing is sent when it is already there). */
  markRead(roomId: number, messageId: number): Promise<void>;
  markThreadRead(threadId: number, messageId: number): Promise<void>;
  close(): void;
}

const badge = (r: Omit<RoomUnread, "badgeCount">): RoomUnread => ({ ...r, badgeCount: r.muted ? r.mentionCount : r.unreadCount });

/**
 * Unread and mention counts per room and per followed thread: loaded from
 * the server, then kept by the stream in O(1) per event — a new message of
 * someone else's counts (and counts as a mention when it names the user,
 * says `@room`, or is in a DM), one's own moves the marker to it (the server
 * does the same), and `read.updated` (any device or tab of the user's)
 * replaces a room's or thread's counts with the server's.
 */
export function createUnreadState(client: ParleyClient): UnreadState {
  const rooms = new Map<number, RoomUnread>();
  const threads = new Map<number, ThreadUnread>();
  const store = makeStore<UnreadSnapshot>({ rooms, threads, total: 0 }, () => {});
  const publish = () => {
    let total = 0;
    for (const r of rooms.values()) total += r.badgeCount;
    store.set({ rooms, threads, total });
  };
  const me = () => client.user?.id ?? -1;

  const onMessage = (e: EventOf<"message.created">) => {
    const m = e.message;
    const room = rooms.get(e.roomId);
    if (m.threadId !== null && !m.alsoToRoom) {
      const t = threads.get(m.threadId);
      if (t && m.sender?.id !== me()) threads.set(m.threadId, { ...t, unreadCount: t.unreadCount + 1 });
      else if (t) threads.set(m.threadId, { ...t, lastReadId: m.id, unreadCount: 0 });
      return publish();
    }
    if (!room || m.kind !== "text") return;
    if (m.sender?.id === me()) rooms.set(e.roomId, badge({ ...room, lastReadId: m.id, unreadCount: 0, mentionCount: 0 }));
    else if (m.id > room.lastReadId) {
      const mentioned = room.isDm || m.mentions.room || m.mentions.userIds.includes(me());
      rooms.set(e.roomId, badge({ ...room, unreadCount: room.unreadCount + 1, mentionCount: room.mentionCount + (mentioned ? 1 : 0) }));
    }
    publish();
  };
  const onRead = (e: EventOf<"read.updated">) => {
    if (e.threadId !== null) {
      threads.set(e.threadId, { roomId: e.roomId, lastReadId: e.lastReadId, unreadCount: e.unreadCount });
    } else {
      const room = rooms.get(e.roomId);
      if (room) rooms.set(e.roomId, badge({ ...room, lastReadId: e.lastReadId, unreadCount: e.unreadCount, mentionCount: e.mentionCount }));
    }
    publish();
  };
  const onGone = (e: EventOf<"member.left"> | EventOf<"member.removed">) => {
    if (e.userId !== me()) return;
    rooms.delete(e.roomId);
    publish();
  };
  const onJoined = (e: EventOf<"member.joined">) => {
    if (e.member.userId !== me() || rooms.has(e.roomId)) return;
    // A new member starts with the room read (the server puts the marker at its end).
    rooms.set(e.roomId, badge({ lastReadId: 0, unreadCount: 0, mentionCount: 0, muted: false, isDm: e.room.kind === "dm" }));
    publish();
  };
  const offs = [
    client.events.on("message.created", onMessage),
    client.events.on("read.updated", onRead),
    client.events.on("member.left", onGone),
    client.events.on("member.removed", onGone),
    client.events.on("member.joined", onJoined),
    client.events.on("resync", () => void state.load().catch(() => {})),
  ];

  const state: UnreadState = {
    get: store.get,
    subscribe: store.subscribe,
    async load() {
      const [list, followed] = await Promise.all([listAllRooms(client.api), client.api.threads.list.query({ limit: 100 })]);
      rooms.clear();
      for (const r of list) {
        if (!r.isMember) continue;
        rooms.set(r.id, badge({ lastReadId: r.lastReadId ?? 0, unreadCount: r.unreadCount, mentionCount: r.mentionCount, muted: r.muted, isDm: r.kind === "dm" }));
      }
      threads.clear();
      for (const t of followed) threads.set(t.threadId, { roomId: t.roomId, lastReadId: t.lastReadId, unreadCount: t.unreadCount });
      publish();
    },
    async markRead(roomId, messageId) {
      const room = rooms.get(roomId);
      if (room && messageId <= room.lastReadId) return;
      const s = await client.api.rooms.markRead.mutate({ roomId, messageId });
      const now = rooms.get(roomId);
      if (now && s.lastReadId >= now.lastReadId) rooms.set(roomId, badge({ ...now, lastReadId: s.lastReadId, unreadCount: s.unreadCount, mentionCount: s.mentionCount }));
      publish();
    },
    async markThreadRead(threadId, messageId) {
      const t = threads.get(threadId);
      if (t && messageId <= t.lastReadId) return;
      const s = await client.api.threads.markRead.mutate({ threadId, messageId });
      threads.set(threadId, { roomId: s.roomId, lastReadId: s.lastReadId, unreadCount: s.unreadCount });
      publish();
    },
    close() {
      for (const off of offs) off();
    },
  };
  return state;
}

/** The read-state fields of a `rooms.list` item for a room known only from an event (no counts yet: `load()` or `rooms.list` brings them). */
export const NO_UNREAD = { lastReadId: null, unreadCount: 0, mentionCount: 0, notifyLevel: "mentions", muted: false, badgeCount: 0 } as const;
