import type { AppRouter, StreamEvent } from "@parley/api";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  httpApi,
  type Recorder,
  record,
  registerUser,
  type TestServer,
  startTestServer,
  type WsApi,
  wsApi,
  wsUrl,
} from "../test/harness.ts";
import { ServerProcess } from "../test/process.ts";
import { syncPoint, withoutSyncPoints } from "../test/sync.ts";

/**
 * Delivery promises: a resend is the original (Matrix transaction ids), a
 * resume is exact or says `resync` (Centrifugo/Discord), concurrent writers
 * get one order for everyone. (Sequential and concurrent duplicates, resume
 * after a drop and after a restart, `resync: ahead` are in
 * ../messages.test.ts and ../stream.test.ts.)
 */

const open: (WsApi | Recorder)[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
});
const listen = (server: TestServer, token: string, lastEventId?: string | null) => {
  const ws = wsApi(server, token);
  const r = record(ws.api, lastEventId);
  open.push(ws, r);
  return r;
};
const durable = (events: StreamEvent[]) =>
  events.filter((e): e is Extract<StreamEvent, { id: number }> & { type: Exclude<StreamEvent["type"], "ready" | "resync"> } =>
    "id" in e && e.type !== "ready" && e.type !== "resync",
  );

describe("idempotent send", () => {
  it("stores one message for a clientId sent sequentially, concurrently and after a restart; another user's same clientId is independent", async () => {
    let server = await startTestServer();
    try {
      const [alice, bob] = await Promise.all([registerUser(server, "idem"), registerUser(server, "idem")]);
      const room = await alice.http.rooms.create.mutate({ name: "idem" });
      await bob.http.rooms.join.mutate({ roomId: room.id });
      const input = { roomId: room.id, content: "hello once", clientId: "same-id" };
      const first = await alice.http.messages.send.mutate(input);
      const sequential = [await alice.http.messages.send.mutate(input), await alice.http.messages.send.mutate(input)];
      const concurrent = await Promise.all([1, 2, 3].map(() => alice.http.messages.send.mutate(input)));
      // A retry with different content is still the original: the clientId names the message.
      const changed = await alice.http.messages.send.mutate({ ...input, content: "edited in transit" });
      server = await server.restart();
      const afterRestart = await httpApi(server, alice.accessToken).messages.send.mutate(input);
      for (const r of [...sequential, ...concurrent, changed, afterRestart]) expect(r).toEqual(first);

      const bobs = await httpApi(server, bob.accessToken).messages.send.mutate(input);
      expect(bobs.id).not.toBe(first.id);
      expect(bobs.sender?.id).toBe(bob.id);
      const texts = (await httpApi(server, alice.accessToken).messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text");
      expect(texts.map((m) => [m.sender?.id, m.clientId])).toEqual([
        [alice.id, "same-id"],
        [bob.id, "same-id"],
      ]);
    } finally {
      await server.dispose();
    }
  });
});

describe("resume", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000", MAX_REPLAY: "50" });
  });
  afterAll(() => server.dispose());

  it("gives a client that saw position k exactly k+1…n, in order, for every k", async () => {
    const u = await registerUser(server, "resume");
    const room = await u.http.rooms.create.mutate({ name: "resume" });
    const live = listen(server, u.accessToken);
    await live.waitFor((e) => e.type === "ready");
    for (let i = 0; i < 20; i++) await u.http.messages.send.mutate({ roomId: room.id, content: `m${i}`, clientId: `r${i}` });
    await live.waitFor((e) => e.type === "message.created" && e.message.content === "m19");
    const all = durable(live.events);
    const positions = all.map((e) => e.id);
    for (const k of [0, 3, 10, 19]) {
      const from = positions[k];
      if (from === undefined) throw new Error("missing position");
      const r = listen(server, u.accessToken, String(from));
      await eventually(() => durable(r.events).length >= positions.length - k - 1, 5000);
      // A duplicate or a stray event would come before a marker committed after all of them.
      await syncPoint(u, r);
      expect(durable(withoutSyncPoints(r)).map((e) => e.id)).toEqual(positions.slice(k + 1));
      expect(r.events.some((e) => e.type === "resync")).toBe(false);
    }
  });

  it("answers a gap too large to replay with resync 'gap' and no partial replay", async () => {
    const u = await registerUser(server, "gap");
    const room = await u.http.rooms.create.mutate({ name: "gap" });
    const live = listen(server, u.accessToken);
    const ready = await live.waitFor((e) => e.type === "ready");
    const from = ready.type === "ready" ? ready.id : 0;
    for (let i = 0; i < 60; i++) await u.http.messages.send.mutate({ roomId: room.id, content: `g${i}`, clientId: `g${i}` });
    await server.svc.hub.caughtUp();
    const r = listen(server, u.accessToken, String(from));
    const resync = await r.waitFor((e) => e.type === "resync");
    expect(resync).toMatchObject({ type: "resync", reason: "gap" });
    // Nothing was replayed before the resync, and the resync names the head to continue from.
    expect(r.events[0]).toEqual(resync);
    expect(resync.type === "resync" && resync.id).toBe(server.svc.hub.head);
    // Live delivery continues after it.
    await u.http.messages.send.mutate({ roomId: room.id, content: "after", clientId: "after" });
    await r.waitFor((e) => e.type === "message.created" && e.message.content === "after");
    expect(durable(r.events).map((e) => (e.type === "message.created" ? e.message.content : e.type))).toEqual(["after"]);
  });

  it("replays a gap exactly at the limit in full", async () => {
    const u = await registerUser(server, "edge");
    const room = await u.http.rooms.create.mutate({ name: "edge" });
    const live = listen(server, u.accessToken);
    const ready = await live.waitFor((e) => e.type === "ready");
    const from = ready.type === "ready" ? ready.id : 0;
    for (let i = 0; i < 50; i++) await u.http.messages.send.mutate({ roomId: room.id, content: `e${i}`, clientId: `e${i}` });
    await server.svc.hub.caughtUp();
    const r = listen(server, u.accessToken, String(from));
    await eventually(() => durable(r.events).length === 50, 5000);
    expect(r.events.some((e) => e.type === "resync")).toBe(false);
  });

  it("answers a malformed or future position with resync or BAD_REQUEST, never a silent replay", async () => {
    const u = await registerUser(server, "future");
    const r = listen(server, u.accessToken, String(server.svc.hub.head + 1000));
    expect(await r.waitFor((e) => e.type === "resync")).toMatchObject({ reason: "ahead" });
    const bad = listen(server, u.accessToken, "-1");
    await eventually(() => bad.error() !== null, 5000);
    expect((bad.error() as { data?: { code?: string } }).data?.code).toBe("BAD_REQUEST");
  });
});

