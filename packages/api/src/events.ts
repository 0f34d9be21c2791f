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
  | { type: "member.joined"; roomId: number; member: Member; room: Room; addedBy: number | null }
  | { type: "member.left"; roomId: number; userId: number }
  | { type: "member.removed"; roomId: number; userId: number; removedBy: number }
  | { type: "member.admin"; roomId: number; userId: number; isAdmin: boolean };

export type DurableEvent = DurableEventBody & { id: number };

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
