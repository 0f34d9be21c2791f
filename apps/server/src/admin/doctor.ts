import { accessSync, constants, existsSync } from "node:fs";
import { type Database, type Kysely, migrationsFor } from "@parley/db";
import { sql } from "kysely";
import { Redis } from "ioredis";
import type { ServerConfig } from "../config.ts";
import { integrityOf } from "./backup.ts";
import { openDatabase } from "./open.ts";
import { uploadsDirectory } from "./storage.ts";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Rows that point at nothing: each query counts one kind of broken reference. */
const ORPHANS: [string, string][] = [
  ["messages in missing rooms", "select count(*) as n from messages m left join rooms r on r.id = m.room_id where r.id is null"],
  ["messages from missing users", "select count(*) as n from messages m left join users u on u.id = m.sender_id where m.sender_id is not null and u.id is null"],
  ["memberships of missing users or rooms", "select count(*) as n from room_members m left join users u on u.id = m.user_id left join rooms r on r.id = m.room_id where u.id is null or r.id is null"],
  ["replies whose thread root is missing", "select count(*) as n from messages m left join messages t on t.id = m.thread_id where m.thread_id is not null and t.id is null"],
  ["messages positioned past the end of the event log", "select count(*) as n from messages where event_id > (select coalesce(max(id), 0) from events)"],
  ["live rooms with members and no admin", "select count(*) as n from rooms r where r.deleted_at is null and r.kind = 'channel' and exists (select 1 from room_members m where m.room_id = r.id) and not exists (select 1 from room_members m where m.room_id = r.id and m.is_admin = 1)"],
];

async function count(db: Kysely<Database>, query: string): Promise<number> {
  const r = await sql<{ n: number | string }>`${sql.raw(query)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * Checks a deployment without changing it: the configuration (it loaded),
 * the database (reachable; on SQLite `PRAGMA integrity_check`), migrations
 * (none unknown to this build; pending ones are applied at start), storage
 * consistency (no row pointing at nothing), the uploads directory and the
 * bus. Every check runs; the caller exits non-zero if any failed.
 */
export async function doctor(config: ServerConfig): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const d = config.database;
  add("configuration", true, `${d.kind === "sqlite" ? `SQLite ${d.filename}` : "PostgreSQL"}, ${config.env}, registration ${config.registration}`);

  if (d.kind === "sqlite") {
    if (d.filename === ":memory:" || !existsSync(d.filename)) {
      add("database", false, `${d.filename} does not exist (the server creates it on first start)`);
      return checks;
    }
    const problems = integrityOf(d.filename);
    add("integrity_check", problems.length === 1 && problems[0] === "ok", problems.slice(0, 5).join("; "));
  }
  let handle: Awaited<ReturnType<typeof openDatabase>>;
  try {
    handle = await openDatabase(config, { migrated: false });
    await sql`select 1`.execute(handle.db);
    add("database", true, "reachable");
  } catch (err) {
    add("database", false, `unreachable: ${err instanceof Error ? err.message : String(err)}`);
    return checks;
  }
  try {
    const known = Object.keys(migrationsFor(handle.dialect));
    const applied = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(handle.db).catch(() => ({ rows: [] }))).rows.map((r) => r.name);
    const unknown = applied.filter((n) => !known.includes(n));
    const pending = known.filter((n) => !applied.includes(n));
    add(
      "migrations",
      unknown.length === 0,
      unknown.length > 0
        ? `the database has migrations this build does not know (${unknown.join(", ")}): it was written by a newer Parley`
        : pending.length > 0
          ? `${applied.length} applied, ${pending.length} pending (applied at the next start): ${pending.join(", ")}`
          : `all ${applied.length} applied`,
    );
    if (pending.length === 0) {
      for (const [name, query] of ORPHANS) {
        const n = await count(handle.db, query);
        add(`consistency: ${name}`, n === 0, n === 0 ? "none" : `${n} found`);
      }
    }
  } finally {
    await handle.close();
  }

  const uploads = uploadsDirectory(config);
  if (uploads) {
    let writable = true;
    try {
      accessSync(uploads, constants.R_OK | constants.W_OK);
    } catch {
      writable = false;
    }
    add("uploads", writable, writable ? `${uploads} is readable and writable` : `${uploads} is missing or not writable`);
  }
  if (config.redisUrl) {
    const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    try {
      await redis.connect();
      await redis.ping();
      add("bus", true, "Redis answers");
    } catch (err) {
      add("bus", false, `Redis does not answer: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      redis.disconnect();
    }
  }
  return checks;
}
