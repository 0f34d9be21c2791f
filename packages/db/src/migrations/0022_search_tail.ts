import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * SQLite: new messages are indexed for search after their commit, in
 * batches, instead of by a trigger in the send's transaction. FTS5 costs
 * about 190 µs per message one row per transaction (a new segment per
 * commit, word and trigram tables), against about 11 µs per message a
 * thousand at a time (queries/search-index.ts `indexSearchTail`).
 *
 * `search_backfill.indexed_upto`: messages with a larger id are not in the
 * index yet; the tail indexer adds them from their current content, so an
 * edit or delete before that needs no index work. The update and delete
 * triggers now touch only the indexed range (pending_upto, indexed_upto]:
 * an FTS5 'delete' of a row that was never inserted would corrupt the index.
 * Everything already there was indexed by the old insert trigger (or waits
 * for the backfill), so the mark starts at the newest message.
 *
 * PostgreSQL is unchanged: its GIN indexes are kept by the database.
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  if (dialect === "postgres") return;
  const indexed = "old.id > (select pending_upto from search_backfill) and old.id <= (select indexed_upto from search_backfill)";
  for (const statement of [
    "alter table search_backfill add column indexed_upto integer not null default 0",
    "update search_backfill set indexed_upto = coalesce((select max(id) from messages), 0)",
    "drop trigger messages_search_insert",
    "drop trigger messages_search_update",
    "drop trigger messages_search_delete",
    // One trigger, unindex then reindex in that order (SQLite does not promise an order between triggers).
    `create trigger messages_search_update after update of content, deleted_at on messages when ${indexed} begin
       insert into messages_fts (messages_fts, rowid, content) select 'delete', old.id, old.content
         where old.kind = 'text' and old.deleted_at is null;
       insert into messages_trigram (messages_trigram, rowid, content) select 'delete', old.id, old.content
         where old.kind = 'text' and old.deleted_at is null;
       insert into messages_fts (rowid, content) select new.id, new.content
         where new.kind = 'text' and new.deleted_at is null;
       insert into messages_trigram (rowid, content) select new.id, new.content
         where new.kind = 'text' and new.deleted_at is null;
     end`,
    `create trigger messages_search_delete after delete on messages
       when old.kind = 'text' and old.deleted_at is null and ${indexed} begin
       insert into messages_fts (messages_fts, rowid, content) values ('delete', old.id, old.content);
       insert into messages_trigram (messages_trigram, rowid, content) values ('delete', old.id, old.content);
     end`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
