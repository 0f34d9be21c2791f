import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * A used refresh token remembers the token that replaced it, so a client
 * that retries a refresh whose reply it never received can be told apart
 * from a replay of a stolen token (see `refresh` in @parley/api's domain/auth.ts).
 * Existing rows keep NULL: they are treated as having no known successor.
 */
export async function up(db: AnyDb, _dialect: Dialect): Promise<void> {
  // `add column` of a nullable column without a default is the same, and cheap, on SQLite and PostgreSQL.
  await db.schema.alterTable("refresh_tokens").addColumn("replaced_by", "text").execute();
}
