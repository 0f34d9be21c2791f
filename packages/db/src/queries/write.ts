import type SQLite from "better-sqlite3";
import type { Compilable, Kysely } from "kysely";
import type { Database, EventRow, NewEvent } from "../schema.ts";
import { type Args, placeholders } from "./args.ts";
import { insertEventQuery, lockEventLog } from "./events.ts";
import { findByClientIdQuery, insertedRow, insertMessageQuery, type MessageWithSender, type NewMessage, setMessageEventQuery } from "./messages.ts";
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
 */
export interface WriteTx {
  readonly db: Kysely<Database>;
  senderAccess(roomId: number, userId: number): Awaitable<SenderAccess | undefined>;
  findByClientId(senderId: number, clientId: string): Awaitable<MessageWithSender | undefined>;
  insertMessage(m: NewMessage & { senderName: string | null }): Awaitable<MessageWithSender>;
  appendEvent(e: EventToWrite): Awaitable<number>;
  /** Records that event `eventId` carries message `messageId`'s text (its `message.created`). */
  setMessageEvent(messageId: number, eventId: number): Awaitable<void>;
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

const eventRow = (id: number, e: EventToWrite): EventRow => ({ id, ...e });

/** PostgreSQL (and any Kysely database): a Kysely transaction, the same builders executed. */
export function kyselyWriteTransaction(db: Kysely<Database>): WriteTransaction {
  return async (fn, onCommit) => {
    const appended: EventRow[] = [];
    const result = await db.transaction().execute(async (trx) => {
      await lockEventLog(trx);
      const tx: WriteTx = {
        db: trx,
        senderAccess: (roomId, userId) => senderAccessQuery(trx, { roomId, userId }).executeTakeFirst(),
        findByClientId: (senderId, clientId) => findByClientIdQuery(trx, { senderId, clientId }).executeTakeFirst(),
        async insertMessage({ senderName, ...m }) {
          const { id } = await insertMessageQuery(trx, m).executeTakeFirstOrThrow();
          return insertedRow(Number(id), m, senderName);
        },
        async appendEvent(e) {
          const { id } = await insertEventQuery(trx, e).executeTakeFirstOrThrow();
          appended.push(eventRow(Number(id), e));
          return Number(id);
        },
        async setMessageEvent(messageId, eventId) {
          await setMessageEventQuery(trx, { messageId, eventId }).execute();
        },
      };
      return fn(tx);
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
export function sqliteWriteTx(raw: SQLite.Database, db: Kysely<Database>): WriteTx & { appended: EventRow[] } {
  const appended: EventRow[] = [];
  const access = accelerate<{ roomId: number; userId: number }>(raw, (a) => senderAccessQuery(db, a), ["roomId", "userId"]);
  const byClientId = accelerate<{ senderId: number; clientId: string }>(raw, (a) => findByClientIdQuery(db, a), ["senderId", "clientId"]);
  const insMessage = accelerate<NewMessage>(raw, (a) => insertMessageQuery(db, a), ["roomId", "senderId", "kind", "content", "clientId", "now", "threadId", "inRoom"]);
  const setEvent = accelerate<{ messageId: number; eventId: number }>(raw, (a) => setMessageEventQuery(db, a), ["messageId", "eventId"]);
  const insEvent = accelerate<EventToWrite>(raw, (a) => insertEventQuery(db, a), ["type", "scope", "room_id", "user_id", "payload", "version", "created_at"]);
  return {
    /** The event rows written since the caller last emptied it. */
    appended,
    db,
    senderAccess: (roomId, userId) => access.get({ roomId, userId }) as SenderAccess | undefined,
    findByClientId: (senderId, clientId) => byClientId.get({ senderId, clientId }) as MessageWithSender | undefined,
    insertMessage(m) {
      // The binder reads only the statement's inputs, so `senderName` can stay on the object.
      const row = insMessage.get(m) as { id: number } | undefined;
      if (!row) throw new Error("insert into messages returned no row");
      return insertedRow(row.id, m, m.senderName);
    },
    appendEvent(e) {
      const row = insEvent.get(e) as { id: number } | undefined;
      if (!row) throw new Error("insert into events returned no row");
      appended.push(eventRow(row.id, e));
      return row.id;
    },
    setMessageEvent(messageId, eventId) {
      setEvent.run({ messageId, eventId });
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
  // A string literal could hold an "@": these statements have none, and must not grow one unnoticed.
  if (compiled.sql.includes("'")) throw new Error(`accelerated query has a string literal: ${compiled.sql}`);
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
