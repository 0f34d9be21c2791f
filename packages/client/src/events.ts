import type { Message, StreamEvent, StreamEventType } from "@parley/api";
import type { EventOf, ParleyApi, ParleyEvents } from "./types.ts";

type Handler = (event: StreamEvent) => void;
interface Listener {
  type: StreamEventType | "*";
  roomId: number | undefined;
  handler: Handler;
}

/**
 * Fans stream events out to listeners, each durable event once: tRPC resumes
 * from the last tracked id, and anything at or below the position already
 * delivered is dropped here as a second guard (overlapping sockets, replays).
 */
export class EventBus implements ParleyEvents {
  private readonly listeners = new Set<Listener>();
  /** Position of the last durable event delivered. */
  position: number | null;

  constructor(
    start: number | null,
    private readonly onListenerError: (err: unknown, event: StreamEvent) => void,
  ) {
    this.position = start;
  }

  on<T extends StreamEventType>(type: T, handler: (event: EventOf<T>) => void, opts?: { roomId?: number }): () => void;
  on(type: "*", handler: (event: StreamEvent) => void, opts?: { roomId?: number }): () => void;
  on(type: StreamEventType | "*", handler: (event: never) => void, opts?: { roomId?: number }): () => void {
    // The overloads tie each handler to its event type; dispatch checks `type` before calling.
    const listener: Listener = { type, roomId: opts?.roomId, handler: handler as Handler };
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Takes one event from the stream; returns false if it was a duplicate and dropped. */
  accept(event: StreamEvent): boolean {
    switch (event.type) {
      case "ready":
        // A fresh start although we had a position (resubscribed without lastEventId): what lies
        // between was not replayed, so listeners must refetch, as after a resync.
        if (this.position !== null && event.id !== this.position) {
          const reason = event.id > this.position ? "gap" : "ahead";
          this.position = event.id;
          this.emit({ type: "resync", id: event.id, reason });
          return true;
        }
        this.position = event.id;
        break;
      case "resync":
        // The server says where the stream now stands (after `ahead`, possibly lower than before).
        this.position = event.id;
        break;
      case "typing":
      case "presence":
        break;
      default:
        if (this.position !== null && event.id <= this.position) return false;
        this.position = event.id;
    }
    this.emit(event);
    return true;
  }

  private emit(event: StreamEvent): void {
    const roomId = "roomId" in event ? event.roomId : undefined;
    for (const l of [...this.listeners]) {
      if (l.type !== "*" && l.type !== event.type) continue;
      if (l.roomId !== undefined && roomId !== undefined && l.roomId !== roomId) continue;
      try {
        l.handler(event);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** Pages back through `messages.list` until `afterId`, then returns what came after it, oldest first. */
export async function catchUp(
  api: ParleyApi,
  roomId: number,
  afterId: number,
  max: number,
): Promise<{ messages: Message[]; complete: boolean }> {
  const pages: Message[][] = [];
  let count = 0;
  let before: number | null = null;
  for (;;) {
    const page = await api.messages.list.query({ roomId, before, limit: 100 });
    const newer = page.items.filter((m) => m.id > afterId);
    pages.unshift(newer);
    count += newer.length;
    const oldest = page.items[0];
    if (page.nextCursor === null || !oldest || oldest.id <= afterId) return { messages: pages.flat(), complete: true };
    if (count >= max) return { messages: pages.flat().slice(-max), complete: false };
    before = page.nextCursor;
  }
}
