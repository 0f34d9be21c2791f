import { listAllRooms, NO_UNREAD } from "@parley/client";
import { batch, createEffect, createSignal, onCleanup, untrack } from "solid-js";
import { createStore, produce, reconcile } from "solid-js/store";
import type { ChatClient } from "../lib/chat-client.ts";
import { withKnownMine } from "./message-ops.ts";
import { TimelineItems } from "./timeline.ts";
import { createPreviewWatch } from "./preview.ts";
import type { MemberItem, Message, RoomItem, StreamEvent, User } from "./types.ts";

/**
 * One room's loaded history: `items` oldest first (a plain list with its own
 * signal, kept out of the store's deep tracking: see state/timeline.ts);
 * `nextCursor` pages back.
 */
export interface RoomTimeline {
  items: TimelineItems;
  nextCursor: number | null;
  loaded: boolean;
  loadingOlder: boolean;
  error: string | null;
}

export interface TypingEntry {
  userId: number;
  username: string;
  until: number;
}

interface ChatState {
  rooms: RoomItem[];
  roomsLoaded: boolean;
  timelines: Record<number, RoomTimeline>;
  members: Record<number, MemberItem[]>;
  online: Record<number, boolean>;
  /** When each offline user was last seen (epoch ms), from members lists and presence events. */
  lastSeen: Record<number, number>;
  typing: Record<number, TypingEntry[]>;
  unread: Record<number, number>;
}

const PAGE = 50;
/** A typing notice without a follow-up is dropped after this long (a lost "stopped" must not stick). */
const TYPING_TTL_MS = 6_000;

/**
 * The chat state of one signed-in session, fed by the client's event stream.
 * `create*`: it subscribes on creation and unsubscribes on cleanup.
 */
