import SQLite from "better-sqlite3";
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  type KyselyConfig,
  type LogEvent,
  Migrator,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  type SqliteStatement,
  SqliteDriver,
  sql,
} from "kysely";
import { startCheckpointer } from "./checkpointer.ts";
import type { Dialect } from "./dialect.ts";
import { migrationsFor } from "./migrations/index.ts";
import { castLimits } from "./sqlite-limits.ts";
import { sqliteWriteTx } from "./queries/sqlite-write.ts";
import type { WriteTransaction } from "./queries/write.ts";
import type { Database } from "./schema.ts";

export type SqliteSynchronous = "NORMAL" | "FULL";

export interface SqliteOptions {
  /** File path, or ":memory:". */
  filename: string;
  /**
   * NORMAL (default): in WAL mode a commit survives a process crash but the
   * last transactions may be lost on power loss or OS crash. FULL: fsync on
   * every commit, durable across power loss, slower.
   */
  synchronous?: SqliteSynchronous;
  /** Called after every query with its duration (for metrics). */
  onQuery?: QueryObserver | undefined;
  /** The background WAL checkpointer failed; the writer checkpoints itself from then on (see checkpointer.ts). */
  onCheckpointerError?: ((err: unknown) => void) | undefined;
}

export type QueryObserver = (ms: number, failed: boolean) => void;

/** Kysely's log hook, turned into a duration observer. */
export function observeQueries(onQuery: QueryObserver | undefined): KyselyConfig["log"] {
  if (!onQuery) return undefined;
  return (e: LogEvent) => onQuery(e.queryDurationMillis, e.level === "error");
}

export interface ParleyDb {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The one write path (see queries/write.ts). */
  writeTransaction: WriteTransaction;
  close(): Promise<void>;
}

