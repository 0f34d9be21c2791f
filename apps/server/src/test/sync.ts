import type { StreamEvent } from "@parley/api";
import type { Recorder, TestUser } from "./harness.ts";

/**
 * A positive sync point for tests that prove something did NOT reach a
 * stream. The hub hands every event to a subscriber in log order, and live
 * events (typing, presence) go through the same per-subscriber path at the
 * moment they are published; so once a marker committed after the forbidden
 * thing has arrived, the forbidden thing would have arrived before it. The
 * marker is a message in a private room of the observer's own (created on
 * first use), so it never touches the room under test.
 */

const markerRooms = new WeakMap<TestUser, number>();
/** The marker rooms each recorder has seen (a recorder streams from one server, so room ids cannot be mixed up). */
const seenBy = new WeakMap<Recorder, Set<number>>();
let seq = 0;

/** What `rec` received, without anything about the marker rooms `syncPoint` used on it. */
export function withoutSyncPoints(rec: Recorder): StreamEvent[] {
  const rooms = seenBy.get(rec);
  if (!rooms) return rec.events;
  return rec.events.filter((e) => !("roomId" in e && e.roomId !== null && rooms.has(e.roomId)));
}

/**
 * Sends a marker that `rec` (a stream of `observer`'s) must receive, waits
 * for it, and returns the events `rec` had received before it.
 */
export async function syncPoint(observer: TestUser, rec: Recorder, timeoutMs = 5000): Promise<StreamEvent[]> {
  let roomId = markerRooms.get(observer);
  if (roomId === undefined) {
    roomId = (await observer.http.rooms.create.mutate({ name: `sync ${observer.username}`, isPrivate: true })).id;
    markerRooms.set(observer, roomId);
  }
  const rooms = seenBy.get(rec) ?? new Set<number>();
  rooms.add(roomId);
  seenBy.set(rec, rooms);
  seq++;
  const content = `sync point ${seq}`;
  await observer.http.messages.send.mutate({ roomId, content, clientId: `sync-point-${seq}` });
  const isMine = (e: StreamEvent) => e.type === "message.created" && e.message.content === content;
  await rec.waitFor(isMine, timeoutMs);
  return rec.events.slice(0, rec.events.findIndex(isMine));
}
