import type { Migration } from "kysely";
import type { Dialect } from "../dialect.ts";
import * as m0001 from "./0001_initial.ts";

/** Inline migrations (no file-system lookup), so any bundler can ship them. */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    "0001_initial": { up: (db) => m0001.up(db, dialect) },
  };
}
