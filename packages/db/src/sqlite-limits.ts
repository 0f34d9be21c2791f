/**
 * SQLite only: a statement's `limit ?` and `offset ?` are prepared as
 * `limit cast(? as integer)` and `offset cast(? as integer)`, as the text
 * Kysely compiled is prepared (connect.ts, once per distinct text).
 *
 * SQLite runs a statement whose LIMIT is a bare bound parameter much more
 * slowly: each run costs about as much again as preparing the statement,
 * and that grows with the statement. Measured with better-sqlite3 alone on
 * Parley's schema, per run against an empty table:
 * - `select * from messages limit ?`: 20 µs;
 * - `… limit cast(? as integer)`: 5.9 µs;
 * - `… limit 51`: 3.9 µs.
 * Every paged read (history, rooms.list, replay, search) paid it. The value
 * stays a bound parameter, so one text still serves every limit.
 *
 * SQLite casts a LIMIT or OFFSET to an integer anyway, so the rows do not
 * change: sqlite-limits.test.ts checks that against the same queries as
 * Kysely compiled them. A Kysely plugin could do the same on the query
 * tree, but it transforms the whole tree on every query. On `listMessages`
 * that took 70 µs, as much as the cast saved.
 */
export function castLimits(text: string): string {
  // A quoted string or identifier ('…' with '' inside, "…" with "" inside) matches whole and is kept as it is.
  return text.replace(QUOTED_OR_LIMIT, (m, clause: string | undefined) => (clause ? ` ${clause} cast(? as integer)` : m));
}

const QUOTED_OR_LIMIT = /'(?:[^']|'')*'|"(?:[^"]|"")*"| (limit|offset) \?/g;
