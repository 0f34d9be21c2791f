import type { EventRow, EventScope } from "@parley/db";
import type { Member, Message, Room } from "./shapes.ts";

/**
 * Durable events are stored in the `events` table and carry their stream
 * position as `id`; the stream yields them `tracked()` so clients resume.
 * New kinds (edits, reactions, read markers…) are new members of this union.
 */
export type DurableEventBody =
  | { type: "message.created"; roomId: number; message: Message }
  | { type: "room.created"; roomId: number; room: Room }
  | { type: "room.updated"; roomId: number; room: Room }
  | { type: "room.deleted"; roomId: number }
  /**
   * A public room turned private: for everyone who is not a member it is
   * gone (take it off the list, stop previewing). It carries nothing of the
   * room's new state; members get that in a `room.updated` of scope `room`.
   */
  | { type: "room.hidden"; roomId: number }
  | { type: "member.joined"; roomId: number; member: Member; room: Room; addedBy: number | null }
  | { type: "member.left"; roomId: number; userId: number }
  | { type: "member.removed"; roomId: number; userId: number; removedBy: number }
  | { type: "member.admin"; roomId: number; userId: number; isAdmin: boolean };

export type DurableEvent = DurableEventBody & { id: number };
export type DurableEventType = DurableEventBody["type"];

/**
 * Every durable event type, at run time: a test walks this list (what a
 * non-member may receive of each), and the Record makes the compiler refuse
 * a new member of the union until it is listed here.
 */
const durableTypes: Record<DurableEventType, true> = {
  "message.created": true,
  "room.created": true,
  "room.updated": true,
  "room.deleted": true,
  "room.hidden": true,
  "member.joined": true,
  "member.left": true,
  "member.removed": true,
  "member.admin": true,
};
export const DURABLE_EVENT_TYPES = Object.keys(durableTypes) as readonly DurableEventType[];

/** Live-only events: not stored, not replayed. */
export type LiveEvent =
  | { type: "typing"; roomId: number; userId: number; username: string; isTyping: boolean }
  | { type: "presence"; userId: number; username: string; online: boolean; lastSeen: number | null };

/**
 * Control events of the stream itself. `ready` marks the position a fresh
 * subscription starts from; `resync` says the stream could not replay what
 * was missed (too far behind, or a position from the future): refetch.
 */
export type ControlEvent =
  | { type: "ready"; id: number }
  | { type: "resync"; id: number; reason: "gap" | "ahead" };

export type StreamEvent = DurableEvent | LiveEvent | ControlEvent;
export type StreamEventType = StreamEvent["type"];

/** An event to write: its body plus who may see it. */
export interface EventDraft {
  body: DurableEventBody;
  scope: EventScope;
  /** For scope `user` the recipient; for scope `room` a subject who also sees it. */
  userId?: number | null;
}

export function decodeEvent(row: EventRow): DurableEvent {
  const body = JSON.parse(row.payload) as DurableEventBody;
  return { ...body, id: Number(row.id) };
}
