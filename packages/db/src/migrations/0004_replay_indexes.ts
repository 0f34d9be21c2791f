import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * A resume replays the events a user may see (see queries/replay.ts): scope
 * `all`, events with them as subject, and the `room` events of each of their
 * rooms. Without an index per kind the replay read the log's whole id range,
 * so resuming from 0 cost the log's length (222k events: seconds of a
 * blocked process, per subscription). Each index holds only the rows its
 * source reads (partial indexes, on SQLite and PostgreSQL alike): the two
 * small ones cost nothing per message sent, `events_by_room` one B-tree
 * entry per message, the price of a resume that costs what the user sees.
 * 0003 dropped two full indexes no query used; these are the ones it uses.
 */
export async function up(db: AnyDb, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex("events_public").on("events").column("id").where(sql.ref("scope"), "=", sql.lit("all")).execute();
  await db.schema
    .createIndex("events_by_subject")
    .on("events")
    .columns(["user_id", "id"])
    .where(sql.ref("user_id"), "is not", null)
    .execute();
  await db.schema
    .createIndex("events_by_room")
    .on("events")
    .columns(["room_id", "id"])
    .where(sql.ref("scope"), "=", sql.lit("room"))
    .execute();
}
