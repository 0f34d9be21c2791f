import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Attention (issue 14): mentions, read state kept on the server, receipts,
 * notification settings.
 * - messages.mentions: the message's resolved mentions as JSON (null: none).
 * - rooms.timeline_count: how many text messages the room's timeline holds
 *   (a counter bumped by each send), so an unread count is a subtraction.
 * - room_members: the member's marker (`last_read_id`) and how many timeline
 *   messages it covers (`read_count`); notification `level` and `muted`.
 *   Members already there start with everything read, not with a flood.
 * - mentions: one row per (user, room, message) for a timeline message that
 *   mentions the user; user 0 stands for `@room` (everyone in it), so a
 *   room-wide mention is one row, not one per member.
 * - thread_follows: who follows a thread, and their marker in it.
 * - users: `dnd_until` (do not disturb) and `private_receipts`.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const add = (table: string, column: string, type: string) => sql.raw(`alter table ${table} add column ${column} ${type}`).execute(db);
  void dialect;

  await add("messages", "mentions", "text");
  await add("rooms", "timeline_count", "integer not null default 0");
  await add("room_members", "last_read_id", "bigint not null default 0");
  await add("room_members", "read_count", "integer not null default 0");
  await add("room_members", "notify_level", "text not null default 'mentions'");
  await add("room_members", "muted", "integer not null default 0");
  await add("users", "dnd_until", "bigint");
  await add("users", "private_receipts", "integer not null default 0");

  await sql`update rooms set timeline_count = (select count(*) from messages m where m.room_id = rooms.id and m.kind = 'text' and m.in_room = 1)`.execute(db);
  await sql`update room_members set
      read_count = (select r.timeline_count from rooms r where r.id = room_members.room_id),
      last_read_id = coalesce((select max(m.id) from messages m where m.room_id = room_members.room_id), 0)`.execute(db);

  await db.schema
    .createTable("mentions")
    .addColumn("user_id", "bigint", (c) => c.notNull())
    .addColumn("room_id", "bigint", (c) => c.notNull())
    .addColumn("message_id", "bigint", (c) => c.notNull().references("messages.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("mentions_pk", ["user_id", "room_id", "message_id"])
    .execute();
  await db.schema.createIndex("mentions_by_message").on("mentions").columns(["message_id"]).execute();

  await db.schema
    .createTable("thread_follows")
    .addColumn("user_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("root_id", "bigint", (c) => c.notNull().references("messages.id").onDelete("cascade"))
    .addColumn("room_id", "bigint", (c) => c.notNull())
    .addColumn("following", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("last_read_id", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("read_count", "integer", (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("thread_follows_pk", ["user_id", "root_id"])
    .execute();
  await db.schema.createIndex("thread_follows_by_root").on("thread_follows").columns(["root_id"]).execute();
}
