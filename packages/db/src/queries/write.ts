import type { Kysely } from "kysely";
import type { Database, EventRow, NewEvent } from "../schema.ts";
import { bumpTimelineQuery, setMarkerQuery } from "./attention.ts";
import { insertEventAtQuery, insertEventQuery, lockEventLog } from "./events.ts";
import { findByClientIdQuery, type InsertedMessage, insertedRow, insertMessageQuery, type MessageWithSender, type NewMessage, type SenderNames } from "./messages.ts";
import { type SenderAccess, senderAccessQuery } from "./rooms.ts";

type Awaitable<T> = T | Promise<T>;

/** A new event row: everything but the id the log assigns. */
export type EventToWrite = Required<Omit<NewEvent, "id">>;

/**
 * The one way state changes: everything a write does, inside one
 * transaction held by the caller (the api's `Writer`). `db` runs any query
 * (the queries in this package take it as their executor); the methods are
 * the hot path of every send, and on SQLite run as statements prepared once
 * from the very same Kysely builders (see `sqliteWriteTx`), with no query
 * building and no promise per statement. Events are appended only through
 * `appendEvent`, so the rows reach the hub at commit.
 *
 * A message and its `message.created` are one INSERT each: `insertMessage`
 * reserves the event's position and stores it on the row, and the event is
 * then appended `at` that position. A transaction that reserved a position
 * and did not append it fails at commit (the row would name another event).
 */
export interface WriteTx {
  readonly db: Kysely<Database>;
  senderAccess(roomId: number, userId: number): Awaitable<SenderAccess | undefined>;
  findByClientId(senderId: number, clientId: string): Awaitable<MessageWithSender | undefined>;
  /** The sender's names come from `senderAccess` (or `NO_SENDER` for a system message): no lookup per send. */
  insertMessage(m: NewMessage & SenderNames): Awaitable<InsertedMessage>;
  /** One more text message in the room's timeline (migration 0011): returns the new count. */
  bumpTimeline(roomId: number): Awaitable<number>;
  /** Moves a member's read marker (and the timeline count it stands at). */
  setMarker(m: Marker): Awaitable<void>;
  /** Appends an event; `at`: the position `insertMessage` reserved for it (the append fails if it is not free). */
  appendEvent(e: EventToWrite, at?: number): Awaitable<number>;
}

/**
 * Runs `fn` in one write transaction and commits, or rolls back if it throws.
 * On PostgreSQL the event-log lock is taken first (see `lockEventLog`).
 *
 * `onCommit` then gets the event rows the transaction appended. On SQLite
 * that is right after COMMIT, before the connection is released, so no other
 * write can have committed in between and the hub can deliver them without
 * reading them back (see `EventHub.committed`).
 */
export type WriteTransaction = <T>(fn: (tx: WriteTx) => Promise<T>, onCommit?: (events: EventRow[]) => void) => Promise<T>;

export type Marker = { roomId: number; userId: number; lastReadId: number; readCount: number; mentionUnread: number };

export const eventRow = (id: number, e: EventToWrite): EventRow => ({ id, ...e });

/**
 * The position `insertMessage` reserved, until its event is appended. The
 * next event appended must be that one: a second message before it, or an
 * append elsewhere, throws (ids would no longer follow the order of the
 * appends, or the row would name another event), and so does a commit with
 * the position still open.
 */
export class Reservations {
  private open: number | null = null;

  reserve(row: { id: number; event_id: number | null }): number {
    if (row.event_id === null) throw new Error(`message ${row.id} was inserted without an event position`);
    if (this.open !== null) throw new Error(`message ${row.id} inserted before the event of the previous one (position ${this.open}) was appended`);
    this.open = row.event_id;
    return row.event_id;
  }

  /** The id an append got (`at`: the position it was given), checked against what is reserved. */
  claim(at: number | undefined, id: number): number {
    if (at === undefined && this.open === null) return id;
    if (at !== this.open || id !== at) {
      throw new Error(`event appended at ${id} (asked for ${at ?? "any"}), but the reserved position is ${this.open ?? "none"}`);
    }
    this.open = null;
    return id;
  }

  /** Throws (so the transaction rolls back) if a reserved position was never appended. */
  check(): void {
    if (this.open === null) return;
    const left = this.open;
    this.open = null;
    throw new Error(`event position ${left} reserved by a message but never appended`);
  }

  clear(): void {
    this.open = null;
  }
}

/** PostgreSQL (and any Kysely database): a Kysely transaction, the same builders executed. */
export function kyselyWriteTransaction(db: Kysely<Database>): WriteTransaction {
  return async (fn, onCommit) => {
    const appended: EventRow[] = [];
    const reservations = new Reservations();
    const result = await db.transaction().execute(async (trx) => {
      await lockEventLog(trx);
      const tx: WriteTx = {
        db: trx,
        senderAccess: (roomId, userId) => senderAccessQuery(trx, { roomId, userId }).executeTakeFirst(),
        findByClientId: (senderId, clientId) => findByClientIdQuery(trx, { senderId, clientId }).executeTakeFirst(),
        async insertMessage({ senderName, senderDisplayName, senderIsBot, ...m }) {
          const row = await insertMessageQuery(trx, m).executeTakeFirstOrThrow();
          const id = Number(row.id);
          return insertedRow(id, m, { senderName, senderDisplayName, senderIsBot }, reservations.reserve({ id, event_id: row.event_id === null ? null : Number(row.event_id) }));
        },
        async bumpTimeline(roomId) {
          const row = await bumpTimelineQuery(trx, { roomId }).executeTakeFirstOrThrow();
          return Number(row.timeline_count);
        },
        async setMarker(m) {
          await setMarkerQuery(trx, m).execute();
        },
        async appendEvent(e, at) {
          const row = await (at === undefined ? insertEventQuery(trx, e) : insertEventAtQuery(trx, { ...e, id: at })).executeTakeFirstOrThrow();
          const id = reservations.claim(at, Number(row.id));
          appended.push(eventRow(id, e));
          return id;
        },
      };
      const out = await fn(tx);
      reservations.check();
      return out;
    });
    if (onCommit && appended.length > 0) onCommit(appended);
    return result;
  };
}
