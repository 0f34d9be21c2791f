import type SQLite from "better-sqlite3";
import type { Compilable, Kysely } from "kysely";
import type { Database, EventRow, NewEvent } from "../schema.ts";
import { type Args, placeholders } from "./args.ts";
import { bumpTimelineQuery, setMarkerQuery } from "./attention.ts";
import { insertEventAtQuery, insertEventQuery, lockEventLog } from "./events.ts";
import { findByClientIdQuery, type InsertedMessage, insertedRow, insertMessageQuery, type MessageWithSender, type NewMessage, type SenderNames } from "./messages.ts";
import { senderAccessQuery, type SenderAccess } from "./rooms.ts";

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

type Marker = { roomId: number; userId: number; lastReadId: number; readCount: number; mentionUnread: number };

const eventRow = (id: number, e: EventToWrite): EventRow => ({ id, ...e });

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

/**
 * SQLite: the hot statements compiled once from the same builders (with
 * `@name` placeholders) and prepared on the raw handle. `db` must be a
 * Kysely bound to the one connection the caller holds (better-sqlite3 is
 * synchronous, so nothing else runs between statements).
 */
export function sqliteWriteTx(raw: SQLite.Database, db: Kysely<Database>): WriteTx & { appended: EventRow[]; reservations: Reservations } {
  const appended: EventRow[] = [];
  const reservations = new Reservations();
  const access = accelerate<{ roomId: number; userId: number }>(raw, (a) => senderAccessQuery(db, a), ["roomId", "userId"]);
  const byClientId = accelerate<{ senderId: number; clientId: string }>(raw, (a) => findByClientIdQuery(db, a), ["senderId", "clientId"]);
  const insMessage = accelerate<NewMessage>(raw, (a) => insertMessageQuery(db, a), ["roomId", "senderId", "kind", "content", "clientId", "now", "threadId", "inRoom", "overrideName"]);
  const bump = accelerate<{ roomId: number }>(raw, (a) => bumpTimelineQuery(db, a), ["roomId"]);
  const marker = accelerate<Marker>(raw, (a) => setMarkerQuery(db, a), ["roomId", "userId", "lastReadId", "readCount", "mentionUnread"]);
  const eventKeys = ["type", "scope", "room_id", "user_id", "payload", "version", "created_at"] as const;
  const insEvent = accelerate<EventToWrite>(raw, (a) => insertEventQuery(db, a), eventKeys);
  const insEventAt = accelerate<EventToWrite & { id: number }>(raw, (a) => insertEventAtQuery(db, a), ["id", ...eventKeys]);
  return {
    /** The event rows written since the caller last emptied it. */
    appended,
    /** Emptied by the caller at BEGIN, checked before COMMIT. */
    reservations,
    db,
    senderAccess: (roomId, userId) => access.get({ roomId, userId }) as SenderAccess | undefined,
    findByClientId: (senderId, clientId) => byClientId.get({ senderId, clientId }) as MessageWithSender | undefined,
    insertMessage(m) {
      // The binder reads only the statement's inputs, so the sender's names can stay on the object.
      const row = insMessage.get(m) as { id: number; event_id: number | null } | undefined;
      if (!row) throw new Error("insert into messages returned no row");
      return insertedRow(row.id, m, m, reservations.reserve(row));
    },
    bumpTimeline(roomId) {
      const row = bump.get({ roomId }) as { timeline_count: number } | undefined;
      if (!row) throw new Error(`room ${roomId} not found for its timeline count`);
      return Number(row.timeline_count);
    },
    setMarker: (m) => marker.run(m),
    appendEvent(e, at) {
      const row = (at === undefined ? insEvent.get(e) : insEventAt.get({ ...e, id: at })) as { id: number } | undefined;
      if (!row) throw new Error("insert into events returned no row");
      const id = reservations.claim(at, row.id);
      appended.push(eventRow(id, e));
      return id;
    },
  };
}

/**
 * One hot statement: the builder compiled once with `@key` placeholders,
 * prepared with each placeholder turned into a positional `?` and bound from
 * the input object by position. (better-sqlite3 binds named parameters by
 * looking each name up on the object, on every call: about 1.5 µs on the
 * message insert.)
 */
function accelerate<P extends object>(raw: SQLite.Database, build: (a: Args<P>) => Compilable, keys: readonly (keyof P & string)[]) {
  const compiled = build(placeholders<P>(keys)).compile();
  // Every input must be a named placeholder: a value Kysely bound itself would be missing at run time.
  if (compiled.parameters.length > 0) throw new Error(`accelerated query has unnamed parameters: ${compiled.sql}`);
  // A string literal could hold an "@" that is not a placeholder: refuse any such literal.
  if (/'[^']*@/.test(compiled.sql)) throw new Error(`accelerated query has an "@" in a string literal: ${compiled.sql}`);
  const order: (keyof P & string)[] = [];
  const text = compiled.sql.replace(/@(\w+)/g, (_, name: string) => {
    const key = keys.find((k) => k === name);
    if (key === undefined) throw new Error(`accelerated query has an unknown placeholder @${name}: ${compiled.sql}`);
    order.push(key);
    return "?";
  });
  const stmt = raw.prepare(text);
  const args = (input: P): unknown[] => {
    const a = new Array<unknown>(order.length);
    for (let i = 0; i < order.length; i++) a[i] = input[order[i] as keyof P];
    return a;
  };
  return { get: (input: P): unknown => stmt.get(args(input)), run: (input: P): void => void stmt.run(args(input)) };
}
