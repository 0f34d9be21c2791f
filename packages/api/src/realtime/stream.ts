import { visibleEventsAfter } from "@parley/db";
import { decodeEvent, type StreamEvent } from "../events.ts";
import type { Services } from "../services.ts";
import { CloseCode, type Socket } from "./connections.ts";

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
 */
export async function* streamEvents(
  svc: Services,
  userId: number,
  socket: Socket | null,
  lastEventId: string | null,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamItem> {
  const cutOff = () => socket?.close(CloseCode.slowConsumer, "slow consumer: resume from your last event");
  const sub = svc.hub.subscribe(userId, cutOff);
  const onAbort = () => sub.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let last = sub.startPosition;
    const from = lastEventId === null ? null : Number(lastEventId);
    if (from === null) {
      yield { event: { type: "ready", id: last }, position: last };
    } else if (from > last) {
      yield { event: { type: "resync", id: last, reason: "ahead" }, position: last };
    } else {
      const rows = await visibleEventsAfter(svc.db, { userId, after: from, upTo: last, limit: svc.config.maxReplay + 1 });
      if (rows.length > svc.config.maxReplay) {
        yield { event: { type: "resync", id: last, reason: "gap" }, position: last };
      } else {
        for (const row of rows) yield { event: decodeEvent(row), position: Number(row.id) };
      }
    }
    for await (const d of sub.queue) {
      if (d.kind === "live") {
        yield { event: d.event, position: null };
        continue;
      }
      if (d.event.id <= last) continue;
      last = d.event.id;
      if (socket && socket.bufferedAmount > svc.config.maxBufferedBytes) {
        cutOff();
        return;
      }
      if (d.event.type === "message.created") svc.observer.delivered((svc.now() - d.event.message.createdAt) / 1000);
      yield { event: d.event, position: last };
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    sub.close();
  }
}
