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
import * as m0009 from "./0009_room_index_without_messages.ts";
import * as m0010 from "./0010_people_and_general.ts";
import * as m0011 from "./0011_attention.ts";
import * as m0021 from "./0021_push.ts";
import * as m0022 from "./0022_search_tail.ts";
import * as m0026 from "./0026_search_prefix.ts";
import * as m0027 from "./0027_sender_table.ts";
import * as m0028 from "./0028_mention_counter.ts";
import * as m0012 from "./0012_search.ts";
import * as m0013 from "./0013_files.ts";
import * as m0014 from "./0014_integrations.ts";
import * as m0018 from "./0018_outgoing_webhooks.ts";
import * as m0015 from "./0015_server_admin.ts";
import * as m0023 from "./0023_sender_override.ts";
import * as m0024 from "./0024_avatars.ts";
import * as m0025 from "./0025_room_member_count.ts";

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
    "0009_room_index_without_messages": { up: (db) => m0009.up(db, dialect) },
    "0010_people_and_general": { up: (db) => m0010.up(db, dialect) },
    "0011_attention": { up: (db) => m0011.up(db, dialect) },
    "0021_push": { up: (db) => m0021.up(db, dialect) },
    "0012_search": { up: (db) => m0012.up(db, dialect) },
    "0013_files": { up: (db) => m0013.up(db, dialect) },
    "0014_integrations": { up: (db) => m0014.up(db, dialect) },
    "0018_outgoing_webhooks": { up: (db) => m0018.up(db, dialect) },
    "0015_server_admin": { up: (db) => m0015.up(db, dialect) },
    "0022_search_tail": { up: (db) => m0022.up(db, dialect) },
    "0023_sender_override": { up: (db) => m0023.up(db, dialect) },
    "0024_avatars": { up: (db) => m0024.up(db, dialect) },
    "0025_room_member_count": { up: (db) => m0025.up(db, dialect) },
    "0026_search_prefix": { up: (db) => m0026.up(db, dialect) },
    "0027_sender_table": { up: (db) => m0027.up(db, dialect) },
    "0028_mention_counter": { up: (db) => m0028.up(db, dialect) },
  };
}
