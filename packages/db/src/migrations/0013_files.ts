import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Files and images (issue 16).
 * - files: one row per stored upload, keyed by a random unguessable id (the
 *   storage key too). `attached_at` is null until a message references it:
 *   the orphan sweep deletes rows still null a day after `created_at`.
 * - message_attachments: which message shows which file, in order. A file
 *   may be referenced by more than one message (its uploader attaching it
 *   again); it is deleted when the last reference goes.
 */
export async function up(db: AnyDb, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("files")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("uploader_id", "bigint", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("width", "integer")
    .addColumn("height", "integer")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("attached_at", "bigint")
    .execute();
  // The quota (bytes per uploader) and the uploader's own listing.
  await db.schema.createIndex("files_by_uploader").on("files").columns(["uploader_id", "created_at"]).execute();
  // The orphan sweep: unattached uploads, oldest first.
  await db.schema.createIndex("files_unattached").on("files").columns(["attached_at", "created_at"]).execute();

  await db.schema
    .createTable("message_attachments")
    .addColumn("message_id", "bigint", (c) => c.notNull().references("messages.id").onDelete("cascade"))
    .addColumn("file_id", "text", (c) => c.notNull().references("files.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("message_attachments_pk", ["message_id", "file_id"])
    .execute();
  // The access rule and garbage collection go from a file to the messages that show it.
  await db.schema.createIndex("message_attachments_by_file").on("message_attachments").columns(["file_id", "message_id"]).execute();
}
