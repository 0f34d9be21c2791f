import type { Message, StreamEvent } from "@parley/api";
import { errorMessage } from "./errors.ts";
import { fromEvent, later, withReaction, withThread } from "./message-changes.ts";
import { MessageList } from "./message-list.ts";
import type { Readable } from "./store.ts";
import type { ParleyClient } from "./types.ts";

/** A room's messages as the client knows them. Arrays are frozen; a changed message is a new object. */
export interface RoomSnapshot {
  /** `loading` until the first page is read. */
  status: "loading" | "ready" | "closed";
  /** The timeline, oldest first: roots, unthreaded messages and replies also sent to the room (as `messages.list`). */
  messages: readonly Message[];
  /** Whether history holds messages older than the first (see `loadOlder`). */
  hasOlder: boolean;
  /** The followed threads by root id: the root, then its replies oldest first (as `messages.list` with `threadId`). */
  threads: ReadonlyMap<number, readonly Message[]>;
  /** Why the last read of history failed, until one succeeds. */
  error?: string;
}

export interface RoomStateOptions {
  /** Messages per page of history (default 50, at most 100). */
  pageSize?: number;
  /** Follow the thread of every root in the timeline, not only those passed to `followThread` (default false). */
  followThreads?: boolean;
}

export interface RoomState extends Readable<RoomSnapshot> {
  /** Resolves once the latest page is read (rejects if it could not be). */
  readonly ready: Promise<void>;
  /** Reads the page before the first message into the timeline. */
  loadOlder(): Promise<void>;
  /** Reads a thread (up to its 2,000 newest replies) and keeps it from the stream from then on. */
  followThread(rootId: number): Promise<void>;
  unfollowThread(rootId: number): void;
  /** Stops listening; the last snapshot stays readable. */
  close(): void;
}

const THREAD_PAGE = 100;
const THREAD_PAGES = 20;
const APPLIED = new Set<StreamEvent["type"]>([
  "message.created",
  "message.updated",
  "message.deleted",
  "reaction.added",
  "reaction.removed",
  "thread.updated",
  "resync",
]);

/**
 * Keeps one room's messages from history plus the stream, with edits,
 * deletes, reactions and thread summaries applied, so bots and the web app
 * do not each re-implement it. Each event is O(1) (a map by id and arrays
 * in id order; see MessageList). Reads of history are serialised, and while
 * one is under way the room's events wait, then apply on top of what it
 * read; after a `resync` everything is read again.
 */
