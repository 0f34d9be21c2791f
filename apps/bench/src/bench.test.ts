import type { AppRouter } from "@parley/api";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { runBench } from "./bench.ts";
import { buildServer, type ChildServer, startParley } from "./proc.ts";
import { type BenchUser, createUsersInRooms } from "./setup.ts";
import { WireConn } from "./wire.ts";

beforeAll(() => buildServer());

// The whole `pnpm bench --quick` against the real production build: no
// timing assertions, only that every scenario runs and nothing is lost.
test("the quick bench runs every scenario and loses, duplicates or reorders nothing", async () => {
  const r = await runBench({ quick: true, quiet: true, write: false, build: false });
  expect(r.problems).toEqual([]);
  const f = r.fanout;
  expect(f?.parley.lost).toBe(0);
  expect(f?.parley.duplicated).toBe(0);
  expect(f?.parley.outOfOrder).toBe(0);
  expect(f?.parley.steps.every((s) => s.acked === s.sent && s.deliveries === s.acked * f.params.perRoom)).toBe(true);
  expect(f?.parley.realClient?.received).toBe(f?.parley.realClient?.expected);
  expect(f?.parley.libClient?.received).toBe(f?.parley.libClient?.expected);
  expect(f?.parley.libClient?.outOfOrder).toBe(0);
  expect(r.connections?.parley.connections).toBe(r.connections?.params.connections);
  expect(r.history?.pageMs.p50).toBeGreaterThan(0);
  expect(r.ingest?.parley.acked).toBeGreaterThan(0);
});

