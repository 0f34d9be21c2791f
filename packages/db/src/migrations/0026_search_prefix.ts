import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * SQLite: the word index gains FTS5 prefix indexes of 2 and 3 characters
 * (`prefix='2 3'`), so the word being typed (`dep`) reads one term's list
 * instead of merging the lists of every word that starts with it.
 *
 * FTS5 options are fixed when the table is created: both FTS5 tables are
 * created again, empty (the backfill writes both), and everything indexed so
 * far goes back to the background backfill: `pending_upto` moves up to
 * `indexed_upto`. The scheme of 0022 is unchanged — the tail indexes ids
 * above `indexed_upto`, the triggers touch only (pending_upto, indexed_upto],
 * which is empty until the backfill brings it down — and start-up does not
 * wait. Searches meanwhile say they are still indexing.
 *
 * PostgreSQL is unchanged (tsquery prefixes use the GIN index as they are).
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  if (dialect === "postgres") return;
  for (const statement of [
    "drop table messages_fts",
    "drop table messages_trigram",
    `create virtual table messages_fts using fts5(content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')`,
    `create virtual table messages_trigram using fts5(content, content='messages', content_rowid='id', tokenize='trigram remove_diacritics 1')`,
    "update search_backfill set pending_upto = indexed_upto",
  ]) {
    await sql.raw(statement).execute(db);
  }
}