export function createChat(client: ChatClient, me: User) {
  const [state, setState] = createStore<ChatState>({
    rooms: [],
    roomsLoaded: false,
    timelines: {},
    members: {},
    online: { [me.id]: true },
    lastSeen: {},
    typing: {},
    unread: {},
  });
  const [activeRoomId, setActiveRoomId] = createSignal<number | null>(null);
  /** Called for each message that arrives live (not from history), for the pill and announcements. */
  const arrivalListeners = new Set<(m: Message) => void>();

  async function loadRooms() {
    // Paged on the wire (rooms.list returns at most ROOM_PAGE_MAX), whole here: the sidebar needs every joined room.
    const rooms = await listAllRooms(client.api);
    setState("rooms", reconcile(rooms, { key: "id" }));
    setState("roomsLoaded", true);
  }

  async function loadOnline() {
    const users = await client.api.users.online.query();
    const online: Record<number, boolean> = { [me.id]: true };
    for (const u of users) online[u.id] = true;
    setState("online", reconcile(online));
  }

  async function loadMembers(roomId: number) {
    const members = await client.api.rooms.members.query({ roomId });
    setState("members", roomId, reconcile(members, { key: "userId" }));
    setState(
      "online",
      produce((o) => {
        for (const m of members) if (m.online) o[m.userId] = true;
      }),
    );
    setState(
      "lastSeen",
      produce((l) => {
        for (const m of members) if (m.lastSeen !== null) l[m.userId] = m.lastSeen;
      }),
    );
  }

  const clientIds = new Map<number, Set<string>>();
  function ensureTimeline(roomId: number) {
    if (!state.timelines[roomId]) {
      // The client ids a loaded timeline holds, so pending sends are matched to stored ones without a scan.
      const ids = new Set<string>();
      clientIds.set(roomId, ids);
      const items = new TimelineItems((m) => {
        if (m.clientId) ids.add(m.clientId);
      });
      setState("timelines", roomId, { items, nextCursor: null, loaded: false, loadingOlder: false, error: null });
    }
  }

  /** One room's loaded messages, if its timeline is loaded (untracked: writers only). */
  const timeline = (roomId: number): TimelineItems | undefined => untrack(() => state.timelines[roomId]?.items);

  async function loadLatest(roomId: number) {
    ensureTimeline(roomId);
    try {
      const page = await client.api.messages.list.query({ roomId, limit: PAGE });
      // The room may have gone (deleted, left) while the page was on its way.
      if (!state.timelines[roomId]) return;
      batch(() => {
        timeline(roomId)?.putAll(page.items);
        setState("timelines", roomId, (t) => ({
          ...t,
          // Keep the cursor if history was already paged further back.
          nextCursor: t.loaded ? t.nextCursor : page.nextCursor,
          loaded: true,
          error: null,
        }));
      });
    } catch (err) {
      // The room may be gone meanwhile (deleted, or we were removed): its timeline with it.
      if (state.timelines[roomId]) setState("timelines", roomId, "error", err instanceof Error ? err.message : String(err));
    }
  }

  /** Fetches the page before the oldest loaded message; `applyOlder` puts it in (split so the list can keep its scroll anchor). */
  async function fetchOlder(roomId: number): Promise<{ items: Message[]; nextCursor: number | null } | null> {
    const t = state.timelines[roomId];
    if (!t?.loaded || t.loadingOlder || t.nextCursor === null) return null;
    setState("timelines", roomId, "loadingOlder", true);
    try {
      return await client.api.messages.list.query({ roomId, before: t.nextCursor, limit: PAGE });
    } catch {
      if (state.timelines[roomId]) setState("timelines", roomId, "loadingOlder", false);
      return null;
    }
  }

  function applyOlder(roomId: number, page: { items: Message[]; nextCursor: number | null }) {
    if (!state.timelines[roomId]) return;
    batch(() => {
      timeline(roomId)?.prepend(page.items);
      setState("timelines", roomId, { nextCursor: page.nextCursor, loadingOlder: false });
    });
  }

  function upsertRoom(room: RoomItem) {
    const i = state.rooms.findIndex((r) => r.id === room.id);
    if (i === -1) setState("rooms", (rs) => [...rs, room]);
    else setState("rooms", i, room);
  }

  function patchRoom(roomId: number, patch: Partial<RoomItem>) {
    const i = state.rooms.findIndex((r) => r.id === roomId);
    if (i !== -1) setState("rooms", i, patch);
  }

  function dropRoom(roomId: number) {
    batch(() => {
      setState("rooms", (rs) => rs.filter((r) => r.id !== roomId));
      setState(
        produce((s) => {
          delete s.timelines[roomId];
          delete s.members[roomId];
          delete s.unread[roomId];
          delete s.typing[roomId];
        }),
      );
      if (activeRoomId() === roomId) setActiveRoomId(null);
    });
  }

  function forgetMembership(roomId: number) {
    const room = state.rooms.find((r) => r.id === roomId);
    if (!room || room.isPrivate) dropRoom(roomId);
    else {
      patchRoom(roomId, { isMember: false, isAdmin: false, memberCount: Math.max(0, room.memberCount - 1) });
      setState(
        produce((s) => {
          delete s.timelines[roomId];
          delete s.unread[roomId];
        }),
      );
    }
  }

  function setTyping(roomId: number, userId: number, username: string, isTyping: boolean) {
    const now = Date.now();
    const list = (state.typing[roomId] ?? []).filter((t) => t.userId !== userId && t.until > now);
    if (isTyping) list.push({ userId, username, until: now + TYPING_TTL_MS });
    setState("typing", roomId, list);
  }

  /** Sweeps stale typing entries; they are also filtered on read. */
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, list] of Object.entries(state.typing)) {
      if (list.some((t) => t.until <= now)) {
        setState(
          "typing",
          Number(key),
          list.filter((t) => t.until > now),
        );
      }
    }
  }, 1_000);
  onCleanup(() => clearInterval(sweep));

  function onMessage(m: Message) {
    timeline(m.roomId)?.put(m);
    if (m.sender) setTyping(m.roomId, m.sender.id, m.sender.username, false);
    const mine = m.sender?.id === me.id;
    if (!mine && m.kind === "text" && (activeRoomId() !== m.roomId || document.hidden)) {
      setState("unread", m.roomId, (n) => (n ?? 0) + 1);
    }
    for (const fn of arrivalListeners) fn(m);
  }

  function handle(e: StreamEvent) {
    switch (e.type) {
      case "ready":
        void refreshAll();
        return;
      case "resync":
        // The stream could not replay what we missed: start over from the server's truth.
        setState("timelines", reconcile({}));
        void refreshAll();
        return;
      case "message.created":
        // The timeline is what history lists: a reply shown only in its thread stays out of it.
        if (e.message.threadId === null || e.message.alsoToRoom) onMessage(e.message);
        return;
      case "room.created": {
        const mine = e.room.createdBy === me.id;
        upsertRoom({ ...e.room, ...NO_UNREAD, isMember: mine, isAdmin: mine, memberCount: 1 });
        return;
      }
      case "room.updated": {
        const existing = state.rooms.find((r) => r.id === e.roomId);
        if (existing) {
          if (e.room.isPrivate && !existing.isMember) dropRoom(e.roomId);
          else patchRoom(e.roomId, e.room);
        } else if (!e.room.isPrivate) {
          upsertRoom({ ...e.room, ...NO_UNREAD, isMember: false, isAdmin: false, memberCount: 0 });
        }
        return;
      }
      case "room.deleted":
        dropRoom(e.roomId);
        return;
      case "room.hidden": {
        // A public room turned private: gone for non-members (a preview ends with it); members get its room.updated.
        const existing = state.rooms.find((r) => r.id === e.roomId);
        if (existing?.isMember) patchRoom(e.roomId, { isPrivate: true });
        else dropRoom(e.roomId);
        return;
      }
      case "member.joined": {
        const existing = state.rooms.find((r) => r.id === e.roomId);
        const isMe = e.member.userId === me.id;
        if (existing) {
          patchRoom(e.roomId, {
            ...(isMe ? { isMember: true, isAdmin: e.member.isAdmin } : {}),
            memberCount: existing.memberCount + 1,
          });
        } else {
          upsertRoom({ ...e.room, ...NO_UNREAD, isMember: isMe, isAdmin: isMe && e.member.isAdmin, memberCount: 1 });
        }
        if (state.members[e.roomId]) {
          const m: MemberItem = { ...e.member, online: !!state.online[e.member.userId], lastSeen: null, avatarUrl: null };
          setState("members", e.roomId, (ms) => [...ms.filter((x) => x.userId !== m.userId), m]);
        }
        return;
      }
      case "member.left":
      case "member.removed": {
        if (e.userId === me.id) {
          forgetMembership(e.roomId);
          return;
        }
        const existing = state.rooms.find((r) => r.id === e.roomId);
        if (existing) patchRoom(e.roomId, { memberCount: Math.max(0, existing.memberCount - 1) });
        if (state.members[e.roomId]) setState("members", e.roomId, (ms) => ms.filter((x) => x.userId !== e.userId));
        setTyping(e.roomId, e.userId, "", false);
        return;
      }
      case "member.admin": {
        if (e.userId === me.id) patchRoom(e.roomId, { isAdmin: e.isAdmin });
        const ms = state.members[e.roomId];
        const i = ms?.findIndex((x) => x.userId === e.userId) ?? -1;
        if (i !== -1) setState("members", e.roomId, i, "isAdmin", e.isAdmin);
        return;
      }
      case "typing":
        if (e.userId !== me.id) setTyping(e.roomId, e.userId, e.username, e.isTyping);
        return;
      case "presence":
        setState("online", e.userId, e.online || e.userId === me.id);
        if (!e.online) setState("lastSeen", e.userId, e.lastSeen ?? Date.now());
        if (!e.online) {
          for (const key of Object.keys(state.typing)) setTyping(Number(key), e.userId, e.username, false);
        }
        return;
    }
  }

  /** The public room open without being a member: previewed, and watched so it stays live. */
  function previewedRoom(): number | null {
    const id = activeRoomId();
    const room = id === null ? undefined : state.rooms.find((r) => r.id === id);
    return room && !room.isMember && !room.isPrivate ? room.id : null;
  }
  const preview = createPreviewWatch(client, previewedRoom);
  // Joining, leaving or switching rooms changes what is previewed.
  createEffect(() => void preview.sync());

  async function refreshAll() {
    await preview.sync(true);
    await Promise.allSettled([loadRooms(), loadOnline()]);
    const id = activeRoomId();
    if (id !== null && state.rooms.some((r) => r.id === id && (r.isMember || !r.isPrivate))) {
      await Promise.allSettled([loadLatest(id), loadMembers(id)]);
    }
  }

  const offEvents = client.onEvent(handle);
  onCleanup(offEvents);

  /** Opening a room loads its latest page and members once, and clears its unread count. */
  function openRoom(roomId: number | null) {
    setActiveRoomId(roomId);
    if (roomId === null) return;
    setState("unread", roomId, 0);
    const t = state.timelines[roomId];
    if (previewedRoom() === roomId) {
      // Not a member: nothing kept this timeline current. Watch first, then load, so nothing falls between.
      void preview.sync().then(() => loadLatest(roomId));
    } else if (!t || (!t.loaded && !t.error)) void loadLatest(roomId);
    else if (t.error) void loadLatest(roomId);
    void loadMembers(roomId).catch(() => undefined);
  }

  return {
    state,
    me,
    activeRoomId,
    openRoom,
    loadRooms,
    fetchOlder,
    applyOlder,
    loadLatest,
    loadMembers,
    refreshAll,
    /** Adds a message we know about (e.g. the send's acknowledgement) before its event arrives. */
    acknowledge: (m: Message) => {
      timeline(m.roomId)?.put(m);
    },
    /**
     * Changes one message of a loaded timeline, found by id (O(log n)), merged in
     * place so its row (and the focus inside it) stays. Events call this (state/conversation.ts).
     */
    patchMessage: (roomId: number, messageId: number, fn: (m: Message) => Message) => {
      timeline(roomId)?.patch(messageId, fn);
    },
    /** A reply to what we know (our own edit's answer), keeping what we knew of our reactions. */
    acknowledgeEdit: (m: Message) => {
      timeline(m.roomId)?.patch(m.id, (known) => (known.rev <= m.rev ? withKnownMine(known, m) : known));
    },
    markRead: (roomId: number) => setState("unread", roomId, 0),
    /** Whether the room's loaded timeline holds the message sent with this client id (O(1)). */
    holdsClientId: (roomId: number, clientId: string) => clientIds.get(roomId)?.has(clientId) ?? false,
    /** A room's badge as the server counts it (components/attention). */
    setUnread: (roomId: number, count: number) => setState("unread", roomId, count),
    onArrival: (fn: (m: Message) => void) => {
      arrivalListeners.add(fn);
      return () => arrivalListeners.delete(fn);
    },
    upsertRoom,
    dropRoom,
  };
}

export type Chat = ReturnType<typeof createChat>;
