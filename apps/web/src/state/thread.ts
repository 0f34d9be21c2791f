import { onCleanup } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import type { ChatClient } from "../lib/chat-client.ts";
import { placeOf } from "./timeline.ts";
import { indexById, messagePatch } from "./message-ops.ts";
import type { Message, StreamEvent } from "./types.ts";

/**
 * Inserts messages by id, replacing duplicates, into a new array: thread
 * replies are few. Here, not in timeline.ts, so it ships with the thread
 * panel's chunk and not in the initial JS.
 */
function mergeMessages(current: readonly Message[], incoming: readonly Message[]): Message[] {
  const out = [...current];
  for (const m of incoming) {
    const p = placeOf(out, m.id);
    if (p.kind === "append") out.push(m);
    else if (p.kind === "replace") out[p.index] = m;
    else out.splice(p.index, 0, m);
  }
  return out;
}

interface ThreadState {
  root: Message | null;
  /** Oldest first, by id. */
  replies: Message[];
  nextCursor: number | null;
  loaded: boolean;
  error: string | null;
}

const PAGE = 50;

/**
 * One open thread: its root and replies, read with `messages.list({ threadId })`
 * and kept live from the stream (new replies, edits, deletes, reactions, the
 * root's summary), each event applied by id. `create*`: it listens from
 * creation and stops on cleanup.
 */
export function createThread(client: ChatClient, meId: number, roomId: number, rootId: number, knownRoot?: Message) {
  const [state, setState] = createStore<ThreadState>({ root: knownRoot ?? null, replies: [], nextCursor: null, loaded: false, error: null });

  /** Puts in one page; the root is the page's item with the root's id (on the page that reaches the start). */
  function take(items: readonly Message[]) {
    const root = items.find((m) => m.id === rootId);
    if (root) setState("root", reconcile(root));
    const replies = items.filter((m) => m.id !== rootId);
    setState("replies", (cur) => mergeMessages(cur, replies));
  }

  async function load() {
    try {
      const page = await client.api.messages.list.query({ roomId, threadId: rootId, limit: PAGE });
      take(page.items);
      setState({ nextCursor: state.loaded ? state.nextCursor : page.nextCursor, loaded: true, error: null });
    } catch (err) {
      setState("error", err instanceof Error ? err.message : String(err));
    }
  }

  async function loadOlder() {
    const before = state.nextCursor;
    if (before === null) return;
    const page = await client.api.messages.list.query({ roomId, threadId: rootId, before, limit: PAGE });
    take(page.items);
    setState("nextCursor", page.nextCursor);
  }

  function patch(messageId: number, fn: (m: Message) => Message) {
    if (messageId === rootId) {
      const root = state.root;
      if (root) setState("root", reconcile(fn(root)));
      return;
    }
    const i = indexById(state.replies, messageId);
    const m = state.replies[i];
    if (m) setState("replies", i, reconcile(fn(m)));
  }

  /** A new reply lands at the end (O(1)); one we already hold is replaced in place. */
  function addReply(m: Message) {
    const i = indexById(state.replies, m.id);
    const last = state.replies[state.replies.length - 1];
    if (i !== -1) setState("replies", i, reconcile(m));
    else if (!last || last.id < m.id) setState("replies", state.replies.length, m);
    else setState("replies", (cur) => mergeMessages(cur, [m]));
  }

  const off = client.onEvent((e: StreamEvent) => {
    if (!("roomId" in e) || e.roomId !== roomId) {
      // A stream that could not replay: read the thread again.
      if (e.type === "resync") void load();
      return;
    }
    switch (e.type) {
      case "message.created":
        if (e.message.threadId === rootId) addReply(e.message);
        return;
      case "message.updated":
      case "message.deleted":
      case "reaction.added":
      case "reaction.removed":
      case "thread.updated": {
        const p = messagePatch(e, meId);
        patch(p.messageId, p.apply);
        return;
      }
    }
  });
  onCleanup(off);
  void load();

  return {
    state,
    loadOlder,
    reload: load,
    /** Our own reply's acknowledgement, before (or instead of) its event. */
    acknowledge: (m: Message) => {
      if (m.threadId === rootId) addReply(m);
    },
    patch,
  };
}

export type Thread = ReturnType<typeof createThread>;