// The hub's own fan-out writes tRPC frames itself once a stream has caught up:
// an unmodified @trpc/client must not be able to tell.
describe("events.stream served by the hub's fan-out", () => {
  let server: ChildServer;
  let dir: string;
  let users: BenchUser[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "parley-fanout-test-"));
    server = await startParley({ dbFile: join(dir, "t.db") });
    users = await createUsersInRooms(server.httpUrl, { rooms: 1, perRoom: 2, prefix: "fast" });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  type Seen = { id: string; type: string; content?: string };
  const clientFor = (token: string) => {
    const ws = createWSClient({ url: server.wsUrl, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, connectionParams: () => ({ token }) });
    return { ws, trpc: createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] }) };
  };
  const watch = (trpc: ReturnType<typeof clientFor>["trpc"], lastEventId?: string) => {
    const seen: Seen[] = [];
    const sub = trpc.events.stream.subscribe(lastEventId ? { lastEventId } : {}, {
      onData: (item) => {
        if (!("data" in item)) return;
        const e = item.data;
        seen.push({ id: item.id, type: e.type, ...(e.type === "message.created" ? { content: e.message.content } : {}) });
      },
    });
    return { seen, stop: () => sub.unsubscribe() };
  };
  const until = async (check: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const send = async (n: number, tag: string) => {
    const [sender] = users;
    if (!sender) throw new Error("no sender");
    const w = new WireConn(server.wsUrl, sender.token, () => {});
    await w.opened();
    for (let i = 0; i < n; i++) await w.call("mutation", "messages.send", { roomId: sender.roomId, content: `${tag} ${i}`, clientId: `${tag}-${i}` });
    w.close();
  };
  const messages = (seen: Seen[], tag: string) => seen.filter((s) => s.type === "message.created" && s.content?.startsWith(tag));

  test("two subscriptions on one socket each get every message once, in order, with tracked ids", async () => {
    const reader = users[1];
    if (!reader) throw new Error("no reader");
    const { ws, trpc } = clientFor(reader.token);
    const a = watch(trpc);
    const b = watch(trpc);
    await until(() => a.seen.length > 0 && b.seen.length > 0);
    await send(300, "two");
    await until(() => messages(a.seen, "two").length >= 300 && messages(b.seen, "two").length >= 300);
    // A marker sent after them: a duplicate or late copy would arrive before it, on both subscriptions.
    await send(1, "marker");
    await until(() => messages(a.seen, "marker").length === 1 && messages(b.seen, "marker").length === 1);
    for (const s of [a, b]) {
      const got = messages(s.seen, "two");
      expect(got.map((m) => m.content)).toEqual(Array.from({ length: 300 }, (_, i) => `two ${i}`));
      // Durable events: strictly increasing positions. Live ones (presence) repeat the last position.
      const durable = s.seen.filter((m) => m.type !== "presence" && m.type !== "typing").map((m) => Number(m.id));
      expect(durable).toEqual([...new Set(durable)].sort((x, y) => x - y));
      const all = s.seen.map((m) => Number(m.id));
      expect(all).toEqual([...all].sort((x, y) => x - y));
    }
    a.stop();
    await send(5, "after-stop");
    await until(() => messages(b.seen, "after-stop").length === 5);
    expect(messages(a.seen, "after-stop")).toEqual([]);
    b.stop();
    ws.close();
  });

  test("a stream resumed from its last tracked id gets exactly what it missed, then live events", async () => {
    const reader = users[1];
    if (!reader) throw new Error("no reader");
    const first = clientFor(reader.token);
    const s1 = watch(first.trpc);
    await until(() => s1.seen.length > 0);
    await send(20, "before");
    await until(() => messages(s1.seen, "before").length === 20);
    const last = s1.seen.at(-1)?.id;
    s1.stop();
    first.ws.close();
    await send(30, "missed");
    const second = clientFor(reader.token);
    const s2 = watch(second.trpc, last);
    await until(() => messages(s2.seen, "missed").length === 30);
    await send(10, "live");
    await until(() => messages(s2.seen, "live").length === 10);
    expect(messages(s2.seen, "before")).toEqual([]);
    expect(messages(s2.seen, "missed").map((m) => m.content)).toEqual(Array.from({ length: 30 }, (_, i) => `missed ${i}`));
    expect(messages(s2.seen, "live").map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `live ${i}`));
    s2.stop();
    second.ws.close();
  });

  /** A raw socket recording every frame, to check the replies the standard client relies on. */
  const rawSocket = async (token: string) => {
    const frames: { id?: unknown; result?: { type?: string; id?: string }; error?: { data?: { code?: string }; message?: string } }[] = [];
    const ws = new WebSocket(`${server.wsUrl}?connectionParams=1`);
    ws.on("message", (d) => {
      const s = d.toString();
      if (s !== "PING") frames.push(JSON.parse(s));
    });
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ method: "connectionParams", data: { token } }));
    return { ws, frames, send: (m: unknown) => ws.send(JSON.stringify(m)) };
  };
  const sub = (id: number, input: unknown = {}) => ({ id, method: "subscription", params: { path: "events.stream", input } });

  test("answers like tRPC's adapter: started, tracked data, duplicate id refused, stopped on stop", async () => {
    const reader = users[1];
    if (!reader) throw new Error("no reader");
    const s = await rawSocket(reader.token);
    s.send(sub(7));
    await until(() => s.frames.some((f) => f.id === 7 && f.result?.type === "data"));
    expect(s.frames.filter((f) => f.id === 7).map((f) => f.result?.type)).toEqual(["started", "data"]);
    expect(s.frames.find((f) => f.id === 7 && f.result?.type === "data")?.result?.id).toMatch(/^\d+$/);
    s.send(sub(7));
    await until(() => s.frames.some((f) => f.id === 7 && f.error));
    expect(s.frames.find((f) => f.id === 7 && f.error)?.error?.data?.code).toBe("BAD_REQUEST");
    s.send({ id: 7, method: "subscription.stop" });
    await until(() => s.frames.some((f) => f.id === 7 && f.result?.type === "stopped"));
    // Other procedures on the same socket still go to tRPC.
    s.send({ id: 8, method: "query", params: { path: "auth.me", input: undefined } });
    await until(() => s.frames.some((f) => f.id === 8));
    expect(s.frames.find((f) => f.id === 8)?.result?.type).toBe("data");
    s.ws.close();
  });

  test("refuses a stream without a valid token (UNAUTHORIZED) or with a malformed lastEventId (BAD_REQUEST)", async () => {
    const anon = await rawSocket("not-a-token");
    anon.send(sub(1));
    await until(() => anon.frames.some((f) => f.id === 1));
    expect(anon.frames.filter((f) => f.id === 1).map((f) => f.error?.data?.code)).toEqual(["UNAUTHORIZED"]);
    anon.ws.close();
    const reader = users[1];
    if (!reader) throw new Error("no reader");
    const bad = await rawSocket(reader.token);
    bad.send(sub(2, { lastEventId: "../etc" }));
    await until(() => bad.frames.some((f) => f.id === 2));
    expect(bad.frames.filter((f) => f.id === 2).map((f) => f.error?.data?.code)).toEqual(["BAD_REQUEST"]);
    bad.ws.close();
  });
});
