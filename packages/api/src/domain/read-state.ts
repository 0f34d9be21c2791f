import {
  countMentions,
  countTimelineAfter,
  type Database,
  findMarker,
  findMessage,
  type Kysely,
  readStates,
  userAttention,
  type WriteTx,
} from "@parley/db";
import { notFound } from "../errors.ts";
import type { EventDraft } from "../events.ts";
import type { Services } from "../services.ts";
import type { Auth } from "./auth.ts";

type Db = Kysely<Database>;

/** A member's read state in one room. `mentionCount` in a DM is its unread count: every DM message is a mention. */
export interface ReadState {
  roomId: number;
  lastReadId: number;
  unreadCount: number;
  mentionCount: number;
}

/** What `rooms.list` adds to each item (zero and null for a room the user is not in). */
export interface RoomAttention {
  lastReadId: number | null;
  unreadCount: number;
  mentionCount: number;
  notifyLevel: "all" | "mentions" | "none";
  muted: boolean;
  /** What a badge shows: a muted room only its mentions. */
  badgeCount: number;
}

const NOT_A_MEMBER: RoomAttention = { lastReadId: null, unreadCount: 0, mentionCount: 0, notifyLevel: "mentions", muted: false, badgeCount: 0 };

/** The user's read state for a page of rooms: one query (counters and index ranges, see queries/attention.ts). */
export async function attentionFor(db: Db, userId: number, roomIds: readonly number[]): Promise<Map<number, RoomAttention>> {
  const out = new Map<number, RoomAttention>();
  for (const r of await readStates(db, userId, roomIds)) out.set(Number(r.room_id), toAttention(r));
  return out;
}

/** A member's read state from its counters (a `readStates` row, or the same columns of `listRoomsForUser`). */
export function toAttention(r: {
  last_read_id: number | string;
  read_count: number | string;
  timeline_count: number | string;
  mention_count: number | string | null;
  kind: string;
  notify_level: RoomAttention["notifyLevel"];
  muted: number | string;
}): RoomAttention {
  const unreadCount = Math.max(0, Number(r.timeline_count) - Number(r.read_count));
  const mentionCount = r.kind === "dm" ? unreadCount : Number(r.mention_count ?? 0);
  const muted = Number(r.muted) === 1;
  return { lastReadId: Number(r.last_read_id), unreadCount, mentionCount, notifyLevel: r.notify_level, muted, badgeCount: muted ? mentionCount : unreadCount };
}

export const NO_ATTENTION = NOT_A_MEMBER;

export const attentionOf = (states: Map<number, RoomAttention>, roomId: number): RoomAttention => states.get(roomId) ?? NOT_A_MEMBER;

/**
 * A send's bookkeeping, in its transaction: a timeline text message bumps
 * the room's counter, and the sender has read their own room up to it (two
 * statements by primary key; no event: the sender's other tabs see their own
 * `message.created` and move their marker themselves).
 */
export async function countSend(tx: WriteTx, s: { roomId: number; userId: number; messageId: number }): Promise<void> {
  const readCount = await tx.bumpTimeline(s.roomId);
  // The new message is the room's last, so no mention row lies after it.
  await tx.setMarker({ roomId: s.roomId, userId: s.userId, lastReadId: s.messageId, readCount, mentionUnread: 0 });
}

/**
 * Moves the caller's marker in a room to `messageId` (a message of that
 * room): `markRead` only forward, `markUnread` (`back`) to just before it.
 * Asking for where the marker already is (or, for `markRead`, behind it)
 * writes nothing and emits nothing: that is checked on a plain read first,
 * so a client marking read as the user scrolls costs no transaction.
 */
export async function moveMarker(svc: Services, auth: Auth, input: { roomId: number; messageId: number; back?: boolean }): Promise<ReadState> {
  const target = input.back ? input.messageId - 1 : input.messageId;
  const current = await findMarker(svc.db, input.roomId, auth.userId);
  if (!current) throw notFound("Room");
  if (unchanged(Number(current.last_read_id), target, input.back)) return stateOf(svc.db, input.roomId, auth.userId);
  return svc.writes.run(async (tx) => {
    const marker = await findMarker(tx.db, input.roomId, auth.userId);
    if (!marker) throw notFound("Room");
    const message = await findMessage(tx.db, input.messageId);
    if (!message || Number(message.room_id) !== input.roomId) throw notFound("Message");
    if (unchanged(Number(marker.last_read_id), target, input.back)) return { result: await stateOf(tx.db, input.roomId, auth.userId), events: [] };
    const unreadCount = await countTimelineAfter(tx.db, input.roomId, target);
    const readCount = Math.max(0, Number(marker.timeline_count) - unreadCount);
    // The rows after the new marker, counted in DMs too, so the counter always equals its rows.
    const mentionUnread = await countMentions(tx.db, { userId: auth.userId, roomId: input.roomId, after: target });
    await tx.setMarker({ roomId: input.roomId, userId: auth.userId, lastReadId: target, readCount, mentionUnread });
    const mentionCount = marker.kind === "dm" ? unreadCount : mentionUnread;
    const state: ReadState = { roomId: input.roomId, lastReadId: target, unreadCount, mentionCount };
    const events: EventDraft[] = [{ body: { type: "read.updated", ...state, threadId: null }, scope: "user", userId: auth.userId }];
    if (marker.kind === "dm" && !input.back && Number((await userAttention(tx.db, auth.userId)).private_receipts) === 0) {
      events.push({ body: { type: "receipt.updated", roomId: input.roomId, userId: auth.userId, lastReadId: target }, scope: "room" });
    }
    return { result: state, events };
  });
}

const unchanged = (current: number, target: number, back: boolean | undefined) => (back ? target === current : target <= current);

async function stateOf(db: Db, roomId: number, userId: number): Promise<ReadState> {
  const a = attentionOf(await attentionFor(db, userId, [roomId]), roomId);
  return { roomId, lastReadId: a.lastReadId ?? 0, unreadCount: a.unreadCount, mentionCount: a.mentionCount };
}
