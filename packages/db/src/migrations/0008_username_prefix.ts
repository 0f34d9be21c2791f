import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * People search by username prefix (issue 12) is a range on
 * `users.username_key`. PostgreSQL compares text in the database's collation,
 * where a locale may ignore punctuation ("a-b" sorts as "ab"), so the search
 * compares bytewise (`collate "C"`) and needs an index in that collation.
 * SQLite compares bytewise by default: the unique index on the key serves.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  if (dialect !== "postgres") return;
  await sql`create index users_username_key_c on users (username_key collate "C")`.execute(db);
}
