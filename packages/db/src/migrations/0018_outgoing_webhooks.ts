import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Outgoing webhooks (issue 17).
 * - outgoing_webhooks: a room's subscriber URL, its signing secret (kept as
 *   is: signing needs it), optional trigger words, and the bot its replies are posted as.
 * - webhook_deliveries: the durable queue: one row per (webhook, message),
 *   unique, retried with backoff until delivered or given up.
 * - integration_cursors: how far in the event log the queue has been filled
 *   (one row per consumer), so a restart neither skips nor repeats a message.
 * - slash_commands: a room's custom commands (`/trigger`), each POSTed to its
 *   URL signed with its own secret, answered as its own bot.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const isPg = dialect === "postgres";
  const serial = isPg ? "bigserial" : "integer";

  await db.schema
    .createTable("outgoing_webhooks")
    .addColumn("id", sql.raw(serial), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("room_id", "bigint", (c) => c.notNull().references("rooms.id").onDelete("cascade"))
    .addColumn("bot_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("trigger_words", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("secret", "text", (c) => c.notNull())
    .addColumn("created_by", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("outgoing_webhooks_by_room").on("outgoing_webhooks").columns(["room_id", "id"]).execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", sql.raw(serial), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("webhook_id", "bigint", (c) => c.notNull().references("outgoing_webhooks.id").onDelete("cascade"))
    .addColumn("message_id", "bigint", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_at", "bigint", (c) => c.notNull())
    .addColumn("delivered_at", "bigint")
    .addColumn("failed_at", "bigint")
    .addColumn("last_error", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("webhook_deliveries_once").on("webhook_deliveries").columns(["webhook_id", "message_id"]).unique().execute();
  // The worker's one question: what is due.
  await db.schema
    .createIndex("webhook_deliveries_due")
    .on("webhook_deliveries")
    .columns(["next_at"])
    .where(sql.ref("delivered_at"), "is", null)
    .execute();

  await db.schema
    .createTable("integration_cursors")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("position", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("slash_commands")
    .addColumn("id", sql.raw(serial), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("room_id", "bigint", (c) => c.notNull().references("rooms.id").onDelete("cascade"))
    .addColumn("trigger", "text", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("secret", "text", (c) => c.notNull())
    .addColumn("bot_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_by", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("slash_commands_by_trigger").on("slash_commands").columns(["room_id", "trigger"]).unique().execute();
}
