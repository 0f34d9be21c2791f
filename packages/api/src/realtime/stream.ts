import { eventsByIds, roomIdsOf, visibleEventIds } from "@parley/db";
import { decodeEvent, type StreamEvent } from "../events.ts";
import type { Services } from "../services.ts";
import { CloseCode, type Socket } from "./connections.ts";
import { DirectWriter } from "./fanout.ts";
import { mayReceive } from "./visibility.ts";

/** Rows read per replay query: at most ~1.6 MB of the largest messages, well under `MAX_BUFFERED_BYTES`. */
const REPLAY_PAGE = 100;

/** How long a replay waits for its reader to take what was sent before cutting it off as a slow reader. */
const REPLAY_DRAIN_MS = 5000;

/**
 * Waits until the socket has at most `below` bytes unsent, or `REPLAY_DRAIN_MS`
 * passed (false). A replay sends as fast as it reads, so a reader on an
 * ordinary link falls a few pages behind; waiting for it (rather than
 * cutting it off, as a live stream must, since the hub cannot wait for one
 * reader) keeps memory bounded and lets a long resume finish.
 */
async function drained(socket: Socket, below: number): Promise<boolean> {
  const deadline = Date.now() + REPLAY_DRAIN_MS;
  while (socket.bufferedAmount > below) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Lets the event loop run (I/O, other sockets) between replay queries. */
const breather = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface StreamItem {
  event: StreamEvent;
  /** The stream position to track, or null for live-only events. */
  position: number | null;
}

/**
 * One client's stream: subscribe to the hub first (so nothing committed from
 * now on is missed), then replay from the database what the client missed up
 * to where the hub took over, then follow the hub. The two ranges meet
 * exactly, so there is no gap and no duplicate; anything at or below the last
 * position sent is dropped as a second guard.
 *
 * Everything up to that point goes out through tRPC. Once the stream has
 * caught up (its queue is empty) and knows its tRPC subscription id, it
 * hands delivery to the hub, which writes the same frames straight to the
 * socket (see fanout.ts), and waits for the subscription to end. Order is
 * kept: the hand-over happens only after tRPC has sent every item yielded.
 */
export async function* streamEvents(
  svc: Services,
  userId: number,
  socket: Socket | null,
  lastEventId: string | null,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamItem> {
  const cutOff = () => socket?.close(CloseCode.slowConsumer, "slow consumer: resume from your last event");
  const sub = svc.hub.subscribe(userId, cutOff, socket);
  const onAbort = () => sub.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  let subscriptionId: number | string | null = null;
  // The first item sent through tRPC is a private copy that reports the subscription id.
  const item = (event: StreamEvent, position: number | null): StreamItem => {
    if (subscriptionId !== null || socket === null) return { event, position };
    return {
      event: svc.hub.streamIds.mark(event, (id) => {
        subscriptionId = id;
      }),
      position,
    };
  };
  try {
    let last = sub.startPosition;
    const from = lastEventId === null ? null : Number(lastEventId);
    if (from === null) {
      yield item({ type: "ready", id: last }, last);
    } else if (from > last) {
      yield item({ type: "resync", id: last, reason: "ahead" }, last);
    } else {
      // Which events first (index-only reads, a page at a time), then their rows a page at a time,
      // letting the process serve others in between; the range is fixed, so pages neither overlap nor miss.
      const rooms = await roomIdsOf(svc.db, userId);
      const mine = new Set(rooms);
      const ids = await visibleEventIds(svc.db, { userId, after: from, upTo: last, limit: svc.config.maxReplay + 1, rooms }, breather);
      if (ids.length > svc.config.maxReplay) {
        yield item({ type: "resync", id: last, reason: "gap" }, last);
      } else {
        for (let i = 0; i < ids.length; i += REPLAY_PAGE) {
          // A reader that does not take its own replay is cut off like a slow live reader (the socket guard
          // would cut it at the limit anyway); one that reads, however slowly, is waited for.
          if (socket && !(await drained(socket, svc.config.maxBufferedBytes / 4))) {
            cutOff();
            return;
          }
          const rows = await eventsByIds(svc.db, ids.slice(i, i + REPLAY_PAGE));
          // The index reads select by the visibility rule; the rule itself decides, as it does live.
          for (const row of rows) if (mayReceive(row, userId, (roomId) => mine.has(roomId))) yield item(decodeEvent(row), Number(row.id));
          await breather();
        }
      }
    }
    for (;;) {
      if (socket !== null && subscriptionId !== null) {
        const writer = new DirectWriter(socket, subscriptionId, last, svc.config.maxBufferedBytes, cutOff);
        if (sub.goDirect(writer)) {
          await sub.ended;
          return;
        }
      }
      const next = await sub.queue.next();
      if (next.done) return;
      const d = next.value;
      if (d.kind === "live") {
        yield item(d.event, null);
        continue;
      }
      if (d.event.id <= last) continue;
      last = d.event.id;
      if (socket && socket.bufferedAmount > svc.config.maxBufferedBytes) {
        cutOff();
        return;
      }
      yield item(d.event, last);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    sub.close();
  }
}
