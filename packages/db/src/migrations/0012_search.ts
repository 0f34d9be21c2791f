import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Message search (issue 15). Only quick statements here: start-up must not
 * wait for existing messages to be indexed, which happens in the background
 * (queries/search-index.ts, started by the api's search indexer).
 *
 * SQLite: two FTS5 tables with `messages` as external content — words
 * (`unicode61 remove_diacritics 2`) and trigrams (CJK, substrings such as
 * `db.json`) — kept by triggers in the writing transaction. Only live text
 * messages are indexed. `search_backfill.pending_upto`: messages with an id
 * at or below it predate the index and are not in it yet; the triggers leave
 * them to the backfill (an FTS5 'delete' of a row that was never inserted
 * would corrupt the index).
 *
 * PostgreSQL: immutable folding functions (unaccent + lower; punctuation to
 * spaces for words), used by the search and by two GIN indexes (tsvector and
 * pg_trgm) that the background indexer builds CONCURRENTLY, so writes never
 * wait and the table is not locked. Both extensions are trusted (a database
 * owner may create them).
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  if (dialect === "postgres") return postgres(db);
  for (const statement of [
    `create virtual table messages_fts using fts5(content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`,
    `create virtual table messages_trigram using fts5(content, content='messages', content_rowid='id', tokenize='trigram remove_diacritics 1')`,
    "create table search_backfill (id integer primary key check (id = 1), pending_upto integer not null)",
    "insert into search_backfill (id, pending_upto) values (1, coalesce((select max(id) from messages), 0))",
    `create trigger messages_search_insert after insert on messages when new.kind = 'text' and new.deleted_at is null begin
       insert into messages_fts (rowid, content) values (new.id, new.content);
       insert into messages_trigram (rowid, content) values (new.id, new.content);
     end`,
    // One trigger, unindex then reindex in that order (SQLite does not promise an order between triggers).
    `create trigger messages_search_update after update of content, deleted_at on messages begin
       insert into messages_fts (messages_fts, rowid, content) select 'delete', old.id, old.content
         where old.kind = 'text' and old.deleted_at is null and old.id > (select pending_upto from search_backfill);
       insert into messages_trigram (messages_trigram, rowid, content) select 'delete', old.id, old.content
         where old.kind = 'text' and old.deleted_at is null and old.id > (select pending_upto from search_backfill);
       insert into messages_fts (rowid, content) select new.id, new.content
         where new.kind = 'text' and new.deleted_at is null and new.id > (select pending_upto from search_backfill);
       insert into messages_trigram (rowid, content) select new.id, new.content
         where new.kind = 'text' and new.deleted_at is null and new.id > (select pending_upto from search_backfill);
     end`,
    `create trigger messages_search_delete after delete on messages
       when old.kind = 'text' and old.deleted_at is null and old.id > (select pending_upto from search_backfill) begin
       insert into messages_fts (messages_fts, rowid, content) values ('delete', old.id, old.content);
       insert into messages_trigram (messages_trigram, rowid, content) values ('delete', old.id, old.content);
     end`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

async function postgres(db: AnyDb): Promise<void> {
  for (const statement of [
    "create extension if not exists unaccent",
    "create extension if not exists pg_trgm",
    // unaccent() is only STABLE (its dictionary could change); naming the dictionary makes this wrapper safe to index.
    `create function parley_search_fold(t text) returns text language sql immutable strict parallel safe
       as $$ select lower(public.unaccent('public.unaccent'::regdictionary, t)) $$`,
    // Words as SQLite's unicode61 splits them: punctuation separates (so db.json is "db" and "json").
    `create function parley_search_text(t text) returns text language sql immutable strict parallel safe
       as $$ select regexp_replace(parley_search_fold(t), '[[:punct:][:space:]]+', ' ', 'g') $$`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
