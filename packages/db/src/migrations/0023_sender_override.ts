import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Integrations, continued (issue 17).
 * - messages.override_name: the name an incoming webhook's post asked to be
 *   shown under (Slack's `username`), shown as "<name> via webhook"; null
 *   for everything else.
 * - command_responses: the response URLs handed to custom slash commands, so
 *   an integration can answer after the 3 s deadline. Only the SHA-256 of
 *   the URL's secret is stored; each has an expiry and a use budget.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  void dialect;
  await sql`alter table messages add column override_name text`.execute(db);
  await db.schema
    .createTable("command_responses")
    .addColumn("secret_hash", "text", (c) => c.primaryKey())
    .addColumn("command_id", "bigint", (c) => c.notNull().references("slash_commands.id").onDelete("cascade"))
    .addColumn("room_id", "bigint", (c) => c.notNull().references("rooms.id").onDelete("cascade"))
    .addColumn("user_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("uses", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("command_responses_by_expiry").on("command_responses").columns(["expires_at"]).execute();
}
