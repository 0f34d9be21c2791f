import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Edits, deletes, reactions, threads and direct messages (issue 12).
 * - messages: `rev` (1 at creation, +1 per edit), `deleted_at` (tombstone),
 *   `event_id` (the position of its `message.created`, so a delete can
 *   rewrite that payload without searching the log), `thread_id` (the root a
 *   reply belongs to), `in_room` (0 for a reply shown only in its thread),
 *   and a root's thread summary (`reply_count`, `last_reply_at`).
 * - message_revisions: earlier versions, each with the position of the
 *   `message.updated` event that replaced it.
 * - reactions: one row per (message, emoji, user).
 * - thread_participants: who wrote in a thread, in order of first reply.
 * - rooms.kind ('channel' | 'dm') and rooms.dm_key: the sorted member ids of
 *   a DM, unique, so racing opens of the same DM find one room.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const isPg = dialect === "postgres";
  const serial = isPg ? "bigserial" : "integer";
  const add = (table: string, column: string, type: string) => sql.raw(`alter table ${table} add column ${column} ${type}`).execute(db);

  await add("messages", "rev", "integer not null default 1");
  await add("messages", "deleted_at", "bigint");
  await add("messages", "event_id", "bigint");
  await add("messages", "thread_id", "bigint");
  await add("messages", "in_room", "integer not null default 1");
  await add("messages", "reply_count", "integer not null default 0");
  await add("messages", "last_reply_at", "bigint");
  // A thread's replies, oldest first, by keyset on the id.
  await db.schema.createIndex("messages_by_thread").on("messages").columns(["thread_id", "id"]).where(sql.ref("thread_id"), "is not", null).execute();

  await db.schema
    .createTable("message_revisions")
    .addColumn("id", sql.raw(serial), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("message_id", "bigint", (c) => c.notNull().references("messages.id").onDelete("cascade"))
    .addColumn("rev", "integer", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("replaced_at", "bigint", (c) => c.notNull())
    .addColumn("event_id", "bigint")
    .execute();
  await db.schema.createIndex("message_revisions_by_message").on("message_revisions").columns(["message_id", "rev"]).unique().execute();

  await db.schema
    .createTable("reactions")
    .addColumn("message_id", "bigint", (c) => c.notNull().references("messages.id").onDelete("cascade"))
    .addColumn("emoji", "text", (c) => c.notNull())
    .addColumn("user_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("reactions_pk", ["message_id", "emoji", "user_id"])
    .execute();
  // Who reacted with an emoji, in order: the first ten on every message, and paging.
  await db.schema.createIndex("reactions_in_order").on("reactions").columns(["message_id", "emoji", "created_at", "user_id"]).execute();

  await db.schema
    .createTable("thread_participants")
    .addColumn("root_id", "bigint", (c) => c.notNull().references("messages.id").onDelete("cascade"))
    .addColumn("user_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("first_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("thread_participants_pk", ["root_id", "user_id"])
    .execute();

  await add("rooms", "kind", "text not null default 'channel'");
  await add("rooms", "dm_key", "text");
  await db.schema.createIndex("rooms_dm_key").on("rooms").column("dm_key").unique().where(sql.ref("dm_key"), "is not", null).execute();
}
