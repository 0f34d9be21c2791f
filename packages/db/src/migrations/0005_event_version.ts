import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.ts";

// Frozen: written against Kysely<any>, never edited after it landed.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

/**
 * Each stored event says which shape of its type's body it holds, so the
 * api can upgrade older payloads when it reads them (events.ts). Every row
 * written before this migration holds shape 1.
 */
export async function up(db: AnyDb, _dialect: Dialect): Promise<void> {
  await sql`alter table events add column version integer not null default 1`.execute(db);
}
