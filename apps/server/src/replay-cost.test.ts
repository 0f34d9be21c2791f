import { type Database, eventsByIds, isPostgres, type Kysely, visibleEventIds } from "@parley/db";
import { CompiledQuery, type KyselyPlugin, type QueryId, type RootOperationNode, sql } from "kysely";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { record, registerUser, type TestServer, type TestUser, startTestServer, wsApi } from "./test/harness.ts";

/**
 * A resume costs what the user may see, not the log's length: every query
 * the replay runs is read through an index (EXPLAIN, on SQLite and
 * PostgreSQL), the replay equals the visibility rule's reference answer, and
 * a long replay lets the process answer others meanwhile.
 */

let server: TestServer;
let db: Kysely<Database>;
let quiet: TestUser;
let busy: TestUser;
let busyRoom: number;
let quietRoom: number;

/**
 * Rows straight into the tables: a busy room's messages the quiet user may
 * not see, each with its `message.created` (named by the row's `event_id`,
 * as every send writes them).
 */
async function seedBusyLog(roomId: number, count: number): Promise<void> {
  const now = Date.now();
  for (let from = 0; from < count; from += 500) {
    const ns = Array.from({ length: Math.min(500, count - from) }, (_, i) => from + i);
    const messages = await db
      .insertInto("messages")
      .values(ns.map((n) => ({ room_id: roomId, sender_id: busy.id, kind: "text" as const, content: `busy ${n}`, client_id: `b${n}`, created_at: now, edited_at: null })))
      .returning("id")
      .execute();
    const rows = ns.map((n, i) => {
      const message = { id: Number(messages[i]?.id), roomId, kind: "text", content: `busy ${n}`, sender: { id: busy.id, username: busy.username }, clientId: `b${n}`, createdAt: now, editedAt: null };
      return { type: "message.created", scope: "room" as const, room_id: roomId, user_id: null, payload: JSON.stringify({ type: "message.created", roomId, message }), created_at: now };
    });
    const events = await db.insertInto("events").values(rows).returning("id").execute();
    for (const [i, m] of messages.entries()) await db.updateTable("messages").set({ event_id: Number(events[i]?.id) }).where("id", "=", m.id).execute();
  }
}

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000" });
  db = server.svc.db;
  [quiet, busy] = await Promise.all([registerUser(server, "quiet"), registerUser(server, "busy")]);
  busyRoom = (await busy.http.rooms.create.mutate({ name: "busy", isPrivate: true })).id;
  quietRoom = (await quiet.http.rooms.create.mutate({ name: "quiet", isPrivate: true })).id;
  await quiet.http.rooms.addMember.mutate({ roomId: quietRoom, username: busy.username });
  await seedBusyLog(busyRoom, 20_000);
  // A public room, a room the quiet user joined and left, and a few messages they may see.
  const pub = await busy.http.rooms.create.mutate({ name: "public" });
  await quiet.http.rooms.join.mutate({ roomId: pub.id });
  await quiet.http.rooms.leave.mutate({ roomId: pub.id });
  for (let i = 0; i < 5; i++) await busy.http.messages.send.mutate({ roomId: quietRoom, content: `for quiet ${i}`, clientId: `q${i}` });
  if (isPostgres(db)) await sql`analyze events, messages`.execute(db);
}, 120_000);
afterAll(() => server.dispose());

/** Every statement a function runs against the database, compiled, to EXPLAIN. */
async function statementsOf(run: (db: Kysely<Database>) => Promise<unknown>): Promise<CompiledQuery[]> {
  const nodes: { node: RootOperationNode; queryId: QueryId }[] = [];
  const capture: KyselyPlugin = {
    transformQuery: (args) => {
      nodes.push(args);
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  await run(db.withPlugin(capture));
  return nodes.map(({ node, queryId }) => db.getExecutor().compileQuery(node, queryId));
}

async function plan(q: CompiledQuery): Promise<string> {
  const prefix = isPostgres(db) ? "EXPLAIN " : "EXPLAIN QUERY PLAN ";
  const r = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + q.sql, [...q.parameters]));
  return r.rows.map((row) => String(row["QUERY PLAN"] ?? row.detail)).join("\n");
}

/** The visibility rule of docs/ARCHITECTURE.md as one plain query: the reference the replay must equal. */
async function referenceIds(userId: number, after: number, upTo: number): Promise<number[]> {
  const rows = await db
    .selectFrom("events as e")
    .select("e.id")
    .where("e.id", ">", after)
    .where("e.id", "<=", upTo)
    .where((eb) =>
      eb.or([
        eb("e.scope", "=", "all"),
        eb.and([eb("e.scope", "in", ["user", "room"]), eb("e.user_id", "=", userId)]),
        eb.and([eb("e.scope", "=", "room"), eb("e.room_id", "in", eb.selectFrom("room_members as m").select("m.room_id").where("m.user_id", "=", userId))]),
      ]),
    )
    .orderBy("e.id")
    .execute();
  return rows.map((r) => Number(r.id));
}

