import { dirname } from "node:path";
import { appRouter, type StreamEvent } from "@parley/api";
import { findUsersByIds, insertDmRoom, insertMember, searchUsersByPrefixQuery } from "@parley/db";
import { CompiledQuery, sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  codeOf,
  eventually,
  httpApi,
  type Recorder,
  record,
  registerUser,
  type TestServer,
  type TestUser,
  startTestServer,
  type WsApi,
  wsApi,
} from "./test/harness.ts";

/**
 * Direct messages and people search (issue 12): `dms.open`, fixed
 * membership, who sees a DM, and `users.search`. Runs on SQLite and, in the
 * "@parley/server:postgres" project, on PostgreSQL.
 */

const onPostgres = process.env.PARLEY_TEST_DB === "postgres";

let server: TestServer;
const open: (WsApi | Recorder)[] = [];
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
  [alice, bob, carol, dave] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "carol"), registerUser(server, "dave")]);
});
afterEach(async () => {
  for (const c of open.splice(0)) {
    if ("stop" in c) c.stop();
    else await c.close();
  }
});
afterAll(() => server.dispose());

const people = (n: number, prefix: string) => Promise.all(Array.from({ length: n }, () => registerUser(server, prefix)));
const ids = (...us: TestUser[]) => us.map((u) => u.id);
const sortedIds = (...us: TestUser[]) => ids(...us).sort((a, b) => a - b);
const touches = (roomId: number) => (e: StreamEvent) => "roomId" in e && e.roomId === roomId;

