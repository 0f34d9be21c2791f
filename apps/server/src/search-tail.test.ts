import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationsFor, openSqlite, searchMessages, sendersReady } from "@parley/db";
import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, registerUser, type TestServer, type TestUser, startTestServer } from "./test/harness.ts";

/**
 * SQLite indexes new messages for search after their commit, in batches
 * (migration 0022, api domain/search-tail.ts), not in the send's
 * transaction. What must still hold: a search finds every message whose
 * send was answered, however long the indexer waits; an edit or delete
 * before the message was indexed, and after, leaves the index exact (FTS5's
 * own integrity check); and without any search the indexer gets there by
 * itself.
 */

const onPostgres = process.env.PARLEY_TEST_DB === "postgres";

const send = (u: TestUser, roomId: number, content: string) => u.http.messages.send.mutate({ roomId, content, clientId: randomUUID() });
const found = async (u: TestUser, query: string) => (await u.http.messages.search.query({ query, limit: 100 })).items.map((i) => i.message.id);

async function integrity(server: TestServer): Promise<void> {
  // Throws SQLITE_CORRUPT_VTAB if the index holds a row or a word the messages table does not (or misses one).
  await sql`insert into messages_fts (messages_fts) values ('integrity-check')`.execute(server.svc.db);
  await sql`insert into messages_trigram (messages_trigram) values ('integrity-check')`.execute(server.svc.db);
}

const indexedUpto = async (server: TestServer) =>
  Number((await sql<{ n: number }>`select indexed_upto as n from search_backfill`.execute(server.svc.db)).rows[0]?.n);

describe.skipIf(onPostgres)("search index after commit (SQLite)", () => {
  describe("with an indexer that would wait ten minutes", () => {
    let server: TestServer;
    let alice: TestUser;
    let room: number;
    beforeAll(async () => {
      server = await startTestServer({ SEARCH_INDEX_DELAY_MS: "600000", SEND_RATE_BURST: "1000" });
      alice = await registerUser(server, "tail");
      room = (await alice.http.rooms.create.mutate({ name: `tail-${alice.id}` })).id;
    });
    afterAll(() => server.dispose());

    it("finds a message as soon as its send is answered", async () => {
      const before = await indexedUpto(server);
      const m = await send(alice, room, "zebracorn arrives");
      // Nothing indexed it yet: the search itself catches the index up.
      expect(await indexedUpto(server)).toBe(before);
      expect(await found(alice, "zebracorn")).toEqual([m.id]);
      expect(await indexedUpto(server)).toBeGreaterThanOrEqual(m.id);
      await integrity(server);
    });

    it("indexes the current text of messages edited or deleted before the indexer reached them", async () => {
      const edited = await send(alice, room, "walrusold walrus.old original text");
      const deleted = await send(alice, room, "walrusgone soon removed");
      const kept = await send(alice, room, "walruskept stays");
      await alice.http.messages.edit.mutate({ messageId: edited.id, content: "walrusnew walrus.new rewritten text" });
      await alice.http.messages.delete.mutate({ messageId: deleted.id });
      expect(await indexedUpto(server)).toBeLessThan(edited.id);
      expect(await found(alice, "walrusnew")).toEqual([edited.id]);
      expect(await found(alice, "walrusold")).toEqual([]);
      expect(await found(alice, "walrusgone")).toEqual([]);
      expect(await found(alice, "walruskept")).toEqual([kept.id]);
      // Substrings (the trigram table) follow the same rule.
      expect(await found(alice, "walrus.new")).toEqual([edited.id]);
      expect(await found(alice, "walrus.old")).toEqual([]);
      await integrity(server);
    });

    it("re-indexes an edit or delete of an indexed message in its own transaction", async () => {
      const m = await send(alice, room, "otterfirst version");
      const gone = await send(alice, room, "ottergone version");
      expect(await found(alice, "otterfirst")).toEqual([m.id]);
      expect(await found(alice, "ottergone")).toEqual([gone.id]);
      expect(await indexedUpto(server)).toBeGreaterThanOrEqual(gone.id);
      await alice.http.messages.edit.mutate({ messageId: m.id, content: "ottersecond version" });
      await alice.http.messages.delete.mutate({ messageId: gone.id });
      expect(await found(alice, "otterfirst")).toEqual([]);
      expect(await found(alice, "ottersecond")).toEqual([m.id]);
      expect(await found(alice, "ottergone")).toEqual([]);
      await integrity(server);
    });

    it("catches up many waiting messages in one pass, with none missed", async () => {
      const sent = [];
      for (let i = 0; i < 60; i++) sent.push(await send(alice, room, `narwhalbatch ${i}`));
      const ids = (await alice.http.messages.search.query({ query: "narwhalbatch", limit: 100 })).items.map((i) => i.message.id);
      expect(ids).toEqual(sent.map((m) => m.id).reverse());
      await integrity(server);
    });
  });

  it("indexes by itself, without any search, once the delay has passed", async () => {
    const server = await startTestServer({ SEARCH_INDEX_DELAY_MS: "20" });
    try {
      const alice = await registerUser(server, "tail2");
      const room = (await alice.http.rooms.create.mutate({ name: `tail2-${alice.id}` })).id;
      const m = await send(alice, room, "ibexalone");
      await eventually(async () => (await indexedUpto(server)) >= m.id, 10_000);
      expect(await found(alice, "ibexalone")).toEqual([m.id]);
      await integrity(server);
    } finally {
      await server.dispose();
    }
  });
});

