import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Avatars (issue 16).
 * - users.avatar_id: the `files` row holding the user's avatar (a square WebP
 *   the server made from one of their uploads), null for none. The avatar is
 *   an ordinary stored file, so the storage check and the quota count it;
 *   its row is marked attached, so the orphan sweep leaves it alone. A file
 *   row that goes takes the avatar with it (set null), never a dangling id.
 */
export async function up(db: AnyDb, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable("users")
    .addColumn("avatar_id", "text", (c) => c.references("files.id").onDelete("set null"))
    .execute();
}
