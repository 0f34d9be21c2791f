import { type Kysely, type RawBuilder, sql } from "kysely";
import { isPostgres } from "../postgres.ts";
import type { Database } from "../schema.ts";
import { type MessageWithSender, messageColumns } from "./messages.ts";
import { sendersReady } from "./search-index.ts";

type Db = Kysely<Database>;

/**
 * A text condition of a search, already parsed and classified by the api
 * (domain/search-query.ts). The text is bound as a parameter and quoted
 * here for the engine: it is never spliced into MATCH or a tsquery raw.
 */
export type SearchText =
  | { kind: "word"; text: string; prefix: boolean; negate: boolean }
  | { kind: "phrase"; text: string; negate: boolean }
  | { kind: "substring"; text: string; negate: boolean };

export interface SearchPlan {
  userId: number;
  /** Only these rooms (the caller checked they are readable); null: every live room the user is a member of. */
  roomIds: number[] | null;
  text: SearchText[];
  /** Any of these senders; null: anyone. */
  senderIds: number[] | null;
  /** created_at in [createdFrom, createdTo). */
  createdFrom: number | null;
  createdTo: number | null;
  hasLink: boolean;
  /** With at least one attachment. */
  hasFile: boolean;
  isThread: boolean;
  sort: "newest" | "relevance";
  /** Newest first: ids below this one. */
  beforeId: number | null;
  /** Relevance: how many to skip. */
  offset: number;
  limit: number;
}

/** Trigrams need three characters; shorter substrings are checked on the content itself, folded (connect.ts registers the function). */
const TRIGRAM_MIN = 3;

/** A string as one FTS5 string token: inside double quotes only `"` is special, and it is doubled. */
const ftsString = (s: string) => `"${s.replaceAll('"', '""')}"`;
/** LIKE's wildcards and its escape character (PostgreSQL's default, backslash) taken literally. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const codePoints = (s: string) => [...s].length;

/**
 * One page of matches, newest first (or by relevance), as `MessageWithSender`
 * rows. Only live text messages in live rooms the user belongs to (or the
 * given rooms) are searched; asks for `limit + 1` so the caller knows if
 * there is more.
 */
