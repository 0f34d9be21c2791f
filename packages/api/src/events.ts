import type { EventRow, EventScope } from "@parley/db";
import { z } from "zod";
import { memberShape, messageShape, profileShape, roomShape } from "./shapes.ts";

const id = z.number().int();

/**
 * A reaction added or removed by `userId`, with the emoji's count and first
 * ten after the change: clients apply it in O(1) (and set `me` when
 * `userId` is theirs). `index` (version 2) is where the emoji now stands in
 * the message's reactions, so clients keep history's order (first reaction
 * first: when the first to react takes theirs back, the emoji can move);
 * null once nobody has it, and in version-1 events, which did not say.
 */
const reactionChange = {
  roomId: id,
  messageId: id,
  emoji: z.string(),
  userId: id,
  count: z.number().int(),
  userIds: z.array(id),
  index: z.number().int().nullable(),
};

/**
 * Every durable event body, as a zod schema: used when an event is written
 * (`encodeEvent`) and when a stored one is read (`decodeEvent`). Stored in
 * the `events` table; the row's id is the stream position, which the stream
 * yields `tracked()` so clients resume.
 *
 * Adding an event type: add its schema here (with `version: 1` in
 * `eventVersions`), emit it from a domain operation (domain/writer.ts), and
 * add its case to the visibility test (apps/server/src/reliability). Changing
 * a body's shape: bump its version and add an upgrade from the old one in
 * `upgrades`, so rows already in the log still decode.
 */
export const durableEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message.created"), roomId: id, message: messageShape }),
  z.object({ type: z.literal("room.created"), roomId: id, room: roomShape }),
  z.object({ type: z.literal("room.updated"), roomId: id, room: roomShape }),
  z.object({ type: z.literal("room.deleted"), roomId: id }),
  /**
   * A public room turned private: for everyone who is not a member it is
   * gone (take it off the list, stop previewing). It carries nothing of the
   * room's new state; members get that in a `room.updated` of scope `room`.
   */
  z.object({ type: z.literal("room.hidden"), roomId: id }),
  z.object({ type: z.literal("member.joined"), roomId: id, member: memberShape, room: roomShape, addedBy: id.nullable() }),
  z.object({ type: z.literal("member.left"), roomId: id, userId: id }),
  z.object({ type: z.literal("member.removed"), roomId: id, userId: id, removedBy: id }),
  z.object({ type: z.literal("member.admin"), roomId: id, userId: id, isAdmin: z.boolean() }),
  /** An edit: the message with its new text and rev. */
  z.object({ type: z.literal("message.updated"), roomId: id, message: messageShape }),
  /** A delete: the tombstone (no text, no reactions; a root keeps its thread summary). */
  z.object({ type: z.literal("message.deleted"), roomId: id, messageId: id, message: messageShape }),
  z.object({ type: z.literal("reaction.added"), ...reactionChange }),
  z.object({ type: z.literal("reaction.removed"), ...reactionChange }),
  /** A root's new thread summary, written in the transaction of the reply that changed it (after its `message.created`). */
  z.object({ type: z.literal("thread.updated"), roomId: id, messageId: id, thread: messageShape.shape.thread.unwrap() }),
  /**
   * A person's display name or status changed (issue 13). Told once per room
   * of theirs (scope `room`: who shares a room with them sees it live), and
   * once to themselves with `roomId` null (scope `user`: their other tabs).
   */
  z.object({ type: z.literal("user.updated"), roomId: id.nullable(), user: profileShape }),
  /**
   * Issue 14. The user's read marker in a room (`threadId` null) or a
   * thread moved: every device and tab of theirs takes the new counts.
   * Scope `user`: nobody else learns anything of it.
   */
  z.object({
    type: z.literal("read.updated"),
    roomId: id,
    threadId: id.nullable(),
    lastReadId: id,
    unreadCount: z.number().int(),
    mentionCount: z.number().int(),
  }),
  /** A DM member's marker reached `lastReadId` (not sent for a user who keeps receipts private). Scope `room`. */
  z.object({ type: z.literal("receipt.updated"), roomId: id, userId: id, lastReadId: id }),
  /**
   * Issue 17. A custom command's late answer for its caller alone (an
   * ephemeral reply POSTed to its response URL): shown in `roomId`'s
   * composer, never in the timeline. Scope `user`: nobody else learns of it.
   */
  z.object({ type: z.literal("command.replied"), roomId: id, command: z.string(), text: z.string() }),
]);

export type DurableEventBody = z.infer<typeof durableEventSchema>;
export type DurableEventType = DurableEventBody["type"];
export type DurableEvent = DurableEventBody & { id: number };

/**
 * The current shape version of each type's body: what `encodeEvent` writes.
 * Being a Record over the union, it also makes the compiler refuse a new
 * event type until it is listed here.
 */
export const eventVersions: Record<DurableEventType, number> = {
  "message.created": 4,
  "room.created": 2,
  "room.updated": 2,
  "room.deleted": 1,
  "room.hidden": 1,
  "member.joined": 2,
  "member.left": 1,
  "member.removed": 1,
  "member.admin": 1,
  "message.updated": 3,
  "message.deleted": 3,
  "reaction.added": 2,
  "reaction.removed": 2,
  "thread.updated": 1,
  "user.updated": 2,
  "read.updated": 1,
  "receipt.updated": 1,
  "command.replied": 1,
};

