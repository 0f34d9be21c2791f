import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * SQLite: `from:` reads `message_senders` (sender_id, id), which the search
 * indexer fills in the same batches as the FTS5 tables, instead of the index
 * `messages_by_sender`, which every send kept up to date. With many people
 * sending, that index dirtied one page per sender in every commit: about a
 * tenth of a send's CPU (issue 12's ingest figure). A batch of a thousand
 * messages writes each sender's page once.
 *
 * The table covers what the FTS5 tables cover: the tail and the backfill add
 * their ranges (queries/search-index.ts). What was indexed before this
 * migration is copied once, after the backfill, like the index it replaces
 * was built (`fillSenders`); `senders_ready` says it has been. Until then
 * `from:` reads `messages` (search.ts). A database with nothing indexed yet
 * (a new one, or one whose backfill starts over after 0026) has nothing to copy.
 *
 * PostgreSQL is unchanged: it keeps `messages_by_sender`, built CONCURRENTLY.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  if (dialect === "postgres") return;
  for (const statement of [
    "create table message_senders (sender_id integer not null, id integer not null, primary key (sender_id, id)) without rowid",
    "drop index if exists messages_by_sender",
    "alter table search_backfill add column senders_ready integer not null default 0",
    `update search_backfill set senders_ready = 1 where not exists
      (select 1 from messages m where m.id > search_backfill.pending_upto and m.id <= search_backfill.indexed_upto)`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