export async function searchMessages(db: Db, plan: SearchPlan): Promise<MessageWithSender[]> {
  if (plan.roomIds?.length === 0 || plan.senderIds?.length === 0) return [];
  const pg = isPostgres(db);
  const where: RawBuilder<unknown>[] = [sql`m.kind = 'text'`, sql`m.deleted_at is null`, sql`r.deleted_at is null`];
  where.push(
    plan.roomIds
      ? sql`m.room_id in (${sql.join(plan.roomIds)})`
      : sql`m.room_id in (select rm.room_id from room_members rm where rm.user_id = ${plan.userId})`,
  );
  if (plan.senderIds) where.push(sql`m.sender_id in (${sql.join(plan.senderIds)})`);
  if (plan.createdFrom !== null) where.push(sql`m.created_at >= ${plan.createdFrom}`);
  if (plan.createdTo !== null) where.push(sql`m.created_at < ${plan.createdTo}`);
  if (plan.hasLink) where.push(pg ? sql`(m.content ilike '%http://%' or m.content ilike '%https://%')` : sql`(m.content like '%http://%' or m.content like '%https://%')`);
  // The attachments' primary key starts with message_id: one index probe per candidate.
  if (plan.hasFile) where.push(sql`exists (select 1 from message_attachments a where a.message_id = m.id)`);
  if (plan.isThread) where.push(sql`(m.thread_id is not null or m.reply_count > 0)`);
  const columns = sql.join(messageColumns.map((c) => sql.raw(c)));
  const joins = sql`join rooms r on r.id = m.room_id left join users u on u.id = m.sender_id`;
  const relevance = plan.sort === "relevance";
  const page = relevance ? sql`limit ${plan.limit + 1} offset ${plan.offset}` : sql`limit ${plan.limit + 1}`;

  if (pg) {
    const words = plan.text.filter((t) => t.kind !== "substring");
    const vector = sql`to_tsvector('simple'::regconfig, parley_search_text(m.content))`;
    let rank = sql`0`;
    if (words.length > 0) {
      const tsquery = sql.join(words.map(pgTsquery), sql` && `);
      where.push(sql`${vector} @@ (${tsquery})`);
      rank = sql`ts_rank(${vector}, ${tsquery})`;
    }
    for (const t of plan.text) {
      if (t.kind !== "substring") continue;
      const like = sql`parley_search_fold(m.content) like ('%' || parley_search_fold(${escapeLike(t.text)}) || '%')`;
      where.push(t.negate ? sql`not (${like})` : like);
    }
    if (!relevance && plan.beforeId !== null) where.push(sql`m.id < ${plan.beforeId}`);
    const order = relevance ? sql`${rank} desc, m.id desc` : sql`m.id desc`;
    const r = await sql<MessageWithSender>`select ${columns} from messages m ${joins} where ${sql.join(where, sql` and `)} order by ${order} ${page}`.execute(db);
    return r.rows;
  }

  const positive = plan.text.filter((t) => t.kind !== "substring" && !t.negate).map(sqliteFts);
  const negative = plan.text.filter((t) => t.kind !== "substring" && t.negate).map(sqliteFts);
  for (const t of plan.text) {
    if (t.kind !== "substring") continue;
    const found =
      codePoints(t.text) >= TRIGRAM_MIN
        ? sql`m.id in (select rowid from messages_trigram where messages_trigram match ${ftsString(t.text)})`
        : sql`instr(parley_search_fold(m.content), parley_search_fold(${t.text})) > 0`;
    where.push(t.negate ? sql`not (${found})` : found);
  }
  if (positive.length > 0) {
    // The word index drives: FTS5 walks its matches newest first (rowid desc) and the page stops early.
    // CROSS JOIN keeps it the outer loop: driven from an index on messages instead, FTS5 would run the MATCH once per row.
    const match = [positive.join(" AND "), ...negative].join(" NOT ");
    if (!relevance && plan.beforeId !== null) where.push(sql`messages_fts.rowid < ${plan.beforeId}`);
    const order = relevance ? sql`messages_fts.rank, messages_fts.rowid desc` : sql`messages_fts.rowid desc`;
    const r = await sql<MessageWithSender>`select ${columns} from messages_fts cross join messages m on m.id = messages_fts.rowid ${joins}
      where messages_fts match ${match} and ${sql.join(where, sql` and `)} order by ${order} ${page}`.execute(db);
    return r.rows;
  }
  if (negative.length > 0) where.push(sql`m.id not in (select rowid from messages_fts where messages_fts match ${negative.join(" OR ")})`);
  if (plan.senderIds && (await sendersReady(db))) {
    // `from:` without words: the senders' ranges of message_senders (migration 0027) drive, newest first, and the page stops early.
    if (!relevance && plan.beforeId !== null) where.push(sql`s.id < ${plan.beforeId}`);
    const r = await sql<MessageWithSender>`select ${columns} from message_senders s cross join messages m on m.id = s.id ${joins}
      where s.sender_id in (${sql.join(plan.senderIds)}) and ${sql.join(where, sql` and `)} order by s.id desc ${page}`.execute(db);
    return r.rows;
  }
  if (!relevance && plan.beforeId !== null) where.push(sql`m.id < ${plan.beforeId}`);
  const r = await sql<MessageWithSender>`select ${columns} from messages m ${joins} where ${sql.join(where, sql` and `)} order by m.id desc ${page}`.execute(db);
  return r.rows;
}

function sqliteFts(t: SearchText): string {
  return t.kind === "word" && t.prefix ? `${ftsString(t.text)}*` : ftsString(t.text);
}

function pgTsquery(t: SearchText): RawBuilder<unknown> {
  const q =
    t.kind === "phrase"
      ? sql`phraseto_tsquery('simple'::regconfig, parley_search_text(${t.text}))`
      : t.kind === "word" && t.prefix
        ? sql`to_tsquery('simple'::regconfig, quote_literal(parley_search_text(${t.text})) || ':*')`
        : sql`plainto_tsquery('simple'::regconfig, parley_search_text(${t.text}))`;
  return t.negate ? sql`!! (${q})` : q;
}

/** The live channels named `name` (case folded) that the user belongs to: what `in:name` means. */
export async function memberRoomsNamed(db: Db, userId: number, name: string): Promise<number[]> {
  const rows = await db
    .selectFrom("rooms as r")
    .innerJoin("room_members as rm", (j) => j.onRef("rm.room_id", "=", "r.id").on("rm.user_id", "=", userId))
    .select("r.id")
    .where("r.deleted_at", "is", null)
    .where("r.kind", "=", "channel")
    .where(sql<string>`lower(r.name)`, "=", name.toLowerCase())
    .execute();
  return rows.map((r) => Number(r.id));
}

/** The rooms of a page of results, read once. */
export function roomsByIds(db: Db, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("rooms").selectAll().where("id", "in", ids).execute();
}
