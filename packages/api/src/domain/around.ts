import { findMessage, listMessages } from "@parley/db";
import { notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Message } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import { presentMessages } from "./messages.ts";
import type { RoomAccess } from "./rooms.ts";

export interface AroundPage {
  /** Oldest→newest, the anchor among them. */
  items: Message[];
  /** The message the page is centred on: the one asked for, or the root of the thread it replies in when it is not in the timeline. */
  anchorId: number;
  /** Pass as `before` to `messages.list` for older messages; null at the start of the room. */
  prevCursor: number | null;
  /** Pass as `after` to `messages.list` for newer messages; null at the end. */
  nextCursor: number | null;
}

/**
 * `messages.around`: a page of the room's timeline centred on a message (a
 * permalink, a search result), with cursors both ways. A message of another
 * room is NOT_FOUND, like one that does not exist.
 */
export async function around(svc: Services, auth: Auth, access: RoomAccess, q: { messageId: number; limit: number }): Promise<AroundPage> {
  const roomId = Number(access.room.id);
  const target = await findMessage(svc.db, q.messageId);
  if (!target || Number(target.room_id) !== roomId) throw notFound("Message");
  const anchorId = Number(target.in_room) === 1 || target.thread_id === null ? q.messageId : Number(target.thread_id);
  const olderCount = Math.floor((q.limit - 1) / 2);
  const [older, newer] = await Promise.all([
    listMessages(svc.db, { roomId, before: anchorId, limit: olderCount }),
    // From the anchor on (after: anchor - 1 includes it).
    listMessages(svc.db, { roomId, before: null, after: anchorId - 1, limit: q.limit - olderCount }),
  ]);
  const rows = [...older.rows, ...newer.rows];
  const items = await presentMessages(svc.db, rows, auth.userId);
  const first = items[0];
  const last = items[items.length - 1];
  return {
    items,
    anchorId,
    prevCursor: first && older.hasMore ? first.id : null,
    nextCursor: last && newer.hasMore ? last.id : null,
  };
}