const head = async () => Number((await db.selectFrom("events").select(sql<number>`max(id)`.as("h")).executeTakeFirstOrThrow()).h);

describe("resume cost", () => {
  it("every query of a replay from 0 reads an index, never the whole log", async () => {
    const upTo = await head();
    const statements = await statementsOf(async (d) => {
      const ids = await visibleEventIds(d, { userId: quiet.id, after: 0, upTo, limit: 10_001 });
      await eventsByIds(d, ids.slice(0, 200));
    });
    // A room's messages are read through the messages table's (room_id, id) index and its primary key.
    for (const s of statements.filter((s) => /\bfrom "messages"/i.test(s.sql))) {
      const p = await plan(s);
      expect(p, `${s.sql}\n${p}`).not.toMatch(isPostgres(db) ? /Seq Scan on messages/ : /^SCAN messages\b/m);
    }
    const onEvents = statements.filter((s) => /\bfrom "events"/i.test(s.sql));
    expect(onEvents.length).toBeGreaterThanOrEqual(4);
    for (const s of onEvents) {
      const p = await plan(s);
      // Each reads one of the replay's own indexes, or fetches rows by id; a range over the log's ids
      // (the old plan: "SEARCH e USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") is the full log again.
      const why = `${s.sql}\n${p}`;
      if (isPostgres(db)) {
        expect(p, why).not.toMatch(/Seq Scan on events/);
        expect(p, why).toMatch(/(using|Bitmap Index Scan on) (events_public|events_by_subject|events_by_room)\b|Index Cond: \(id = ANY/);
      } else {
        expect(p, why).not.toMatch(/^SCAN (events|e)\b/m);
        expect(p, why).not.toMatch(/rowid>/);
        expect(p, why).toMatch(/SEARCH events USING (COVERING )?INDEX (events_public|events_by_subject|events_by_room)|USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      }
    }
  });

  it("replays exactly what the visibility rule allows, for every kind of source, from 0 and from the middle", async () => {
    const upTo = await head();
    for (const user of [quiet, busy]) {
      for (const after of [0, Math.floor(upTo / 2), upTo - 3]) {
        const got = await visibleEventIds(db, { userId: user.id, after, upTo, limit: 100_000 });
        expect(got).toEqual(await referenceIds(user.id, after, upTo));
      }
    }
    // The quiet user's view of 20,000+ events is a handful: theirs, the public room's, their own join and leave.
    const mine = await visibleEventIds(db, { userId: quiet.id, after: 0, upTo, limit: 100_000 });
    expect(mine.length).toBeLessThan(40);
    // The limit stops the merge early.
    expect(await visibleEventIds(db, { userId: busy.id, after: 0, upTo, limit: 10 })).toEqual((await referenceIds(busy.id, 0, upTo)).slice(0, 10));
  });

  it("a resume from 0 over the big log delivers the quiet user's events exactly, with nothing of the busy room", async () => {
    const c = wsApi(server, quiet.accessToken);
    try {
      const r = record(c.api, "0");
      const last = String(await head());
      await r.waitFor(() => r.lastId() === last, 20_000);
      const ids = (await referenceIds(quiet.id, 0, Number(last))).map(String);
      expect(r.events.filter((e) => "id" in e).map((e) => String(e.id))).toEqual(ids);
      expect(r.events.some((e) => "roomId" in e && e.roomId === busyRoom)).toBe(false);
      r.stop();
    } finally {
      await c.close();
    }
  });

  it("a long replay lets the process serve others while it runs", async () => {
    // The busy user's resume from 0 is 20,000+ events: over MAX_REPLAY, so it must answer resync at once.
    const c = wsApi(server, busy.accessToken);
    try {
      const r = record(c.api, "0");
      const resync = await r.waitFor((e) => e.type === "resync", 20_000);
      expect(resync).toMatchObject({ reason: "gap" });
      r.stop();
    } finally {
      await c.close();
    }
    // From just under MAX_REPLAY back, the replay streams in pages with the event loop running between them:
    // no single stretch of blocked loop comes near the replay's whole duration (before: 633 ms of 1,133; after: ~45).
    const upTo = await head();
    const from = (await referenceIds(busy.id, 0, upTo)).at(-9_000) ?? 0;
    const c2 = wsApi(server, busy.accessToken);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    try {
      await c2.api.auth.me.query();
      loop.enable();
      const started = performance.now();
      const r = record(c2.api, String(from - 1));
      await r.waitFor(() => r.lastId() === String(upTo), 30_000);
      const totalMs = performance.now() - started;
      loop.disable();
      const longestBlockMs = loop.max / 1e6;
      expect(r.events.filter((e) => e.type !== "presence" && e.type !== "typing")).toHaveLength(9_000);
      expect(longestBlockMs, `longest blocked stretch ${longestBlockMs.toFixed(1)} ms of a ${totalMs.toFixed(1)} ms replay`).toBeLessThan(totalMs / 4);
      r.stop();
    } finally {
      await c2.close();
    }
  });
});
