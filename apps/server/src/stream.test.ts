import type { AppRouter, StreamEvent } from "@parley/api";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  codeOf,
  eventually,
  messageEvents,
  type Recorder,
  httpApi,
  record,
  registerUser,
  type TestServer,
  type TestUser,
  startTestServer,
  type WsApi,
  wsApi,
  wsUrl,
} from "./test/harness.ts";
import { syncPoint, withoutSyncPoints } from "./test/sync.ts";

let server: TestServer;
const open: (WsApi | Recorder)[] = [];
const connect = (u: TestUser) => {
  const c = wsApi(server, u.accessToken);
  open.push(c);
  return c;
};
const listen = (u: TestUser, lastEventId?: string | null) => {
  const r = record(connect(u).api, lastEventId);
  open.push(r);
  return r;
};

beforeAll(async () => {
  // No default room: presence here is about who shares which room, so nobody shares one by default.
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000", DEFAULT_ROOM: "" });
});
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
});
afterAll(() => server.dispose());

const isReady = (e: StreamEvent) => e.type === "ready";
const contents = (r: Recorder) => messageEvents(withoutSyncPoints(r)).map((m) => m.content);

describe("events.stream", () => {
  it("starts with a ready marker and delivers messages of my rooms only", async () => {
    const [alice, bob, eve] = await Promise.all([registerUser(server, "sa"), registerUser(server, "sb"), registerUser(server, "se")]);
    const room = await alice.http.rooms.create.mutate({ name: "s1", isPrivate: true });
    await alice.http.rooms.addMember.mutate({ roomId: room.id, username: bob.username });
    const b = listen(bob);
    const e = listen(eve);
    await b.waitFor(isReady);
    await e.waitFor(isReady);
    await alice.http.messages.send.mutate({ roomId: room.id, content: "psst", clientId: "p1" });
    await b.waitFor((ev) => ev.type === "message.created" && ev.message.content === "psst");
    // Eve's marker, sent after "psst", has arrived: "psst" would have come before it.
    await syncPoint(eve, e);
    expect(contents(e)).toEqual([]);
    expect(e.events.some((ev) => "roomId" in ev && ev.roomId === room.id)).toBe(false);
  });

  it("delivers short, long and the longest messages intact to a caught-up stream, on one socket", async () => {
    // Caught-up streams get frames the hub writes itself: lengths cross the WebSocket header's 126-byte and 16-bit forms.
    // A malformed frame would not lose anything (the client reconnects and resumes), so the test counts sockets too.
    const [alice, bob] = await Promise.all([registerUser(server, "len-a"), registerUser(server, "len-b")]);
    const room = await alice.http.rooms.create.mutate({ name: "lengths" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    let opened = 0;
    const client = createWSClient({
      url: wsUrl(server),
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: () => ({ token: bob.accessToken }),
      onOpen: () => opened++,
    });
    const api = createTRPCClient<AppRouter>({ links: [wsLink({ client })] });
    const b = record(api);
    open.push(b, { api, close: () => client.close() });
    await b.waitFor(isReady);
    const texts = ["a", "é".repeat(60), "ü".repeat(200), "x".repeat(4000), "😀".repeat(4000)];
    for (const [i, content] of texts.entries()) await alice.http.messages.send.mutate({ roomId: room.id, content, clientId: `len-${i}` });
    await b.waitFor((ev) => ev.type === "message.created" && ev.message.clientId === `len-${texts.length - 1}`);
    // Only these: on PostgreSQL the hub may read Bob's own join after his stream started.
    expect(messageEvents(b.events).filter((m) => m.clientId?.startsWith("len-")).map((m) => m.content)).toEqual(texts);
    expect(opened).toBe(1);
  });

  it("gives every subscriber the same order under concurrent senders", async () => {
    const users = await Promise.all(Array.from({ length: 5 }, (_, i) => registerUser(server, `c${i}`)));
    const [first, ...rest] = users;
    if (!first) throw new Error("no users");
    const room = await first.http.rooms.create.mutate({ name: "busy" });
    for (const u of rest) await u.http.rooms.join.mutate({ roomId: room.id });
    const recs = users.slice(0, 3).map((u) => listen(u));
    for (const r of recs) await r.waitFor(isReady);
    await Promise.all(
      users.map(async (u, i) => {
        for (let k = 0; k < 20; k++) await u.http.messages.send.mutate({ roomId: room.id, content: `${i}-${k}`, clientId: `cc-${i}-${k}` });
      }),
    );
    const expected = (await first.http.messages.list.query({ roomId: room.id, limit: 100 })).items
      .filter((m) => m.kind === "text")
      .map((m) => m.id);
    expect(expected).toHaveLength(100);
    for (const r of recs) {
      await eventually(() => messageEvents(r.events).filter((m) => m.kind === "text").length === 100);
      expect(messageEvents(r.events).filter((m) => m.kind === "text").map((m) => m.id)).toEqual(expected);
    }
  });

  it("stops delivering to a member the moment they are removed", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "rm-a"), registerUser(server, "rm-b")]);
    const room = await alice.http.rooms.create.mutate({ name: "rm", isPrivate: true });
    await alice.http.rooms.addMember.mutate({ roomId: room.id, username: bob.username });
    const b = listen(bob);
    await b.waitFor(isReady);
    await alice.http.messages.send.mutate({ roomId: room.id, content: "before", clientId: "rm1" });
    await alice.http.rooms.removeMember.mutate({ roomId: room.id, userId: bob.id });
    await alice.http.messages.send.mutate({ roomId: room.id, content: "after", clientId: "rm2" });
    await b.waitFor((e) => e.type === "member.removed" && e.userId === bob.id);
    await syncPoint(bob, b);
    expect(contents(b)).toEqual(["before"]);
    // The removal notice is the last thing about the room.
    const last = b.events.filter((e) => "roomId" in e && e.roomId === room.id).at(-1);
    expect(last?.type).toBe("member.removed");
  });

  it("resumes after a dropped socket with exactly the missed events, in order", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "res-a"), registerUser(server, "res-b")]);
    const room = await alice.http.rooms.create.mutate({ name: "res" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const c1 = wsApi(server, bob.accessToken);
    const r1 = record(c1.api);
    await r1.waitFor(isReady);
    await alice.http.messages.send.mutate({ roomId: room.id, content: "one", clientId: "r1" });
    await r1.waitFor((e) => e.type === "message.created" && e.message.content === "one");
    const seen = r1.lastId();
    r1.stop();
    await c1.close();
    for (const [i, t] of ["two", "three", "four"].entries()) {
      await alice.http.messages.send.mutate({ roomId: room.id, content: t, clientId: `r${i + 2}` });
    }
    const r2 = listen(bob, seen);
    await alice.http.messages.send.mutate({ roomId: room.id, content: "five", clientId: "r5" });
    await r2.waitFor((e) => e.type === "message.created" && e.message.content === "five");
    expect(contents(r2)).toEqual(["two", "three", "four", "five"]);
  });

  it("says resync for a position from the future instead of replaying silently", async () => {
    const bob = await registerUser(server, "fut");
    const r = listen(bob, "99999999");
    const ev = await r.waitFor((e) => e.type === "resync");
    expect(ev).toMatchObject({ type: "resync", reason: "ahead" });
  });

  it("relays typing to the other members only, and lets it expire", async () => {
    const [alice, bob, eve] = await Promise.all([registerUser(server, "t-a"), registerUser(server, "t-b"), registerUser(server, "t-e")]);
    const room = await alice.http.rooms.create.mutate({ name: "typing" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const a = listen(alice);
    const b = listen(bob);
    const e = listen(eve);
    await Promise.all([a, b, e].map((r) => r.waitFor(isReady)));
    await alice.http.rooms.typing.mutate({ roomId: room.id, isTyping: true });
    await b.waitFor((ev) => ev.type === "typing" && ev.isTyping && ev.userId === alice.id);
    // Expires by itself after ~5 s without a refresh.
    await b.waitFor((ev) => ev.type === "typing" && !ev.isTyping && ev.userId === alice.id, 8000);
    // Markers after both typing events: had Alice or Eve been sent either, it would be here by now.
    await Promise.all([syncPoint(alice, a), syncPoint(eve, e)]);
    expect(a.events.some((ev) => ev.type === "typing")).toBe(false);
    expect(e.events.some((ev) => ev.type === "typing")).toBe(false);
  }, 15_000);

  it("shows a user online to the people they share a room with while a socket is open, and offline after the last one closes", async () => {
    const [alice, bob, carol] = await Promise.all([registerUser(server, "p-a"), registerUser(server, "p-b"), registerUser(server, "p-c")]);
    const room = await alice.http.rooms.create.mutate({ name: "presence" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const a = listen(alice);
    const c = listen(carol);
    await Promise.all([a.waitFor(isReady), c.waitFor(isReady)]);
    const bobSocket = wsApi(server, bob.accessToken);
    await bobSocket.api.auth.me.query();
    await a.waitFor((e) => e.type === "presence" && e.userId === bob.id && e.online);
    expect((await alice.http.users.online.query()).map((u) => u.id)).toContain(bob.id);
    await bobSocket.close();
    await a.waitFor((e) => e.type === "presence" && e.userId === bob.id && !e.online, 6000);
    expect((await alice.http.users.online.query()).map((u) => u.id)).not.toContain(bob.id);
    // Carol shares no room with Bob: his comings and goings are not pushed to her.
    await syncPoint(carol, c);
    expect(c.events.filter((e) => e.type === "presence" && e.userId === bob.id)).toEqual([]);
  }, 10_000);

  it("lists as online only the people who share a room with the caller, and the caller", async () => {
    const [alice, bob, loner] = await Promise.all([registerUser(server, "on-a"), registerUser(server, "on-b"), registerUser(server, "on-l")]);
    const room = await alice.http.rooms.create.mutate({ name: "online" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const a = listen(alice);
    const b = listen(bob);
    const l = listen(loner);
    await Promise.all([a.waitFor(isReady), b.waitFor(isReady), l.waitFor(isReady)]);
    const ids = async (u: TestUser) => (await u.http.users.online.query()).map((x) => x.id).sort((x, y) => x - y);
    // Bob may have come online before Alice's stream was ready (then she gets no presence event): ask, with a deadline.
    await expect.poll(() => ids(alice), { timeout: 10_000 }).toEqual([alice.id, bob.id].sort((x, y) => x - y));
    // Users from other tests are online too, and Alice and Bob certainly are: the loner shares no room with anyone.
    expect(await ids(loner)).toEqual([loner.id]);
    // Sharing a room makes them peers, both ways round; leaving it undoes that.
    await loner.http.rooms.join.mutate({ roomId: room.id });
    await l.waitFor((e) => e.type === "member.joined" && e.roomId === room.id && e.member.userId === loner.id);
    expect(await ids(loner)).toEqual([alice.id, bob.id, loner.id].sort((x, y) => x - y));
    expect(await ids(bob)).toContain(loner.id);
    await loner.http.rooms.leave.mutate({ roomId: room.id });
    await a.waitFor((e) => e.type === "member.left" && e.roomId === room.id && e.userId === loner.id);
    expect(await ids(loner)).toEqual([loner.id]);
    expect(await ids(alice)).not.toContain(loner.id);
  });

  it("lets a connection preview a public room live without joining, until it stops watching", async () => {
    const [alice, bob, carol] = await Promise.all([registerUser(server, "w-a"), registerUser(server, "w-b"), registerUser(server, "w-c")]);
    const room = await alice.http.rooms.create.mutate({ name: "lobby" });
    const other = await alice.http.rooms.create.mutate({ name: "elsewhere" });
    const bobConn = connect(bob);
    const b = record(bobConn.api);
    const c = listen(carol);
    open.push(b);
    await Promise.all([b.waitFor(isReady), c.waitFor(isReady)]);
    await bobConn.api.rooms.watch.mutate({ roomId: room.id });
    await alice.http.messages.send.mutate({ roomId: room.id, content: "seen by the watcher", clientId: "w1" });
    await alice.http.messages.send.mutate({ roomId: other.id, content: "not watched", clientId: "w2" });
    await b.waitFor((e) => e.type === "message.created" && e.message.content === "seen by the watcher");
    // Watching again moves the watch; unwatch ends it.
    await bobConn.api.rooms.watch.mutate({ roomId: other.id });
    await alice.http.messages.send.mutate({ roomId: other.id, content: "now watched", clientId: "w3" });
    await b.waitFor((e) => e.type === "message.created" && e.message.content === "now watched");
    await bobConn.api.rooms.unwatch.mutate();
    await alice.http.messages.send.mutate({ roomId: other.id, content: "after unwatch", clientId: "w4" });
    await alice.http.messages.send.mutate({ roomId: room.id, content: "after unwatch too", clientId: "w5" });
    await Promise.all([syncPoint(bob, b), syncPoint(carol, c)]);
    expect(contents(b)).toEqual(["seen by the watcher", "now watched"]);
    // Carol, who watches nothing, got none of it.
    expect(contents(c)).toEqual([]);
  });

  it("stops previewing a room that turns private, and refuses to watch a private room", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "wp-a"), registerUser(server, "wp-b")]);
    const room = await alice.http.rooms.create.mutate({ name: "closing" });
    const secret = await alice.http.rooms.create.mutate({ name: "secret", isPrivate: true });
    const bobConn = connect(bob);
    const b = record(bobConn.api);
    open.push(b);
    await b.waitFor(isReady);
    expect(await codeOf(bobConn.api.rooms.watch.mutate({ roomId: secret.id }))).toBe("NOT_FOUND");
    expect(await codeOf(bob.http.rooms.watch.mutate({ roomId: room.id }))).toBe("BAD_REQUEST");
    await bobConn.api.rooms.watch.mutate({ roomId: room.id });
    await alice.http.messages.send.mutate({ roomId: room.id, content: "still public", clientId: "p1" });
    await b.waitFor((e) => e.type === "message.created" && e.message.content === "still public");
    await alice.http.rooms.update.mutate({ roomId: room.id, isPrivate: true });
    await b.waitFor((e) => e.type === "room.hidden" && e.roomId === room.id);
    await alice.http.messages.send.mutate({ roomId: room.id, content: "members only now", clientId: "p2" });
    await syncPoint(bob, b);
    // For the watcher the room is gone from `room.hidden` on: not even the system message that announces it.
    expect(contents(b)).toEqual(["still public"]);
  });

  it("introduces new peers when someone joins: each learns the other is online", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "intro-a"), registerUser(server, "intro-b")]);
    const a = listen(alice);
    const b = listen(bob);
    await Promise.all([a.waitFor(isReady), b.waitFor(isReady)]);
    // Both are online but share no room yet, so neither has been told about the other.
    const room = await alice.http.rooms.create.mutate({ name: "meeting point" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    await a.waitFor((e) => e.type === "presence" && e.userId === bob.id && e.online);
    await b.waitFor((e) => e.type === "presence" && e.userId === alice.id && e.online);
  });

  it("refuses the stream without a valid token", async () => {
    const anon = wsApi(server, null);
    open.push(anon);
    const r = record(anon.api);
    open.push(r);
    await eventually(() => r.error() !== null);
    expect((r.error() as { data?: { code?: string } }).data?.code).toBe("UNAUTHORIZED");
  });
});

