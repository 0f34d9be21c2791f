import { type Kysely, sql, type Transaction } from "kysely";
import { isPostgres } from "../postgres.ts";
import type { Database, EventRow, NewEvent } from "../schema.ts";
import type { Args } from "./args.ts";

type Db = Kysely<Database>;

/** Key of the event-log append lock in PostgreSQL's advisory lock space ("parl"). */
const EVENT_LOG_LOCK = 0x7061726c;

const locked = new WeakSet<Transaction<Database>>();

/**
 * Readers tail the log by id (`id > position`), so ids must become visible
 * in id order. SQLite has one writer at a time. On PostgreSQL a sequence
 * hands out ids at insert time while transactions commit in any order: tx A
 * takes 5, tx B takes 6 and commits first, a reader at 4 reads 6, moves to
 * 6 and never sees 5. So every transaction that appends events takes one
 * transaction-scoped advisory lock before its first insert and holds it to
 * commit: the next id is drawn only after the previous appender's rows are
 * visible (PostgreSQL makes a commit visible before it releases locks).
 * Taken first in the transaction, before any row lock, it cannot deadlock.
 */
export async function lockEventLog(trx: Transaction<Database>): Promise<void> {
  if (locked.has(trx) || !isPostgres(trx)) return;
  await sql`select pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK)})`.execute(trx);
  locked.add(trx);
}

/** The append, written once: run by Kysely, or prepared once by the SQLite accelerator (queries/write.ts). */
export const insertEventQuery = (db: Db, a: Args<Required<Omit<NewEvent, "id">>>) =>
  db
    .insertInto("events")
    .values({ type: a.type, scope: a.scope, room_id: a.room_id, user_id: a.user_id, payload: a.payload, version: a.version, created_at: a.created_at })
    .returning("id");

/** The append at a position reserved for it (see `nextEventId` in messages.ts): fails if the position is taken. */
export const insertEventAtQuery = (db: Db, a: Args<Required<NewEvent>>) =>
  db
    .insertInto("events")
    .values({ id: a.id, type: a.type, scope: a.scope, room_id: a.room_id, user_id: a.user_id, payload: a.payload, version: a.version, created_at: a.created_at })
    .returning("id");

export async function insertEvent(db: Db, e: NewEvent): Promise<number> {
  const row = await insertEventQuery(db, { room_id: null, user_id: null, version: 1, ...e }).executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The newest stream position, 0 for an empty log. */
export async function headPosition(db: Db): Promise<number> {
  const r = await db.selectFrom("events").select(sql<number | null>`max(id)`.as("head")).executeTakeFirstOrThrow();
  return Number(r.head ?? 0);
}

/** Every event in (after, …], oldest first: the hub's feed. */
export function eventsAfter(db: Db, after: number, limit: number): Promise<EventRow[]> {
  return db.selectFrom("events").selectAll().where("id", ">", after).orderBy("id").limit(limit).execute();
}
