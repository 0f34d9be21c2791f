import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationsFor, openPostgres, openSqlite, type ParleyDb } from "@parley/db";
import { Migrator, sql } from "kysely";
import { describe, expect, inject, it } from "vitest";
import { eventually, registerUser, startTestServer } from "./test/harness.ts";
import { createTestDatabase } from "./test/services.ts";

/**
 * Migration 0012 on a database that already has messages: start-up does not
 * wait for them, search says it is indexing until the background indexer
 * (batches on SQLite, CONCURRENTLY built indexes on PostgreSQL) is done,
 * and then every old message is found.
 */

const onPostgres = process.env.PARLEY_TEST_DB === "postgres";
const OLD_MESSAGES = 2500;

describe("migration 0012 on an existing database", () => {
  it("indexes existing messages in the background and then finds every one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-0012-"));
    const url = onPostgres ? await createTestDatabase(inject("pgAdminUrl")) : join(dir, "chat.db");
    const handle: ParleyDb = onPostgres ? openPostgres({ url, poolSize: 2 }) : openSqlite({ filename: url });
    let roomId: number;
    try {
      const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrationsFor(handle.dialect) } });
      expect((await migrator.migrateTo("0008_username_prefix")).error).toBeUndefined();
      const h = handle.db;
      const user = await h.insertInto("users").values({ username: "old", username_key: "old", email: "o@x.y", password_hash: "x", created_at: 1, last_seen: null }).returning("id").executeTakeFirstOrThrow();
      const room = await h.insertInto("rooms").values({ name: "archive", description: "", is_private: 0, created_by: user.id, created_at: 1, deleted_at: null }).returning("id").executeTakeFirstOrThrow();
      roomId = Number(room.id);
      for (let start = 0; start < OLD_MESSAGES; start += 500) {
        const rows = Array.from({ length: 500 }, (_, k) => ({
          room_id: room.id,
          sender_id: user.id,
          kind: "text" as const,
          content: `oldword number ${start + k} 東京`,
          client_id: null,
          created_at: 2,
          edited_at: null,
        }));
        await h.insertInto("messages").values(rows).execute();
      }
    } finally {
      await handle.close();
    }

    const server = await startTestServer({ DATABASE_URL: url, SEND_RATE_BURST: "1000" }, dir);
    try {
      const alice = await registerUser(server, "reader");
      await alice.http.rooms.join.mutate({ roomId });
      // A message sent now is indexed at once, whatever the backfill has reached.
      const fresh = await alice.http.messages.send.mutate({ roomId, content: "oldword fresh", clientId: "fresh-1" });
      const first = await alice.http.messages.search.query({ query: "oldword", limit: 1 });
      expect(first.items[0]?.message.id).toBe(fresh.id);
      await eventually(async () => !(await alice.http.messages.search.query({ query: "oldword", limit: 1 })).indexing, 60_000);
      for (const query of ["oldword", "東京"]) {
        let found = 0;
        let cursor: string | null = null;
        do {
          const page: { items: unknown[]; nextCursor: string | null } = await alice.http.messages.search.query({ query, limit: 100, cursor });
          found += page.items.length;
          cursor = page.nextCursor;
        } while (cursor !== null);
        expect(found).toBe(query === "oldword" ? OLD_MESSAGES + 1 : OLD_MESSAGES);
      }
      if (!onPostgres) {
        // FTS5 checks its index against the content table: nothing missing, nothing extra.
        await sql`insert into messages_fts (messages_fts) values ('integrity-check')`.execute(server.svc.db);
        await sql`insert into messages_trigram (messages_trigram) values ('integrity-check')`.execute(server.svc.db);
      }
    } finally {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(onPostgres)("migration 0026 on an indexed database", () => {
  it("rebuilds the word index with its prefix indexes in the background, finding every message again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-0026-"));
    const url = join(dir, "chat.db");
    const handle = openSqlite({ filename: url });
    let roomId: number;
    try {
      const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrationsFor(handle.dialect) } });
      expect((await migrator.migrateTo("0022_search_tail")).error).toBeUndefined();
      const h = handle.db;
      const user = await h.insertInto("users").values({ username: "old", username_key: "old", email: "o@x.y", password_hash: "x", created_at: 1, last_seen: null }).returning("id").executeTakeFirstOrThrow();
      const room = await h.insertInto("rooms").values({ name: "indexed", description: "", is_private: 0, created_by: user.id, created_at: 1, deleted_at: null }).returning("id").executeTakeFirstOrThrow();
      roomId = Number(room.id);
      const rows = Array.from({ length: 1200 }, (_, k) => ({ room_id: room.id, sender_id: user.id, kind: "text" as const, content: `prefixword ${k} 東京`, client_id: null, created_at: 2, edited_at: null }));
      await h.insertInto("messages").values(rows).execute();
      // Indexed as the tail of 0022 did (today's indexSearchTail also writes 0027's table), into the tables 0026 replaces.
      for (const table of ["messages_fts", "messages_trigram"]) {
        await sql`insert into ${sql.table(table)} (rowid, content) select id, content from messages where kind = 'text'`.execute(h);
      }
      await sql`update search_backfill set indexed_upto = (select max(id) from messages)`.execute(h);
    } finally {
      await handle.close();
    }
    const server = await startTestServer({ DATABASE_URL: url }, dir);
    try {
      const reader = await registerUser(server, "reader26");
      await reader.http.rooms.join.mutate({ roomId });
      await eventually(async () => !(await reader.http.messages.search.query({ query: "pr", limit: 1 })).indexing, 60_000);
      // 1200 messages with the word: a full page and more; one with "11" as a whole word.
      for (const query of ["pr", "pre", "prefixw", "prefixword 11 ", "東京"]) {
        const page = await reader.http.messages.search.query({ query, limit: 100 });
        const one = query === "prefixword 11 ";
        expect({ query, n: page.items.length, more: page.nextCursor !== null }).toEqual({ query, n: one ? 1 : 100, more: !one });
      }
      await sql`insert into messages_fts (messages_fts) values ('integrity-check')`.execute(server.svc.db);
      await sql`insert into messages_trigram (messages_trigram) values ('integrity-check')`.execute(server.svc.db);
      const options = await sql<{ sql: string }>`select sql from sqlite_master where name = 'messages_fts'`.execute(server.svc.db);
      expect(options.rows[0]?.sql).toContain("prefix='2 3'");
    } finally {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
