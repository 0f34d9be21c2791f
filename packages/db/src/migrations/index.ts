import type { Migration } from "kysely";
import type { Dialect } from "../dialect.ts";
import * as m0001 from "./0001_initial.ts";
import * as m0002 from "./0002_refresh_successor.ts";
import * as m0003 from "./0003_drop_unused_event_indexes.ts";
import * as m0004 from "./0004_replay_indexes.ts";
import * as m0005 from "./0005_event_version.ts";
import * as m0006 from "./0006_conversations.ts";
import * as m0007 from "./0007_message_event_backfill.ts";
import * as m0008 from "./0008_username_prefix.ts";
import * as m0015 from "./0015_server_admin.ts";

/** Inline migrations (no file-system lookup), so any bundler can ship them. */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    "0001_initial": { up: (db) => m0001.up(db, dialect) },
    "0002_refresh_successor": { up: (db) => m0002.up(db, dialect) },
    "0003_drop_unused_event_indexes": { up: (db) => m0003.up(db, dialect) },
    "0004_replay_indexes": { up: (db) => m0004.up(db, dialect) },
    "0005_event_version": { up: (db) => m0005.up(db, dialect) },
    "0006_conversations": { up: (db) => m0006.up(db, dialect) },
    "0007_message_event_backfill": { up: (db) => m0007.up(db, dialect) },
    "0008_username_prefix": { up: (db) => m0008.up(db, dialect) },
    "0015_server_admin": { up: (db) => m0015.up(db, dialect) },
  };
}