describe("five concurrent senders into one room", () => {
  it("gives gap-free positions and the same order to every subscriber", async () => {
    // A server of its own, so the positions of this room are the whole log.
    const server = await startTestServer({ SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000" });
    try {
      const users = await Promise.all(Array.from({ length: 5 }, () => registerUser(server, "five")));
      const [owner, ...rest] = users;
      if (!owner) throw new Error("no users");
      const room = await owner.http.rooms.create.mutate({ name: "five" });
      for (const u of rest) await u.http.rooms.join.mutate({ roomId: room.id });
      const subs = users.map((u) => listen(server, u.accessToken));
      for (const s of subs) await s.waitFor((e) => e.type === "ready");
      const head = server.svc.hub.head;
      const perSender = 40;
      await Promise.all(
        users.map(async (u, i) => {
          for (let j = 0; j < perSender; j++) await u.http.messages.send.mutate({ roomId: room.id, content: `${i}:${j}`, clientId: `c${j}` });
        }),
      );
      const total = users.length * perSender;
      for (const s of subs) await eventually(() => durable(s.events).length === total, 10_000);
      const reference = durable(subs[0]?.events ?? []).map((e) => e.id);
      expect(reference).toEqual(Array.from({ length: total }, (_, i) => head + 1 + i));
      for (const s of subs) expect(durable(s.events).map((e) => e.id)).toEqual(reference);
      // Message ids are gap-free too, and each sender's messages keep their own order.
      const messages = durable(subs[0]?.events ?? []).flatMap((e) => (e.type === "message.created" ? [e.message] : []));
      const ids = messages.map((m) => m.id);
      expect(ids).toEqual(Array.from({ length: total }, (_, i) => (ids[0] ?? 0) + i));
      for (let i = 0; i < users.length; i++) {
        expect(messages.filter((m) => m.content.startsWith(`${i}:`)).map((m) => m.content)).toEqual(
          Array.from({ length: perSender }, (_, j) => `${i}:${j}`),
        );
      }
    } finally {
      await server.dispose();
    }
  });
});

describe("automatic resume after live events", () => {
  it("resumes from the last durable position even when typing or presence arrived after it", async () => {
    await using server = new ServerProcess();
    await server.start();
    const [alice, bob] = await Promise.all([registerUser(server, "live"), registerUser(server, "live")]);
    const room = await alice.http.rooms.create.mutate({ name: "live" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    // Alice's client, whose reconnect we can hold back to commit something while she is away.
    let release: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    const client = createWSClient({
      url: wsUrl(server),
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: async () => {
        await gate;
        return { token: alice.accessToken };
      },
      retryDelayMs: () => 50,
    });
    const r = record(createTRPCClient<AppRouter>({ links: [wsLink({ client })] }));
    try {
      await r.waitFor((e) => e.type === "ready");
      await bob.http.messages.send.mutate({ roomId: room.id, content: "before", clientId: "before" });
      await r.waitFor((e) => e.type === "message.created" && e.message.content === "before");
      // A live event after the last durable one.
      await bob.http.rooms.typing.mutate({ roomId: room.id, isTyping: true });
      await r.waitFor((e) => e.type === "typing");
      gate = new Promise((res) => {
        release = res;
      });
      await server.restart("SIGKILL");
      await bob.http.messages.send.mutate({ roomId: room.id, content: "while away", clientId: "away" });
      release();
      await r.waitFor((e) => e.type === "message.created" && e.message.content === "while away", 10_000);
      expect(r.events.filter((e) => e.type === "ready")).toHaveLength(1);
      expect(messageContents(r.events)).toEqual(["before", "while away"]);
    } finally {
      release();
      r.stop();
      client.close();
    }
  });
});

const messageContents = (events: StreamEvent[]) =>
  events.flatMap((e) => (e.type === "message.created" && e.message.kind === "text" ? [e.message.content] : []));
