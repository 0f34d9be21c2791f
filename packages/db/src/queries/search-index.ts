import { type Kysely, sql } from "kysely";
import { isPostgres } from "../postgres.ts";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/**
 * The background part of migration 0012: indexing the messages that were
 * there before it. SQLite copies them into the FTS5 tables in batches,
 * newest first (recent history becomes searchable first), each batch in
 * the caller's write transaction; PostgreSQL builds its two GIN indexes
 * CONCURRENTLY, which never blocks writes. Search works meanwhile (on
 * PostgreSQL by scanning; on SQLite over what is indexed so far) and says it
 * is still indexing. New messages reach the SQLite index the same way,
 * in batches after their commit (`indexSearchTail`).
 */

/** SQLite: about how many messages still wait for the index (0 when done). PostgreSQL: 1 until its indexes are valid. */
export async function searchIndexBacklog(db: Db): Promise<number> {
  if (isPostgres(db)) {
    const r = await sql<{ n: number }>`select count(*) as n from pg_index i join pg_class c on c.oid = i.indexrelid
      where c.relname in ('messages_search_words', 'messages_search_trigram', 'messages_by_sender') and i.indisvalid`.execute(db);
    return Number(r.rows[0]?.n ?? 0) === 3 ? 0 : 1;
  }
  // Ids at or below the mark: an estimate (ids have gaps) that costs no scan at start-up.
  const r = await sql<{ n: number; ready: number }>`select pending_upto as n, senders_ready as ready from search_backfill`.execute(db);
  const row = r.rows[0];
  return Number(row?.n ?? 0) + (Number(row?.ready ?? 0) === 1 ? 0 : 1);
}

/** SQLite: whether `message_senders` covers every indexed message, so `from:` may read it (migration 0027). */
export async function sendersReady(db: Db): Promise<boolean> {
  const r = await sql<{ ready: number }>`select senders_ready as ready from search_backfill`.execute(db);
  return Number(r.rows[0]?.ready ?? 0) === 1;
}

/**
 * SQLite: `from:` newest first is a range of `message_senders` (sender_id,
 * id). The tail and the backfill add their batches' senders; what was
 * indexed before migration 0027 is copied here once, after the backfill, in
 * one write transaction (a second or two on a million messages), rather than
 * in the migration, which must not hold up start-up.
 */
export async function fillSenders(tx: Db): Promise<void> {
  const r = await sql<{ upto: number }>`select indexed_upto as upto from search_backfill`.execute(tx);
  await indexSenders(tx, 0, Number(r.rows[0]?.upto ?? 0));
  await sql`update search_backfill set senders_ready = 1`.execute(tx);
}

/** The senders of the messages in (lower, upper], for `from:`: in the same transaction as their FTS5 rows. */
async function indexSenders(tx: Db, lower: number, upper: number): Promise<void> {
  await sql`insert or ignore into message_senders (sender_id, id) select sender_id, id from messages
    where id > ${lower} and id <= ${upper} and sender_id is not null`.execute(tx);
}

/**
 * SQLite: indexes up to `batch` of the newest messages not yet indexed, in
 * the transaction `tx` (the write path's, so the triggers and this never
 * interleave). Returns how many messages it covered (0: nothing was left).
 */
export async function indexSearchBatch(tx: Db, batch: number): Promise<number> {
  const state = await sql<{ upto: number }>`select pending_upto as upto from search_backfill`.execute(tx);
  const upto = Number(state.rows[0]?.upto ?? 0);
  if (upto <= 0) return 0;
  const ids = await sql<{ id: number }>`select id from messages where id <= ${upto} order by id desc limit ${batch}`.execute(tx);
  const last = ids.rows[ids.rows.length - 1];
  const lower = ids.rows.length < batch || !last ? 0 : Number(last.id) - 1;
  for (const table of ["messages_fts", "messages_trigram"]) {
    await sql`insert into ${sql.table(table)} (rowid, content) select id, content from messages
      where id > ${lower} and id <= ${upto} and kind = 'text' and deleted_at is null`.execute(tx);
  }
  await indexSenders(tx, lower, upto);
  await sql`update search_backfill set pending_upto = ${lower}`.execute(tx);
  return ids.rows.length;
}

/**
 * SQLite: indexes up to `batch` messages newer than `indexed_upto` (migration
 * 0022), oldest first, from their current content, in the transaction `tx`
 * (the write path's, so an edit's trigger and this never interleave), and
 * moves the mark past them. One INSERT … SELECT per table: FTS5 merges the
 * whole batch into one segment. Returns how many ids it covered (fewer than
 * `batch`: the index has caught up).
 */
export async function indexSearchTail(tx: Db, batch: number): Promise<number> {
  const r = await sql<{ upto: number; top: number | null; n: number }>`select b.indexed_upto as upto, max(t.id) as top, count(t.id) as n
    from search_backfill b left join (select id from messages where id > (select indexed_upto from search_backfill) order by id limit ${batch}) t
    group by b.indexed_upto`.execute(tx);
  const row = r.rows[0];
  if (!row || row.top === null) return 0;
  for (const table of ["messages_fts", "messages_trigram"]) {
    await sql`insert into ${sql.table(table)} (rowid, content) select id, content from messages
      where id > ${row.upto} and id <= ${row.top} and kind = 'text' and deleted_at is null`.execute(tx);
  }
  await indexSenders(tx, row.upto, row.top);
  await sql`update search_backfill set indexed_upto = ${row.top}`.execute(tx);
  return Number(row.n);
}

/**
 * PostgreSQL: builds the search indexes without locking the table (outside
 * any transaction). A build that failed half-way leaves an invalid index:
 * it is dropped and built again.
 */
export async function buildPostgresSearchIndexes(db: Db): Promise<void> {
  const indexes = {
    messages_search_words: sql`using gin (to_tsvector('simple'::regconfig, parley_search_text(content)))`,
    messages_search_trigram: sql`using gin (parley_search_fold(content) gin_trgm_ops)`,
    messages_by_sender: sql`(sender_id, id)`,
  };
  for (const [name, definition] of Object.entries(indexes)) {
    const r = await sql<{ valid: boolean }>`select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = ${name}`.execute(db);
    const existing = r.rows[0];
    if (existing?.valid) continue;
    if (existing) await sql`drop index concurrently if exists ${sql.id(name)}`.execute(db);
    await sql`create index concurrently if not exists ${sql.id(name)} on messages ${definition}`.execute(db);
  }
}
