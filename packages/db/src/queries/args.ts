import { type RawBuilder, sql } from "kysely";

/**
 * A query's inputs, either bound values (run through Kysely) or named
 * placeholders (`@key`, compiled once and prepared on better-sqlite3's
 * handle). So each hot query is written once, as a Kysely builder, and the
 * SQLite accelerator runs that same SQL without building it per call.
 */
export type Args<P> = { [K in keyof P]: P[K] | RawBuilder<P[K]> };

/** `@key` for every key: the accelerator (write.ts `accelerate`) binds them from an object with the same keys. */
export function placeholders<P extends object>(keys: readonly (keyof P & string)[]): Args<P> {
  const out: Partial<Record<keyof P, RawBuilder<unknown>>> = {};
  for (const k of keys) out[k] = sql.raw(`@${k}`);
  return out as Args<P>;
}
