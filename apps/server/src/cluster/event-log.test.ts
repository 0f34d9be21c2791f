import {
  type Database,
  eventsAfter,
  headPosition,
  insertEvent,
  type Kysely,
  lockEventLog,
  migrate,
  openPostgres,
  type ParleyDb,
  type Transaction,
} from "@parley/db";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../config.ts";
import { type RunningServer, startServer } from "../server.ts";
import { eventually, messageEvents, record, registerUser, type TestUser, wsApi, type WsApi } from "../test/harness.ts";
import { createTestDatabase } from "../test/services.ts";

const event = (n: number) => ({ type: "test", scope: "all" as const, room_id: null, user_id: null, payload: `{"n":${n}}`, created_at: n });

/** A transaction that stays open until `release` is called. */
function holdOpen(db: Kysely<Database>, body: (trx: Transaction<Database>) => Promise<void>) {
  let release = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let entered = () => {};
  const inside = new Promise<void>((r) => {
    entered = r;
  });
  const done = db.transaction().execute(async (trx) => {
    await body(trx);
    entered();
    await released;
  });
  return { inside, release, done };
}

describe("the event log on PostgreSQL", () => {
  let handle: ParleyDb;
  beforeAll(async () => {
    handle = openPostgres({ url: await createTestDatabase(inject("pgAdminUrl"), "eventlog") });
    await migrate(handle);
  });
  afterAll(() => handle?.close());

  it("can show a later id before an earlier one without the lock (the hazard)", async () => {
    const db = handle.db;
    const from = await headPosition(db);
    const a = holdOpen(db, async (trx) => {
      await insertEvent(trx, event(1));
    });
    await a.inside;
    await db.transaction().execute((trx) => insertEvent(trx, event(2)));
    const seen = (await eventsAfter(db, from, 10)).map((r) => r.id);
    // A tailing reader would now move past A's id and never read it.
    expect(seen).toEqual([from + 2]);
    a.release();
    await a.done;
  });

  it("makes ids visible in order when appenders take the lock", async () => {
    const db = handle.db;
    const from = await headPosition(db);
    const a = holdOpen(db, async (trx) => {
      await lockEventLog(trx);
      await insertEvent(trx, event(3));
    });
    await a.inside;
    let bCommitted = false;
    const b = db
      .transaction()
      .execute(async (trx) => {
        await lockEventLog(trx);
        await insertEvent(trx, event(4));
      })
      .then(() => {
        bCommitted = true;
      });
    // B is blocked on the event-log lock, as PostgreSQL itself reports: a wait, not just a slow start.
    await eventually(async () => {
      const r = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`.execute(db);
      return (r.rows[0]?.n ?? 0) >= 1;
    }, 5000);
    expect(bCommitted).toBe(false); // B waits for A…
    expect(await eventsAfter(db, from, 10)).toEqual([]); // …and a reader sees neither yet.
    a.release();
    await Promise.all([a.done, b]);
    const seen = (await eventsAfter(db, from, 10)).map((r) => r.id);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBeLessThan(seen[1] ?? 0);
  });
});

describe("two nodes over PostgreSQL alone (LISTEN/NOTIFY bus)", () => {
  const servers: RunningServer[] = [];
  const sockets: WsApi[] = [];
  let url = "";
  beforeAll(async () => {
    url = await createTestDatabase(inject("pgAdminUrl"), "notify");
    for (const id of ["n1", "n2"]) {
      const config = loadConfig({
        NODE_ENV: "test",
        PORT: "0",
        HOST: "127.0.0.1",
        DATABASE_URL: url,
        DATABASE_POOL_SIZE: "8",
        SECRET_KEY: "test-secret-key-that-is-long-enough-0123456789",
        SEND_RATE_BURST: "100000",
        SEND_RATE_PER_SEC: "100000",
        NODE_ID: id,
      });
      servers.push(await startServer(config, pino({ level: "silent" })));
    }
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await Promise.all(servers.map((s) => s.close()));
  });

  it("delivers every event exactly once, in order, to subscribers on both nodes under concurrent writers", async () => {
    const [one, two] = servers;
    if (!one || !two) throw new Error("servers");
    expect(one.svc.hub.constructor.name).toBe("ClusterHub");
    const users: TestUser[] = [];
    for (let i = 0; i < 8; i++) users.push(await registerUser(i % 2 ? two : one, `w${i}`));
    const [owner, ...rest] = users;
    if (!owner) throw new Error("users");
    const room = await owner.http.rooms.create.mutate({ name: "writers" });
    await Promise.all(rest.map((u) => u.http.rooms.join.mutate({ roomId: room.id })));
    const recs = [one, two].map((s) => {
      const c = wsApi(s, owner.accessToken);
      sockets.push(c);
      return record(c.api);
    });
    for (const r of recs) await r.waitFor((e) => e.type === "ready");

    // 8 writers, half on each node, 25 messages each, all at once.
    await Promise.all(
      users.map(async (u, i) => {
        await Promise.all(
          Array.from({ length: 25 }, (_, k) => u.http.messages.send.mutate({ roomId: room.id, content: `${i}-${k}`, clientId: `w-${i}-${k}` })),
        );
      }),
    );
    const newer = await owner.http.messages.list.query({ roomId: room.id, limit: 100 });
    const older = await owner.http.messages.list.query({ roomId: room.id, limit: 100, before: newer.nextCursor });
    const history = [...older.items, ...newer.items].filter((m) => m.kind === "text");
    expect(history).toHaveLength(200);
    for (const r of recs) {
      await eventually(() => messageEvents(r.events).filter((m) => m.kind === "text").length >= 200, 15_000);
      const ids = messageEvents(r.events).filter((m) => m.kind === "text").map((m) => m.id);
      expect(ids).toEqual(history.map((m) => m.id));
    }
  });

  it("reconnects a listener whose connection was killed, and catches up meanwhile", async () => {
    const [one, two] = servers;
    if (!one || !two) throw new Error("servers");
    const alice = await registerUser(one, "lk-a");
    const bob = await registerUser(two, "lk-b");
    const room = await alice.http.rooms.create.mutate({ name: "listener-killed" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const bobSocket = wsApi(two, bob.accessToken);
    sockets.push(bobSocket);
    const b = record(bobSocket.api);
    await b.waitFor((e) => e.type === "ready");

    // What a database failover or a network cut does to the LISTEN connections.
    const admin = openPostgres({ url });
    try {
      const killed = await sql<{ ok: boolean }>`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`.execute(admin.db);
      expect(killed.rows.length).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.close();
    }
    for (let k = 0; k < 5; k++) await alice.http.messages.send.mutate({ roomId: room.id, content: `lk-${k}`, clientId: `lk-${k}` });
    await eventually(() => messageEvents(b.events).filter((m) => m.kind === "text").length === 5, 10_000);

    // Live events need the bus itself: typing crosses again once the listener is back.
    await eventually(async () => {
      await alice.http.rooms.typing.mutate({ roomId: room.id, isTyping: false });
      await alice.http.rooms.typing.mutate({ roomId: room.id, isTyping: true });
      await new Promise((r) => setTimeout(r, 200));
      return b.events.some((e) => e.type === "typing" && e.userId === alice.id);
    }, 10_000);
  });

  it("relays typing and presence between the nodes over NOTIFY", async () => {
    const [one, two] = servers;
    if (!one || !two) throw new Error("servers");
    const alice = await registerUser(one, "nt-a");
    const bob = await registerUser(two, "nt-b");
    const room = await alice.http.rooms.create.mutate({ name: "notify-live" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const bobSocket = wsApi(two, bob.accessToken);
    sockets.push(bobSocket);
    const b = record(bobSocket.api);
    await b.waitFor((e) => e.type === "ready");

    const aliceSocket = wsApi(one, alice.accessToken);
    sockets.push(aliceSocket);
    const a = record(aliceSocket.api);
    await a.waitFor((e) => e.type === "ready");
    await b.waitFor((e) => e.type === "presence" && e.userId === alice.id && e.online, 5000);
    expect((await bob.http.users.online.query()).some((u) => u.id === alice.id)).toBe(true);

    await alice.http.rooms.typing.mutate({ roomId: room.id, isTyping: true });
    await b.waitFor((e) => e.type === "typing" && e.userId === alice.id && e.isTyping, 5000);
  });
});
