import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Running Parley for a team (issue 18).
 * - users: `role` ('admin' | 'member': server admins) and `deactivated_at`
 *   (set: cannot sign in; the row and its messages stay).
 * - settings: key → JSON value, read by every node (registration mode, e-mail domains).
 * - invites: codes with an optional use limit and expiry; `uses` is raised
 *   by a conditional update, so racing registrations cannot overspend one.
 * - audit_log: every admin and moderation action (who, what, target, when).
 * - room_members: `muted_until` (may read, not send) and `last_sent_at`
 *   (slow mode; written only in rooms that have it); rooms: `slow_mode_seconds`.
 * - room_bans: who may not rejoin a room.
 * - reports: messages reported to the server admins.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const isPg = dialect === "postgres";
  const serial = isPg ? "bigserial" : "integer";
  const add = (table: string, column: string, type: string) => sql.raw(`alter table ${table} add column ${column} ${type}`).execute(db);

  await add("users", "role", "text not null default 'member'");
  await add("users", "deactivated_at", "bigint");
  await add("rooms", "slow_mode_seconds", "integer not null default 0");
  await add("room_members", "muted_until", "bigint");
  await add("room_members", "last_sent_at", "bigint");

  await db.schema
    .createTable("settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("invites")
    .addColumn("code", "text", (c) => c.primaryKey())
    .addColumn("created_by", "bigint", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint")
    .addColumn("max_uses", "integer")
    .addColumn("uses", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("revoked_at", "bigint")
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", sql.raw(serial), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("actor_id", "bigint", (c) => c.notNull().references("users.id"))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_id", "text")
    .addColumn("detail", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("room_bans")
    .addColumn("room_id", "bigint", (c) => c.notNull().references("rooms.id"))
    .addColumn("user_id", "bigint", (c) => c.notNull().references("users.id"))
    .addColumn("banned_by", "bigint", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("room_bans_pk", ["room_id", "user_id"])
    .execute();

  await db.schema
    .createTable("reports")
    .addColumn("id", sql.raw(serial), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("message_id", "bigint", (c) => c.notNull().references("messages.id"))
    .addColumn("reporter_id", "bigint", (c) => c.notNull().references("users.id"))
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  // One report per (message, reporter): reporting again is idempotent.
  await db.schema.createIndex("reports_once").on("reports").columns(["message_id", "reporter_id"]).unique().execute();
}
