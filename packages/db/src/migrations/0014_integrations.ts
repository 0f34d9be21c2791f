import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Bots and integrations (issue 17).
 * - users: `is_bot`, `bot_owner_id` (the person who manages a bot and its
 *   tokens; a bot goes when its owner does); its name is 0010's `display_name`.
 * - access_tokens: personal access tokens, stored as SHA-256 of the token.
 *   Each has its own row in `sessions`, so revoking one reuses the session
 *   revocation path (database row, then every node closes its sockets).
 * - incoming_webhooks: a room's webhook, posting as its own bot user; the
 *   secret in its URL is stored as SHA-256 only.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const isPg = dialect === "postgres";
  const serial = isPg ? "bigserial" : "integer";
  const add = (table: string, column: string, type: string) => sql.raw(`alter table ${table} add column ${column} ${type}`).execute(db);

  await add("users", "is_bot", "integer not null default 0");
  await add("users", "bot_owner_id", "bigint references users(id) on delete cascade");
  // `display_name` comes with migration 0010 (people, issue 13).
  await db.schema.createIndex("users_bots_by_owner").on("users").columns(["bot_owner_id", "id"]).where(sql.ref("bot_owner_id"), "is not", null).execute();

  await db.schema
    .createTable("access_tokens")
    .addColumn("id", sql.raw(serial), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("user_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_by", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("access_tokens_by_creator").on("access_tokens").columns(["created_by", "id"]).execute();

  await db.schema
    .createTable("incoming_webhooks")
    .addColumn("id", sql.raw(serial), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("room_id", "bigint", (c) => c.notNull().references("rooms.id").onDelete("cascade"))
    .addColumn("bot_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("secret_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_by", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("incoming_webhooks_by_room").on("incoming_webhooks").columns(["room_id", "id"]).execute();
}