describe.skipIf(onPostgres)("from: after the upgrade to message_senders (migration 0027, SQLite)", () => {
  it("reads messages until the old range is copied, then the sender table, old and new messages alike", async () => {
    const root = mkdtempSync(join(tmpdir(), "parley-senders-"));
    const url = join(root, "chat.db");
    const handle = openSqlite({ filename: url });
    let server: TestServer | null = null;
    try {
      const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrationsFor(handle.dialect) } });
      expect((await migrator.migrateTo("0026_search_prefix")).error).toBeUndefined();
      const now = Date.now();
      const user = await handle.db
        .insertInto("users")
        .values({ username: "old", username_key: "old", email: "old@example.com", password_hash: "x", created_at: now, last_seen: null })
        .returning("id")
        .executeTakeFirstOrThrow();
      const oldId = Number(user.id);
      const room = await handle.db.insertInto("rooms").values({ name: "before", description: "", is_private: 0, created_by: oldId, created_at: now, deleted_at: null }).returning("id").executeTakeFirstOrThrow();
      const roomId = Number(room.id);
      await handle.db.insertInto("room_members").values({ room_id: roomId, user_id: oldId, is_admin: 1, joined_at: now }).execute();
      const oldIds: number[] = [];
      for (let i = 0; i < 30; i++) {
        const m = await handle.db.insertInto("messages").values({ room_id: roomId, sender_id: oldId, kind: "text", content: `yakold ${i}`, client_id: null, created_at: now + i }).returning("id").executeTakeFirstOrThrow();
        oldIds.push(Number(m.id));
      }
      // As a server running 0026 leaves them: indexed (the range the sender table must copy), with `messages_by_sender` built.
      await sql`insert into messages_fts (rowid, content) select id, content from messages`.execute(handle.db);
      await sql`insert into messages_trigram (rowid, content) select id, content from messages`.execute(handle.db);
      await sql`update search_backfill set pending_upto = 0, indexed_upto = (select max(id) from messages)`.execute(handle.db);
      await sql`create index messages_by_sender on messages (sender_id, id)`.execute(handle.db);

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await sendersReady(handle.db)).toBe(false);
      const index = await sql<{ n: number }>`select count(*) as n from sqlite_master where name = 'messages_by_sender'`.execute(handle.db);
      expect(Number(index.rows[0]?.n)).toBe(0);
      // Not copied yet: `from:` reads the messages themselves and misses nothing.
      const plan = { userId: oldId, roomIds: null, text: [], senderIds: [oldId], createdFrom: null, createdTo: null, hasLink: false, hasFile: false, isThread: false, sort: "newest" as const, beforeId: null, offset: 0, limit: 100 };
      expect((await searchMessages(handle.db, plan)).map((r) => Number(r.id))).toEqual([...oldIds].reverse());
      await handle.close();

      server = await startTestServer({ DATABASE_URL: url, SEARCH_INDEX_DELAY_MS: "20" }, root);
      const s = server;
      await eventually(async () => sendersReady(s.svc.db), 10_000);
      const copied = await sql<{ n: number }>`select count(*) as n from message_senders where sender_id = ${oldId}`.execute(s.svc.db);
      expect(Number(copied.rows[0]?.n)).toBe(oldIds.length);
      const reader = await registerUser(s, "yak");
      await reader.http.rooms.join.mutate({ roomId });
      const fresh = await send(reader, roomId, "yaknew");
      expect(await found(reader, "from:old")).toEqual([...oldIds].reverse());
      expect(await found(reader, `from:${reader.username}`)).toEqual([fresh.id]);
      // Paged newest first through the sender table.
      const first = await reader.http.messages.search.query({ query: "from:old", limit: 10 });
      expect(first.items.map((i) => i.message.id)).toEqual([...oldIds].reverse().slice(0, 10));
      const second = await reader.http.messages.search.query({ query: "from:old", limit: 10, cursor: first.nextCursor ?? undefined });
      expect(second.items.map((i) => i.message.id)).toEqual([...oldIds].reverse().slice(10, 20));
    } finally {
      await server?.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