export function createRoomState(client: ParleyClient, roomId: number, options: RoomStateOptions = {}): RoomState {
  const { api } = client;
  const pageSize = options.pageSize ?? 50;
  const followAll = options.followThreads ?? false;
  const timeline = new MessageList();
  const threads = new Map<number, MessageList>();
  /** Threads asked for by `followThread` (with `followThreads`, the timeline's roots are followed too). */
  const followed = new Set<number>();
  /** The current version of every message held, in the timeline or a thread. */
  const known = new Map<number, Message>();
  let status: RoomSnapshot["status"] = "loading";
  let cursor: number | null = null;
  let error: string | undefined;
  let closed = false;

  let snapshot: RoomSnapshot | null = null;
  const listeners = new Set<(s: RoomSnapshot) => void>();
  let notifying = false;
  const call = (fn: (s: RoomSnapshot) => void, s: RoomSnapshot) => {
    try {
      fn(s);
    } catch (err) {
      console.error("parley: a room state subscriber threw", err);
    }
  };
  /** Subscribers hear once per burst of events (a replay after a reconnect), in a microtask. */
  function changed(): void {
    snapshot = null;
    if (notifying) return;
    notifying = true;
    queueMicrotask(() => {
      notifying = false;
      const s = get();
      for (const fn of [...listeners]) call(fn, s);
    });
  }
  function get(): RoomSnapshot {
    snapshot ??= {
      status,
      messages: timeline.view(),
      hasOlder: cursor !== null,
      threads: new Map([...threads].map(([id, list]) => [id, list.view()])),
      ...(error === undefined ? {} : { error }),
    };
    return snapshot;
  }

  function put(m: Message): void {
    known.set(m.id, m);
    timeline.replace(m);
    threads.get(m.threadId ?? m.id)?.replace(m);
    changed();
  }

  /** After a read of history: each message once, its latest version in every list that holds it. */
  function reindex(): void {
    known.clear();
    for (const list of [timeline, ...threads.values()]) {
      for (const m of list.values()) {
        const held = known.get(m.id);
        known.set(m.id, held ? later(held, m) : m);
      }
    }
    for (const m of known.values()) put(m);
    changed();
  }

  function created(m: Message): void {
    if (known.has(m.id)) return;
    const first = timeline.first();
    const older = cursor !== null && first !== undefined && m.id < first.id;
    if ((m.threadId === null || m.alsoToRoom) && !older) timeline.add(m);
    const thread = m.threadId === null ? undefined : threads.get(m.threadId);
    thread?.add(m);
    // A new root has no replies yet: following its thread needs no read.
    if (followAll && m.threadId === null && timeline.get(m.id)) threads.set(m.id, new MessageList([m]));
    if (timeline.get(m.id) || thread) put(m);
  }

  function apply(e: StreamEvent): void {
    switch (e.type) {
      case "message.created":
        created(e.message);
        return;
      case "message.updated":
      case "message.deleted": {
        const held = known.get(e.message.id);
        const next = held && fromEvent(held, e.message);
        if (next) put(next);
        return;
      }
      case "reaction.added":
      case "reaction.removed": {
        const held = known.get(e.messageId);
        const next = held && withReaction(held, e, client.user?.id ?? null);
        if (next) put(next);
        return;
      }
      case "thread.updated": {
        const held = known.get(e.messageId);
        const next = held && withThread(held, e);
        if (next) put(next);
        return;
      }
      case "resync":
        refetch().catch(() => {});
        return;
      default:
        return;
    }
  }

  let reads = 0;
  let waiting: StreamEvent[] = [];
  let chain: Promise<void> = Promise.resolve();
  /** Runs one read of history after the others; `read` returns what to change once it is done. */
  function load(read: () => Promise<() => void>): Promise<void> {
    reads++;
    const run = chain.then(async () => {
      try {
        const commit = await read();
        if (closed) return;
        commit();
        error = undefined;
      } catch (err) {
        error = errorMessage(err);
        throw err;
      } finally {
        reads--;
        if (reads === 0 && !closed) {
          const events = waiting;
          waiting = [];
          for (const e of events) apply(e);
        }
        changed();
      }
    });
    chain = run.catch(() => {});
    return run;
  }

  async function readThread(rootId: number): Promise<Message[]> {
    const pages: Message[][] = [];
    let before: number | null = null;
    for (let i = 0; i < THREAD_PAGES; i++) {
      const page: { items: Message[]; nextCursor: number | null } = await api.messages.list.query({ roomId, threadId: rootId, before, limit: THREAD_PAGE });
      pages.unshift(page.items);
      if (page.nextCursor === null) break;
      before = page.nextCursor;
    }
    return pages.flat();
  }

  /** The followed threads among `page` (and `extra`): a root nobody replied to needs no read. */
  async function readThreads(page: readonly Message[], extra: Iterable<number>): Promise<Map<number, Message[]>> {
    const out = new Map<number, Message[]>();
    if (followAll) for (const m of page) if (m.threadId === null && m.thread === null) out.set(m.id, [m]);
    const ids = new Set(extra);
    if (followAll) for (const m of page) if (m.threadId === null && m.thread !== null) ids.add(m.id);
    for (const id of ids) out.set(id, await readThread(id));
    return out;
  }

  function refetch(): Promise<void> {
    return load(async () => {
      await client.ready;
      const page = await api.messages.list.query({ roomId, limit: pageSize });
      const read = await readThreads(page.items, [...followed]);
      return () => {
        timeline.reset(page.items);
        cursor = page.nextCursor;
        threads.clear();
        for (const [id, items] of read) if (followAll || followed.has(id)) threads.set(id, new MessageList(items));
        reindex();
        status = "ready";
      };
    });
  }

  const off = client.events.on(
    "*",
    (e) => {
      if (closed || !APPLIED.has(e.type)) return;
      if (reads > 0) waiting.push(e);
      else apply(e);
    },
    { roomId },
  );
  const ready = refetch();
  ready.catch(() => {});

  return {
    ready,
    get,
    subscribe(fn) {
      listeners.add(fn);
      call(fn, get());
      return () => {
        listeners.delete(fn);
      };
    },
    loadOlder: () =>
      load(async () => {
        const before = cursor;
        if (before === null) return () => {};
        const page = await api.messages.list.query({ roomId, before, limit: pageSize });
        const read = await readThreads(page.items, []);
        return () => {
          timeline.prepend(page.items);
          cursor = page.nextCursor;
          for (const [id, items] of read) threads.set(id, new MessageList(items));
          reindex();
        };
      }),
    followThread(rootId) {
      followed.add(rootId);
      return load(async () => {
        const items = await readThread(rootId);
        return () => {
          if (!followed.has(rootId)) return;
          threads.set(rootId, new MessageList(items));
          reindex();
        };
      });
    },
    unfollowThread(rootId) {
      followed.delete(rootId);
      if (threads.delete(rootId)) reindex();
    },
    close() {
      if (closed) return;
      closed = true;
      off();
      status = "closed";
      changed();
    },
  };
}
