import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Issue 13.
 * - First run: the room every new account joins (`rooms.is_default`, at most
 *   one row, by a partial unique index, so racing sign-ups cannot make two).
 *   A room needs a creator, so the room itself is made with the first account
 *   (domain/first-run.ts); a server that already has a public "general"
 *   adopts its oldest one here.
 * - People: a display name (null: show the username) and a status text.
 */
export async function up(db: AnyDb, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable("rooms").addColumn("is_default", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await sql`create unique index rooms_one_default on rooms (is_default) where is_default = 1`.execute(db);
  await sql`update rooms set is_default = 1 where id = (
    select min(id) from rooms where lower(name) = 'general' and is_private = 0 and deleted_at is null and kind = 'channel'
  )`.execute(db);
  await db.schema.alterTable("users").addColumn("display_name", "text").execute();
  await db.schema.alterTable("users").addColumn("status_text", "text", (c) => c.notNull().defaultTo("")).execute();
}