/** Seeded, so a failing interleaving can be replayed (the seed is printed). */
function shuffler(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return <T>(xs: readonly T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
}

function seedFromEnv(): number {
  const seed = process.env.PARLEY_DM_SEED ? Number(process.env.PARLEY_DM_SEED) : Date.now() % 2 ** 31;
  console.log(`dms.test seed: ${seed} (replay with PARLEY_DM_SEED=${seed})`);
  return seed;
}

/** A WebSocket client per (user, copy), already connected and signed in, so the opens below start together. */
async function sockets(target: Pick<TestServer, "url">, users: TestUser[], copies: number) {
  const clients = users.flatMap((u) => Array.from({ length: copies }, () => ({ user: u, ws: wsApi(target, u.accessToken) })));
  open.push(...clients.map((c) => c.ws));
  await Promise.all(clients.map((c) => c.ws.api.auth.me.query()));
  return clients;
}

describe("dms.open", () => {
  it("gives the same people the same room, whoever opens it and in any order", async () => {
    const first = await alice.http.dms.open.mutate({ userIds: [bob.id, carol.id] });
    expect(first).toMatchObject({ kind: "dm", isPrivate: true, name: "", isMember: true, isAdmin: false, memberCount: 3 });
    expect(first.members).toEqual(
      [alice, bob, carol].map((u) => ({ id: u.id, username: u.username })).sort((a, b) => a.id - b.id),
    );
    const again = await Promise.all([
      alice.http.dms.open.mutate({ userIds: [carol.id, bob.id] }),
      bob.http.dms.open.mutate({ userIds: [carol.id, alice.id] }),
      carol.http.dms.open.mutate({ userIds: [alice.id, bob.id, alice.id, carol.id] }),
    ]);
    expect(again.map((r) => r.id)).toEqual([first.id, first.id, first.id]);
    // A different set of people is a different room.
    const pair = await alice.http.dms.open.mutate({ userIds: [bob.id] });
    expect(pair.id).not.toBe(first.id);
    expect(pair.members?.map((m) => m.id)).toEqual(sortedIds(alice, bob));
  });

  it("opens a note-to-self for an empty list (or only oneself)", async () => {
    const note = await dave.http.dms.open.mutate({ userIds: [] });
    expect(note).toMatchObject({ kind: "dm", isPrivate: true, memberCount: 1, members: [{ id: dave.id, username: dave.username }] });
    expect((await dave.http.dms.open.mutate({ userIds: [dave.id] })).id).toBe(note.id);
    expect((await dave.http.dms.open.mutate({ userIds: [] })).id).toBe(note.id);
    const sent = await dave.http.messages.send.mutate({ roomId: note.id, content: "remember the milk", clientId: "note-1" });
    expect((await dave.http.messages.list.query({ roomId: note.id })).items.map((m) => m.id)).toEqual([sent.id]);
  });

  it("takes up to 8 other people, and refuses unknown people and bad input without creating anything", async () => {
    const crowd = await people(9, "crowd");
    const eight = await alice.http.dms.open.mutate({ userIds: ids(...crowd.slice(0, 8)) });
    expect(eight.memberCount).toBe(9);
    const before = (await alice.http.rooms.list.query()).map((r) => r.id);
    expect(await codeOf(alice.http.dms.open.mutate({ userIds: ids(...crowd) }))).toBe("BAD_REQUEST");
    expect(await codeOf(alice.http.dms.open.mutate({ userIds: [bob.id, 9_999_999] }))).toBe("NOT_FOUND");
    for (const userIds of [[0], [-1], [1.5], ["1"], null]) {
      expect(await codeOf(alice.http.dms.open.mutate({ userIds } as unknown as { userIds: number[] }))).toBe("BAD_REQUEST");
    }
    expect(await codeOf(httpApi(server).dms.open.mutate({ userIds: [bob.id] }))).toBe("UNAUTHORIZED");
    expect((await alice.http.rooms.list.query()).map((r) => r.id)).toEqual(before);
  });

  it("returns one room to racing opens of the same people from many sockets", async () => {
    const shuffle = shuffler(seedFromEnv());
    const group = await people(4, "racer");
    const clients = shuffle(await sockets(server, group, 3));
    const rooms = await Promise.all(
      clients.map((c) => c.ws.api.dms.open.mutate({ userIds: shuffle(ids(...group).filter((id) => id !== c.user.id)) })),
    );
    expect(new Set(rooms.map((r) => r.id)).size).toBe(1);
    const dms = (await group[0]?.http.rooms.list.query())?.filter((r) => r.kind === "dm") ?? [];
    expect(dms.map((r) => r.members?.map((m) => m.id))).toEqual([sortedIds(...group)]);
  });

  it("returns one room to racing opens on two servers sharing the database", async () => {
    const shuffle = shuffler(seedFromEnv());
    const other = await startTestServer({}, dirname(server.dbFile));
    try {
      const group = await people(3, "nodes");
      const clients = shuffle([...(await sockets(server, group, 2)), ...(await sockets(other, group, 2))]);
      const rooms = await Promise.all(
        clients.map((c) => c.ws.api.dms.open.mutate({ userIds: shuffle(ids(...group).filter((id) => id !== c.user.id)) })),
      );
      expect(new Set(rooms.map((r) => r.id)).size).toBe(1);
      expect(rooms[0]?.members?.map((m) => m.id)).toEqual(sortedIds(...group));
    } finally {
      for (const c of open.splice(0)) if (!("stop" in c)) await c.close();
      await other.close();
    }
  });

  // Stands in for another node whose open of the same people commits while ours is under way: our lookup
  // misses its uncommitted row, our insert waits on the unique index and then fails; we must answer with its room.
  it.runIf(onPostgres)("answers with the winner's room when its open commits during ours (PostgreSQL)", async () => {
    const [x, y] = await people(2, "loser");
    if (!x || !y) throw new Error("no users");
    const db = server.svc.db;
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    let winnerId = 0;
    const winner = db.transaction().execute(async (trx) => {
      const room = await insertDmRoom(trx, { key: sortedIds(x, y).join(","), createdBy: y.id, now: Date.now() });
      for (const u of await findUsersByIds(trx, [x.id, y.id])) await insertMember(trx, { roomId: room.id, userId: u.id, isAdmin: false, now: Date.now() });
      winnerId = Number(room.id);
      await held;
    });
    await eventually(() => winnerId > 0);
    // Two opens: alone, or sharing a batch (which then fails whole and is retried one op at a time).
    const losers = Promise.all([x.http.dms.open.mutate({ userIds: [y.id] }), y.http.dms.open.mutate({ userIds: [x.id] })]);
    // Positive sync point: our insert is waiting for the winner's row lock on the unique index.
    await eventually(async () => {
      const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`.execute(db);
      return (r.rows[0]?.n ?? 0) > 0;
    }, 10_000);
    release();
    await winner;
    for (const room of await losers) {
      expect(room.id).toBe(winnerId);
      expect(room.members?.map((m) => m.id)).toEqual(sortedIds(x, y));
    }
    // The loser's events were rolled back with it: the log holds no DM of these two.
    const created = await db.selectFrom("events").select("payload").where("type", "=", "room.created").where("room_id", "=", winnerId).execute();
    expect(created).toEqual([]);
  });
});

describe("a DM's members are fixed", () => {
  /** Every rooms.* mutation that changes who is in a room or how it is run. */
  const roomMutations = Object.entries((appRouter._def as unknown as { procedures: Record<string, { _def: { type: string } }> }).procedures)
    .filter(([path, p]) => path.startsWith("rooms.") && p._def.type === "mutation")
    .map(([path]) => path)
    // Read markers and notification settings are the caller's own, not how the room is run: a DM has them too.
    .filter((path) => !["rooms.create", "rooms.typing", "rooms.watch", "rooms.unwatch", "rooms.markRead", "rooms.markUnread", "rooms.setNotifications"].includes(path));

  it("refuses join, leave, add, remove and every admin call, to its members and its creator", async () => {
    expect(roomMutations.sort()).toEqual(
      [
        "rooms.addMember",
        "rooms.ban",
        "rooms.delete",
        "rooms.join",
        "rooms.leave",
        "rooms.mute",
        "rooms.removeMember",
        "rooms.setAdmin",
        "rooms.unban",
        "rooms.update",
      ].sort(),
    );
    const dm = await alice.http.dms.open.mutate({ userIds: [bob.id] });
    const roomId = dm.id;
    for (const u of [alice, bob]) {
      const calls: Record<string, Promise<string>> = {
        "rooms.join": codeOf(u.http.rooms.join.mutate({ roomId })),
        "rooms.leave": codeOf(u.http.rooms.leave.mutate({ roomId })),
        "rooms.update": codeOf(u.http.rooms.update.mutate({ roomId, name: "ours" })),
        "rooms.delete": codeOf(u.http.rooms.delete.mutate({ roomId })),
        "rooms.addMember": codeOf(u.http.rooms.addMember.mutate({ roomId, username: carol.username })),
        "rooms.removeMember": codeOf(u.http.rooms.removeMember.mutate({ roomId, userId: u.id === alice.id ? bob.id : alice.id })),
        "rooms.setAdmin": codeOf(u.http.rooms.setAdmin.mutate({ roomId, userId: u.id, isAdmin: true })),
        "rooms.mute": codeOf(u.http.rooms.mute.mutate({ roomId, userId: u.id === alice.id ? bob.id : alice.id, until: Date.now() + 60_000 })),
        "rooms.ban": codeOf(u.http.rooms.ban.mutate({ roomId, userId: u.id === alice.id ? bob.id : alice.id })),
        "rooms.unban": codeOf(u.http.rooms.unban.mutate({ roomId, userId: u.id === alice.id ? bob.id : alice.id })),
      };
      expect(Object.keys(calls).sort()).toEqual(roomMutations);
      for (const [name, p] of Object.entries(calls)) expect([u.username, name, await p]).toEqual([u.username, name, "FORBIDDEN"]);
    }
    // Nothing changed.
    const after = await bob.http.rooms.get.query({ roomId });
    expect(after).toMatchObject({ kind: "dm", name: "", memberCount: 2, isAdmin: false, members: dm.members });
    expect((await alice.http.rooms.members.query({ roomId })).map((m) => [m.userId, m.isAdmin])).toEqual(sortedIds(alice, bob).map((id) => [id, false]));
    // Its members still talk in it, and type.
    await bob.http.messages.send.mutate({ roomId, content: "still here", clientId: "fixed-1" });
    expect(await codeOf(bob.http.rooms.typing.mutate({ roomId, isTyping: true }))).toBe("OK");
  });
});

describe("who sees a DM", () => {
  const callOverHttp = async (u: TestUser, path: string, type: string, input: unknown) => {
    const query = type === "query" ? `?input=${encodeURIComponent(JSON.stringify(input))}` : "";
    const res = await fetch(`${server.url}/trpc/${path}${query}`, {
      method: type === "query" ? "GET" : "POST",
      headers: { authorization: `Bearer ${u.accessToken}`, "content-type": "application/json" },
      body: type === "query" ? undefined : JSON.stringify(input),
    });
    const body = (await res.json()) as { error?: { data?: { code?: string } } };
    return { code: body.error?.data?.code ?? "OK", text: JSON.stringify(body) };
  };
  const roomIdProcedures = Object.entries(
    (appRouter._def as unknown as { procedures: Record<string, { _def: { type: string; inputs: unknown[] } }> }).procedures,
  )
    .filter(([, p]) => p._def.inputs.some((i) => typeof i === "object" && i !== null && "shape" in i && "roomId" in (i.shape as object)))
    .map(([path, p]) => ({ path, type: p._def.type }));
  /** Valid inputs, so a refusal is about access; anything else gets `{ roomId }`. */
  const samples: Record<string, (roomId: number) => unknown> = {
    "rooms.update": (roomId) => ({ roomId, name: "mine" }),
    "rooms.addMember": (roomId) => ({ roomId, username: carol.username }),
    "rooms.removeMember": (roomId) => ({ roomId, userId: bob.id }),
    "rooms.setAdmin": (roomId) => ({ roomId, userId: carol.id, isAdmin: true }),
    "rooms.typing": (roomId) => ({ roomId, isTyping: true }),
    "messages.send": (roomId) => ({ roomId, content: "let me in", clientId: `dm-intruder-${roomId}` }),
    "messages.search": (roomId) => ({ roomId, query: "dm-only-words" }),
    "messages.around": (roomId) => ({ roomId, messageId: 1 }),
    // Issue 17: commands and webhooks name the room too.
    "commands.run": (roomId) => ({ roomId, text: "/shrug let me in", clientId: `dm-cmd-${roomId}` }),
    "commands.create": (roomId) => ({ roomId, trigger: "intrude", url: "http://127.0.0.1:9/intruder" }),
    "webhooks.create": (roomId) => ({ roomId, name: "intruder hook" }),
    "webhooks.createOutgoing": (roomId) => ({ roomId, url: "http://127.0.0.1:9/intruder" }),
  };

  it("is NOT_FOUND to an outsider on every procedure taking its roomId, and leaks nothing", async () => {
    const dm = await alice.http.dms.open.mutate({ userIds: [bob.id] });
    await alice.http.messages.send.mutate({ roomId: dm.id, content: "dm-only-words", clientId: "who-1" });
    expect(roomIdProcedures.length).toBeGreaterThanOrEqual(13);
    const results: Record<string, string> = {};
    for (const { path, type } of roomIdProcedures) {
      const r = await callOverHttp(carol, path, type, (samples[path] ?? ((roomId: number) => ({ roomId })))(dm.id));
      results[path] = r.code;
      expect(r.text).not.toContain("dm-only-words");
      expect(r.text).not.toContain(alice.username);
    }
    expect(results).toEqual(Object.fromEntries(roomIdProcedures.map((p) => [p.path, "NOT_FOUND"])));
    // Over the WebSocket's lean send endpoint too.
    const ws = wsApi(server, carol.accessToken);
    open.push(ws);
    expect(await codeOf(ws.api.messages.send.mutate({ roomId: dm.id, content: "hi", clientId: "dm-intruder-ws" }))).toBe("NOT_FOUND");
    const contents = (await alice.http.messages.list.query({ roomId: dm.id })).items.map((m) => m.content);
    expect(contents).toContain("dm-only-words");
    expect(contents.filter((c) => c === "let me in" || c === "hi")).toEqual([]);
    expect((await alice.http.rooms.members.query({ roomId: dm.id })).map((m) => m.userId)).toEqual(sortedIds(alice, bob));
  });

  it("lists a DM, with its members, to its members only", async () => {
    const dm = await alice.http.dms.open.mutate({ userIds: [bob.id] });
    const inAlices = (await alice.http.rooms.list.query()).find((r) => r.id === dm.id);
    expect(inAlices).toMatchObject({ kind: "dm", isMember: true, members: dm.members });
    expect(inAlices?.members?.map((m) => m.username).sort()).toEqual([alice.username, bob.username].sort());
    expect((await bob.http.rooms.list.query()).find((r) => r.id === dm.id)?.members).toEqual(dm.members);
    const carols = await carol.http.rooms.list.query();
    expect(carols.some((r) => r.id === dm.id)).toBe(false);
    // The only DMs anyone is shown are their own.
    for (const r of carols.filter((r) => r.kind === "dm")) expect(r.members?.map((m) => m.id)).toContain(carol.id);
    // Channels carry no member list.
    const channel = await alice.http.rooms.create.mutate({ name: "open-plan" });
    expect((await carol.http.rooms.list.query()).find((r) => r.id === channel.id)).not.toHaveProperty("members");
  });

  it("reaches its members live, and an outsider neither live nor replaying from 0", async () => {
    const [p, q, outsider] = await people(3, "vis");
    if (!p || !q || !outsider) throw new Error("no users");
    const outsiderApi = wsApi(server, outsider.accessToken);
    const memberApi = wsApi(server, q.accessToken);
    open.push(outsiderApi, memberApi);
    const live = record(outsiderApi.api);
    const member = record(memberApi.api);
    open.push(live, member);
    await Promise.all([live.waitFor((e) => e.type === "ready"), member.waitFor((e) => e.type === "ready")]);

    const dm = await p.http.dms.open.mutate({ userIds: [q.id] });
    await p.http.messages.send.mutate({ roomId: dm.id, content: "dm-secret-text", clientId: "vis-1" });
    await p.http.rooms.typing.mutate({ roomId: dm.id, isTyping: true });

    // The member learns of the room as it opens, then gets its messages.
    const joined = await member.waitFor((e) => e.type === "member.joined" && e.roomId === dm.id && e.member.userId === q.id);
    expect(joined).toMatchObject({ room: { kind: "dm", isPrivate: true }, addedBy: p.id });
    await member.waitFor((e) => e.type === "message.created" && e.message.content === "dm-secret-text");

    // Marker: a public room everyone sees, written after everything above.
    const marker = await p.http.rooms.create.mutate({ name: `after-dm-${dm.id}` });
    await live.waitFor((e) => e.type === "room.created" && e.roomId === marker.id);
    expect(live.events.filter(touches(dm.id))).toEqual([]);
    expect(JSON.stringify(live.events)).not.toContain("dm-secret-text");

    const replay = record(outsiderApi.api, "0");
    open.push(replay);
    await replay.waitFor((e) => e.type === "room.created" && e.roomId === marker.id);
    expect(replay.events.filter(touches(dm.id))).toEqual([]);
    expect(JSON.stringify(replay.events)).not.toContain("dm-secret-text");

    // A member replaying from 0 gets the whole DM: its creation, both joins, the message.
    const memberReplay = record(memberApi.api, "0");
    open.push(memberReplay);
    await memberReplay.waitFor((e) => e.type === "room.created" && e.roomId === marker.id);
    expect(memberReplay.events.filter(touches(dm.id)).map((e) => e.type)).toEqual(["room.created", "member.joined", "member.joined", "message.created"]);
  });
});

describe("users.search", () => {
  it("finds people by username prefix, case-insensitively, in username order, with presence", async () => {
    const reg = (username: string) => httpApi(server).auth.register.mutate({ username, email: `${username}@example.com`, password: "correct horse" });
    const made = await Promise.all(["Dot.ted", "dotted", "dot-ted", "dotty_1", "Ottod"].map(reg));
    const online = wsApi(server, made[1]?.accessToken ?? "");
    open.push(online);
    await online.api.auth.me.query();
    await eventually(async () => (await carol.http.users.search.query({ query: "dotted" }))[0]?.online === true);

    const names = async (query: string, limit?: number) => (await carol.http.users.search.query({ query, limit })).map((p) => p.username);
    expect(await names("dot")).toEqual(["dot-ted", "Dot.ted", "dotted", "dotty_1"]);
    expect(await names("DOT.")).toEqual(["Dot.ted"]);
    expect(await names("dott")).toEqual(["dotted", "dotty_1"]);
    expect(await names("ＤＯＴＴ")).toEqual(["dotted", "dotty_1"]); // fullwidth folds like usernames do
    expect(await names("dotz")).toEqual([]);
    expect(await names("ott")).toEqual(["Ottod"]); // a prefix, not a substring: "dotted" is not an "ott…"
    expect(await names("dot", 2)).toEqual(["dot-ted", "Dot.ted"]);
    const found = await carol.http.users.search.query({ query: "dott" });
    expect(found).toEqual([
      { id: made[1]?.user.id, username: "dotted", online: true, avatarUrl: null },
      { id: made[3]?.user.id, username: "dotty_1", online: false, avatarUrl: null },
    ]);
  });

  it("bounds its limit and refuses bad input and anonymous callers", async () => {
    const many = await people(55, "bulk");
    expect(many).toHaveLength(55);
    expect(await carol.http.users.search.query({ query: "bulk" })).toHaveLength(10);
    expect(await carol.http.users.search.query({ query: "bulk", limit: 50 })).toHaveLength(50);
    for (const input of [
      { query: "" },
      { query: "   " },
      { query: "a%" },
      { query: "a b" },
      { query: "x".repeat(33) },
      { query: "bulk", limit: 0 },
      { query: "bulk", limit: 51 },
      { query: "bulk", limit: 2.5 },
    ]) {
      expect([input, await codeOf(carol.http.users.search.query(input))]).toEqual([input, "BAD_REQUEST"]);
    }
    expect(await codeOf(httpApi(server).users.search.query({ query: "bulk" }))).toBe("UNAUTHORIZED");
  });

  // Bytewise on PostgreSQL whatever the database's locale, yet indexed (migration 0008): with scans
  // forbidden, the planner must be able to answer from the C-collation index.
  it.runIf(onPostgres)("searches through the bytewise username index on PostgreSQL", async () => {
    const compiled = searchUsersByPrefixQuery(server.svc.db, { prefix: "dot", limit: 10 }).compile();
    const plan = await server.svc.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      return trx.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]));
    });
    expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("users_username_key_c");
  });
});
