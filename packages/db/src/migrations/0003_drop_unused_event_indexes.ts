import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * The log is only ever read by position: the hub reads `id > ?` in order,
 * and a resume replays an `id` range filtered by scope, room and user (see
 * queries/events.ts; the range is the primary key, and the filter's
 * `scope = 'all'` branch rules out an index per branch). No query used
 * `events_by_room` or `events_by_user`, while every appended event paid for
 * both: two more B-trees written per message sent.
 */
export async function up(db: AnyDb, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex("events_by_room").ifExists().execute();
  await db.schema.dropIndex("events_by_user").ifExists().execute();
}