type Body = Record<string, unknown>;
type Upgrade = (body: Body) => Body;

const field = (body: Body, key: string): Body => {
  const v = body[key];
  return typeof v === "object" && v !== null ? (v as Body) : {};
};

/** Version 2 (issue 12): messages gained edits, deletes, threads and reactions; rooms a kind. */
const messageV2: Upgrade = (b) => ({
  ...b,
  message: { ...field(b, "message"), rev: 1, deletedAt: null, threadId: null, alsoToRoom: false, reactions: [], thread: null },
});
const roomV2: Upgrade = (b) => ({ ...b, room: { ...field(b, "room"), kind: "channel" } });
/** Version 3 of message.created (2 of updated/deleted), issue 14: messages carry their mentions; older ones had none. */
const mentionsV: Upgrade = (b) => ({ ...b, message: { ...field(b, "message"), mentions: { userIds: [], room: false, here: false } } });
/**
 * Version 4 of message.created (3 of updated/deleted), issue 17: the sender
 * carries its display name, bot flag and a webhook's override name. Older
 * bodies did not say: read as no display name, not a bot, no override.
 */
const senderV: Upgrade = (b) => {
  const message = field(b, "message");
  const sender = message.sender;
  if (typeof sender !== "object" || sender === null) return b;
  return { ...b, message: { ...message, sender: { displayName: null, isBot: false, overrideName: null, ...(sender as Body) } } };
};
/** Version 2 of reaction events says where the emoji stands; version 1 did not (null: clients keep it where it was). */
const reactionV2: Upgrade = (b) => ({ ...b, index: null });

/**
 * Version 2 of user.updated (issue 16): profiles carry `avatarUrl`; older ones had no avatar. (`isBot`
 * came with issue 17 without a version: a body from before it was not a bot.)
 */
const avatarV2: Upgrade = (b) => {
  const user = field(b, "user");
  return { ...b, user: { ...user, isBot: user.isBot ?? false, avatarUrl: null } };
};

/**
 * Upgrades of stored bodies, per type: `upgrades[type][v]` turns a body of
 * version `v` into version `v + 1`, so every row ever written still decodes
 * to the current shape.
 */
const upgrades: Partial<Record<DurableEventType, Record<number, Upgrade>>> = {
  "message.created": { 1: messageV2, 2: mentionsV, 3: senderV },
  "message.updated": { 1: mentionsV, 2: senderV },
  "message.deleted": { 1: mentionsV, 2: senderV },
  "room.created": { 1: roomV2 },
  "room.updated": { 1: roomV2 },
  "member.joined": { 1: roomV2 },
  "reaction.added": { 1: reactionV2 },
  "reaction.removed": { 1: reactionV2 },
  "user.updated": { 1: avatarV2 },
};

/** Every durable event type, at run time: the visibility test walks this list (what a non-member may receive of each). */
export const DURABLE_EVENT_TYPES = Object.keys(eventVersions) as readonly DurableEventType[];

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
  /**
   * The log position reserved for it by the row that names it (a message's
   * `message.created`, see `WriteTx.insertMessage`): appended exactly there.
   */
  position?: number;
  /**
   * Set only by `newMessageCreated`: the body was built field by field from
   * typed values whose checks ran at the boundary (the send's input schema,
   * ids from the database), and a property test proves the schema returns
   * such a body unchanged (events.test.ts), so the hot path does not parse
   * it again. Every other body is parsed on the way in.
   */
  readonly prebuilt?: true;
  /**
   * Runs in the same transaction once the event has its position: an event
   * that carries a message's text records where (a delete rewrites it there).
   */
  afterAppend?: (position: number) => unknown;
}

/** A stored event whose payload is not a valid body of its type and version. */
export class EventDecodeError extends Error {
  constructor(
    readonly position: number,
    cause: unknown,
  ) {
    super(`event ${position} does not decode`, { cause });
    this.name = "EventDecodeError";
  }
}

/** The log row of an event, its body checked against its schema (unless `prebuilt`). */
export function encodeEvent(now: number, d: EventDraft) {
  const body = d.prebuilt ? d.body : durableEventSchema.parse(d.body);
  return {
    type: body.type,
    scope: d.scope,
    room_id: "roomId" in body ? body.roomId : null,
    user_id: d.userId ?? null,
    payload: JSON.stringify(body),
    version: eventVersions[body.type],
    created_at: now,
  };
}

/** A stored event, upgraded from its stored version and validated. */
export function decodeEvent(row: EventRow): DurableEvent {
  const position = Number(row.id);
  try {
    let body: unknown = JSON.parse(row.payload);
    const steps = upgrades[row.type as DurableEventType];
    for (let v = Number(row.version); steps && v < eventVersions[row.type as DurableEventType]; v++) {
      const step = steps[v];
      if (!step || typeof body !== "object" || body === null) break;
      body = step(body as Body);
    }
    return { ...durableEventSchema.parse(body), id: position };
  } catch (err) {
    throw new EventDecodeError(position, err);
  }
}
