import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * `events_by_room` (0004) held one entry per message sent: the dearest
 * thing a send wrote besides its own rows (about 6 µs of a send's ~60 on
 * SQLite: twenty rooms' leaf pages rewritten at every commit). A room's
 * `message.created` events are replayed through the messages table instead
 * (its `(room_id, id)` index and `event_id`, see queries/replay.ts), so the
 * index now holds the room's other events only: edits, deletes, reactions,
 * membership, threads.
 */
export async function up(db: AnyDb, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex("events_by_room").execute();
  await db.schema
    .createIndex("events_by_room")
    .on("events")
    .columns(["room_id", "id"])
    .where(sql<boolean>`scope = 'room' and type <> 'message.created'`)
    .execute();
}