describe("resume across a server restart", () => {
  it("delivers exactly the events committed while the client was away", async () => {
    let s = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
    try {
      const [alice, bob] = await Promise.all([registerUser(s, "rs-a"), registerUser(s, "rs-b")]);
      const room = await alice.http.rooms.create.mutate({ name: "restart" });
      await bob.http.rooms.join.mutate({ roomId: room.id });
      const c = wsApi(s, bob.accessToken);
      const r = record(c.api);
      await r.waitFor(isReady);
      await alice.http.messages.send.mutate({ roomId: room.id, content: "pre", clientId: "x1" });
      await r.waitFor((e) => e.type === "message.created" && e.message.content === "pre");
      const seen = r.lastId();
      r.stop();
      await c.close();
      s = await s.restart();
      const alice2 = { ...alice, http: httpApi(s, alice.accessToken) };
      await alice2.http.messages.send.mutate({ roomId: room.id, content: "post-1", clientId: "x2" });
      await alice2.http.messages.send.mutate({ roomId: room.id, content: "post-2", clientId: "x3" });
      const c2 = wsApi(s, bob.accessToken);
      const r2 = record(c2.api, seen);
      await r2.waitFor((e) => e.type === "message.created" && e.message.content === "post-2");
      // A duplicate (the replay and the live range overlapping) would come after post-2: a marker after it settles that.
      await syncPoint({ ...bob, http: httpApi(s, bob.accessToken) }, r2);
      expect(contents(r2)).toEqual(["post-1", "post-2"]);
      r2.stop();
      await c2.close();
    } finally {
      await s.dispose();
    }
  });
});
