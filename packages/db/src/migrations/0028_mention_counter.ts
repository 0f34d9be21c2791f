import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * room_members.mention_unread (issue 14's cost target): how many of the
 * room's `mentions` rows (the member's own, and the room-wide ones of user 0)
 * lie after the member's marker, kept by the write path as rows come and go
 * and as the marker moves (queries/attention.ts), so `rooms.list` reads a
 * column instead of counting an index range per room. Existing members start
 * with the count their rows give.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  void dialect;
  await sql`alter table room_members add column mention_unread integer not null default 0`.execute(db);
  await sql`update room_members set mention_unread = (
      select count(*) from mentions mn
      where mn.user_id in (room_members.user_id, 0) and mn.room_id = room_members.room_id and mn.message_id > room_members.last_read_id)`.execute(db);
}