export function openSqlite(options: SqliteOptions): ParleyDb {
  const raw = new SQLite(options.filename);
  raw.pragma("journal_mode = WAL");
  raw.pragma(`synchronous = ${options.synchronous ?? "NORMAL"}`);
  raw.pragma("foreign_keys = ON");
  raw.pragma("busy_timeout = 5000");
  // Search's short substrings (queries/search.ts): folded as the FTS5 tokenizers and PostgreSQL's unaccent + lower fold.
  raw.function("parley_search_fold", { deterministic: true }, (s: unknown) => (typeof s === "string" ? s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase() : s));
  const checkpointer =
    options.filename === ":memory:" || options.filename === ""
      ? null
      : startCheckpointer(raw, { filename: options.filename, synchronous: options.synchronous ?? "NORMAL", onError: options.onCheckpointerError });
  const dialect = new FifoSqliteDialect({ database: reusingStatements(raw) });
  const db = new Kysely<Database>({ dialect, log: observeQueries(options.onQuery) });
  return {
    db,
    dialect: "sqlite",
    writeTransaction: sqliteWriteTransaction(raw, db, options.onQuery),
    async close() {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * Writes on SQLite: BEGIN IMMEDIATE … COMMIT on the raw handle while holding
 * Kysely's one connection (`db.connection()`), so no other query
 * interleaves; the transaction's Kysely queries run on that same connection.
 * The hot statements are prepared on first use (after migrations).
 */
function sqliteWriteTransaction(raw: SQLite.Database, db: Kysely<Database>, onQuery: QueryObserver | undefined): WriteTransaction {
  let tx: ReturnType<typeof sqliteWriteTx> | null = null;
  return (fn, onCommit) =>
    db.connection().execute(async (conn) => {
      tx ??= sqliteWriteTx(raw, db);
      const current = tx.begin(conn);
      const start = performance.now();
      raw.exec("BEGIN IMMEDIATE");
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(current);
        tx.finish();
        raw.exec("COMMIT");
        onQuery?.(performance.now() - start, false);
      } catch (err) {
        if (raw.inTransaction) raw.exec("ROLLBACK");
        onQuery?.(performance.now() - start, true);
        throw err;
      }
      // Committed, and still holding the only connection: nothing else can have committed since.
      // (Outside the try: whatever the listener does, the writes stay committed and succeed.)
      if (onCommit && tx.appended.length > 0) onCommit(tx.appended.splice(0));
      return result;
    });
}

/**
 * Kysely's SQLite driver, with its one connection handed to waiters in
 * turn. The stock mutex wakes every waiter on each release and all but one
 * go back to sleep: with hundreds of concurrent requests that is hundreds of
 * wake-ups per query.
 */
class FifoSqliteDriver extends SqliteDriver {
  private busy = false;
  private readonly waiters: (() => void)[] = [];

  override async acquireConnection(): Promise<DatabaseConnection> {
    if (this.busy) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.busy = true;
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    const next = this.waiters.shift();
    if (next) next();
    else this.busy = false;
  }
}

class FifoSqliteDialect extends SqliteDialect {
  constructor(private readonly driverConfig: SqliteDialectConfig) {
    super(driverConfig);
  }

  override createDriver(): Driver {
    return new FifoSqliteDriver(this.driverConfig);
  }
}

/**
 * better-sqlite3 with prepared statements reused by SQL text. Kysely
 * prepares every query afresh, and preparing (parsing and planning) costs
 * more than running most of ours: measured under load, `prepare` was 12 %
 * of the server's CPU while ingesting messages. A statement that is busy
 * (mid-iteration) is not shared; the cache is bounded.
 */
function reusingStatements(raw: SQLite.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, { stmt: SQLite.Statement; view: SqliteStatement }>();
  return {
    close: () => raw.close(),
    prepare(text) {
      const hit = cache.get(text);
      if (hit && !hit.stmt.busy) return hit.view;
      const stmt = raw.prepare(castLimits(text));
      const view = rowsBuiltInJs(stmt);
      if (!hit) {
        if (cache.size >= max) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
        cache.set(text, { stmt, view });
      }
      return view;
    },
  };
}

/**
 * A reading statement whose `all` takes its rows from better-sqlite3 as
 * arrays and names their columns here. better-sqlite3 builds a row object
 * by setting one property at a time from C++, which was most of the time of
 * `rooms.list`'s query (500 rows of 17 columns: 2.9 ms as objects, 1.8 ms
 * as arrays named in this loop, the index lookups themselves 0.4 ms;
 * issue 14). The rows are the same objects, keys in the same order (a
 * repeated name: the last column wins, as in better-sqlite3). Iteration
 * (Kysely's `stream`) keeps better-sqlite3's objects.
 */
function rowsBuiltInJs(stmt: SQLite.Statement): SqliteStatement {
  if (!stmt.reader) return stmt;
  let names = stmt.columns().map((c) => c.name);
  return {
    reader: true,
    all(parameters) {
      let rows: unknown[][];
      try {
        rows = stmt.raw(true).all(parameters) as unknown[][];
      } finally {
        stmt.raw(false);
      }
      // SQLite re-prepares a statement when the schema changes (a migration adding a column to `select *`).
      if (rows.length > 0 && rows[0]?.length !== names.length) names = stmt.columns().map((c) => c.name);
      const out = new Array<Record<string, unknown>>(rows.length);
      for (let r = 0; r < rows.length; r++) {
        const values = rows[r] ?? [];
        const row: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) row[names[i] ?? ""] = values[i];
        out[r] = row;
      }
      return out;
    },
    run: (parameters) => stmt.run(parameters),
    iterate: (parameters) => stmt.iterate(parameters),
  };
}

/** Runs every pending migration; throws with the failing migration's name. */
export async function migrate(handle: ParleyDb): Promise<void> {
  const migrator = new Migrator({
    db: handle.db,
    provider: { getMigrations: async () => migrationsFor(handle.dialect) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(`migration ${failed?.migrationName ?? "?"} failed: ${String(error)}`, { cause: error });
  }
}

/** Throws unless the database answers a trivial query (for readiness checks). */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
