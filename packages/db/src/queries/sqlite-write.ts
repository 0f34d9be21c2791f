import type SQLite from "better-sqlite3";
import type { Compilable, Kysely, KyselyPlugin } from "kysely";
import type { Database, EventRow } from "../schema.ts";
import { type Args, placeholders } from "./args.ts";
import { setMarkerQuery, setTimelineCountQuery, timelineCountQuery } from "./attention.ts";
import { insertEventAtQuery, insertEventQuery } from "./events.ts";
import { findByClientIdQuery, insertedRow, insertMessageQuery, type MessageWithSender, type NewMessage } from "./messages.ts";
import { type SenderAccess, senderAccessQuery } from "./rooms.ts";
import { type EventToWrite, eventRow, type Marker, Reservations, type WriteTx } from "./write.ts";

/**
 * SQLite: the hot statements compiled once from the same builders (with
 * `@name` placeholders) and prepared on the raw handle, and the write
 * counters a transaction moves kept in memory until it needs them in the
 * database (see `Pending`). `db` is only compiled against; each
 * transaction's queries run on the Kysely bound to the one connection the
 * caller holds (`begin`; better-sqlite3 is synchronous, so nothing else runs
 * between statements).
 */
export function sqliteWriteTx(raw: SQLite.Database, db: Kysely<Database>) {
  const appended: EventRow[] = [];
  const reservations = new Reservations();
  const pending = new Pending(raw, db);
  const access = accelerate<{ roomId: number; userId: number }>(raw, (a) => senderAccessQuery(db, a), ["roomId", "userId"]);
  const byClientId = accelerate<{ senderId: number; clientId: string }>(raw, (a) => findByClientIdQuery(db, a), ["senderId", "clientId"]);
  const insMessage = accelerate<NewMessage>(raw, (a) => insertMessageQuery(db, a), ["roomId", "senderId", "kind", "content", "clientId", "now", "threadId", "inRoom", "overrideName"]);
  const eventKeys = ["type", "scope", "room_id", "user_id", "payload", "version", "created_at"] as const;
  const insEvent = accelerate<EventToWrite>(raw, (a) => insertEventQuery(db, a), eventKeys);
  const insEventAt = accelerate<EventToWrite & { id: number }>(raw, (a) => insertEventAtQuery(db, a), ["id", ...eventKeys]);
  // Any query the operations run through `tx.db` first writes what is pending, so it reads what the transaction wrote.
  const flushFirst: KyselyPlugin = {
    transformQuery: (args) => {
      pending.flush();
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const hot: Omit<WriteTx, "db"> = {
    senderAccess: (roomId, userId) => access.get({ roomId, userId }) as SenderAccess | undefined,
    findByClientId: (senderId, clientId) => byClientId.get({ senderId, clientId }) as MessageWithSender | undefined,
    insertMessage(m) {
      // The binder reads only the statement's inputs, so the sender's names can stay on the object.
      const row = insMessage.get(m) as { id: number; event_id: number | null } | undefined;
      if (!row) throw new Error("insert into messages returned no row");
      return insertedRow(row.id, m, m, reservations.reserve(row));
    },
    bumpTimeline: (roomId) => pending.bump(roomId),
    setMarker: (m) => pending.mark(m),
    appendEvent(e, at) {
      const row = (at === undefined ? insEvent.get(e) : insEventAt.get({ ...e, id: at })) as { id: number } | undefined;
      if (!row) throw new Error("insert into events returned no row");
      const id = reservations.claim(at, row.id);
      appended.push(eventRow(id, e));
      return id;
    },
  };
  return {
    /** The event rows written since the last `begin`. */
    appended,
    /** Emptied at `begin`, checked before COMMIT. */
    reservations,
    /** A transaction starts: `conn` is the connection it holds. Forgets what a rolled-back one left. */
    begin(conn: Kysely<Database>): WriteTx {
      appended.length = 0;
      reservations.clear();
      pending.clear();
      return { ...hot, db: conn.withPlugin(flushFirst) };
    },
    /** Before COMMIT: everything still pending is written. */
    finish(): void {
      pending.flush();
      reservations.check();
    },
  };
}

/**
 * The counters every send moves (a room's timeline count, the sender's read
 * marker), kept for the rest of the transaction and written once before
 * COMMIT, or before any other query of the transaction runs. A group commit
 * of N sends to a room then updates its row once, not N times (an UPDATE …
 * RETURNING is ~5 µs, most of a send's counter cost); what any statement
 * reads is the same as if each had been written at once.
 */
class Pending {
  private readonly timelines = new Map<number, number>();
  private readonly markers = new Map<string, Marker>();
  private readonly readCount;
  private readonly writeCount;
  private readonly writeMarker;

  constructor(raw: SQLite.Database, db: Kysely<Database>) {
    this.readCount = accelerate<{ roomId: number }>(raw, (a) => timelineCountQuery(db, a), ["roomId"]);
    this.writeCount = accelerate<{ roomId: number; count: number }>(raw, (a) => setTimelineCountQuery(db, a), ["roomId", "count"]);
    this.writeMarker = accelerate<Marker>(raw, (a) => setMarkerQuery(db, a), ["roomId", "userId", "lastReadId", "readCount", "mentionUnread"]);
  }

  /** One more text message in the room's timeline: the new count. */
  bump(roomId: number): number {
    let count = this.timelines.get(roomId);
    if (count === undefined) {
      const row = this.readCount.get({ roomId }) as { timeline_count: number } | undefined;
      if (!row) throw new Error(`room ${roomId} not found for its timeline count`);
      count = Number(row.timeline_count);
    }
    this.timelines.set(roomId, count + 1);
    return count + 1;
  }

  /** A member's marker: the last one set in the transaction is the one written. */
  mark(m: Marker): void {
    this.markers.set(`${m.roomId}:${m.userId}`, { ...m });
  }

  flush(): void {
    if (this.timelines.size > 0) {
      for (const [roomId, count] of this.timelines) this.writeCount.run({ roomId, count });
      this.timelines.clear();
    }
    if (this.markers.size > 0) {
      for (const m of this.markers.values()) this.writeMarker.run(m);
      this.markers.clear();
    }
  }

  clear(): void {
    this.timelines.clear();
    this.markers.clear();
  }
}

/**
 * One hot statement: the builder compiled once with `@key` placeholders,
 * prepared with each placeholder turned into a positional `?` and bound from
 * the input object by position. (better-sqlite3 binds named parameters by
 * looking each name up on the object, on every call: about 1.5 µs on the
 * message insert.) A row comes back as an array and is named here: for the
 * ten columns of the access row that is 2 µs less than better-sqlite3's own
 * object building.
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
  const names = stmt.reader ? stmt.columns().map((c) => c.name) : [];
  if (stmt.reader) stmt.raw(true);
  const args = (input: P): unknown[] => {
    const a = new Array<unknown>(order.length);
    for (let i = 0; i < order.length; i++) a[i] = input[order[i] as keyof P];
    return a;
  };
  return {
    get: (input: P): Record<string, unknown> | undefined => {
      const values = stmt.get(args(input)) as unknown[] | undefined;
      if (values === undefined) return undefined;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
      return row;
    },
    run: (input: P): void => void stmt.run(args(input)),
  };
}
