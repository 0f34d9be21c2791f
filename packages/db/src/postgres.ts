import { Kysely, PostgresAdapter, PostgresDialect } from "kysely";
import pg from "pg";
import { type ParleyDb, type QueryObserver, observeQueries } from "./connect.ts";
import { kyselyWriteTransaction } from "./queries/write.ts";
import type { Database } from "./schema.ts";

export interface PostgresOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** An idle pooled connection failed (server restart, network): the pool replaces it. */
  onError?: (err: Error) => void;
  /** Called after every query with its duration (for metrics). */
  onQuery?: QueryObserver;
}

const INT8 = 20;

/**
 * int8 (`bigserial` ids, `bigint` times, `count(*)`) arrives as a string by
 * default; every such value here fits a double, so parse it as a number.
 * Set per pool, not globally on `pg.types`.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

export function openPostgres(options: PostgresOptions): ParleyDb {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types });
  pool.on("error", (err) => options.onError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: observeQueries(options.onQuery) });
  return { db, dialect: "postgres", writeTransaction: kyselyWriteTransaction(db), close: () => db.destroy() };
}

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** True when `db` (or a transaction of it) talks to PostgreSQL. */
export function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
