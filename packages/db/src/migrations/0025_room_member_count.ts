import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * rooms.member_count (issue 14's cost target): how many members a room has,
 * kept by the write path as members join and leave (queries/members.ts), so
 * `rooms.list` reads a column instead of counting each room's members.
 * Existing rooms start with their count.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  void dialect;
  await sql`alter table rooms add column member_count integer not null default 0`.execute(db);
  await sql`update rooms set member_count = (select count(*) from room_members m where m.room_id = rooms.id)`.execute(db);
}
