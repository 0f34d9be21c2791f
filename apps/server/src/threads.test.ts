import type { Message, StreamEvent } from "@parley/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Api,
  codeOf,
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

/** Threads (issue 12): replies one level deep, the root's summary, and `thread.updated` on the stream. */

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: number;
const open: (WsApi | Recorder)[] = [];
let seq = 0;

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
  [alice, bob, carol] = await Promise.all([registerUser(server, "ta"), registerUser(server, "tb"), registerUser(server, "tc")]);
  roomId = (await alice.http.rooms.create.mutate({ name: "threads" })).id;
  await bob.http.rooms.join.mutate({ roomId });
  await carol.http.rooms.join.mutate({ roomId });
});
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
});
afterAll(() => server.dispose());

const listen = (u: TestUser, lastEventId?: string) => {
  const ws = wsApi(server, u.accessToken);
  const r = record(ws.api, lastEventId);
  open.push(ws, r);
  return r;
};
const say = (u: TestUser, content: string, room = roomId) => u.http.messages.send.mutate({ roomId: room, content, clientId: `t-${++seq}` });
const reply = (u: TestUser, threadId: number, content: string, extra: { alsoToRoom?: boolean; room?: number } = {}) =>
  u.http.messages.send.mutate({ roomId: extra.room ?? roomId, content, clientId: `t-${++seq}`, threadId, alsoToRoom: extra.alsoToRoom });

/** The whole thread, paged back from the newest `limit` at a time, oldest first. */
async function wholeThread(api: Api, room: number, threadId: number, limit: number): Promise<{ ids: number[]; pages: number }> {
  const ids: number[] = [];
  let before: number | null = null;
  let pages = 0;
  do {
    const page: { items: Message[]; nextCursor: number | null } = await api.messages.list.query({ roomId: room, threadId, before, limit });
    const pageIds = page.items.map((m) => m.id);
    expect(pageIds.length).toBeLessThanOrEqual(limit);
    expect(pageIds).toEqual([...pageIds].sort((a, b) => a - b));
    ids.unshift(...pageIds);
    before = page.nextCursor;
    if (++pages > 200) throw new Error("paging does not end");
  } while (before !== null);
  return { ids, pages };
}

const timeline = async (api: Api, room = roomId) => (await api.messages.list.query({ roomId: room, limit: 100 })).items;
const rootIn = async (api: Api, id: number, room = roomId) => (await timeline(api, room)).find((m) => m.id === id);
const threadUpdates = (events: StreamEvent[], rootId: number) =>
  events.flatMap((e) => (e.type === "thread.updated" && e.messageId === rootId ? [e.thread] : []));

describe("threads", () => {
  it("keeps replies in their thread, out of the room's timeline, and sums them up on the root", async () => {
    const root = await say(alice, "lunch?");
    const r1 = await reply(bob, root.id, "yes");
    const r2 = await reply(carol, root.id, "later");
    const r3 = await reply(bob, root.id, "noon then");
    expect(r1).toMatchObject({ threadId: root.id, alsoToRoom: false, thread: null, content: "yes", sender: { id: bob.id } });

    const room = await timeline(alice.http);
    expect(room.some((m) => [r1.id, r2.id, r3.id].includes(m.id))).toBe(false);
    expect(room.find((m) => m.id === root.id)?.thread).toEqual({ replyCount: 3, lastReplyAt: r3.createdAt, participantIds: [bob.id, carol.id] });

    const thread = await alice.http.messages.list.query({ roomId, threadId: root.id });
    expect(thread.items.map((m) => m.id)).toEqual([root.id, r1.id, r2.id, r3.id]);
    expect(thread.nextCursor).toBeNull();
    // A message nobody answered has no summary.
    expect((await rootIn(alice.http, (await say(alice, "quiet")).id))?.thread).toBeNull();
  });

  it("attaches a reply to a reply to the root: threads are one level deep", async () => {
    const root = await say(alice, "root");
    const first = await reply(bob, root.id, "first");
    const nested = await reply(carol, first.id, "to the reply");
    expect(nested.threadId).toBe(root.id);
    expect((await rootIn(alice.http, root.id))?.thread?.replyCount).toBe(2);
    expect((await alice.http.messages.list.query({ roomId, threadId: root.id })).items.map((m) => m.id)).toEqual([root.id, first.id, nested.id]);
    // A reply's id lists its root's thread.
    expect((await alice.http.messages.list.query({ roomId, threadId: first.id })).items.map((m) => m.id)).toEqual([root.id, first.id, nested.id]);
  });

  it("streams each reply's message.created, then thread.updated with the summary history shows", async () => {
    const watcher = listen(carol);
    await watcher.waitFor((e) => e.type === "ready");
    const root = await say(alice, "stream me");
    const r1 = await reply(bob, root.id, "one");
    const r2 = await reply(alice, root.id, "two");
    await watcher.waitFor((e) => e.type === "thread.updated" && e.messageId === root.id && e.thread.replyCount === 2);
    const mine = watcher.events.filter((e) => "roomId" in e && e.roomId === roomId && e.type !== "typing");
    expect(mine.map((e) => e.type)).toEqual(["message.created", "message.created", "thread.updated", "message.created", "thread.updated"]);
    const created = mine.flatMap((e) => (e.type === "message.created" ? [e.message] : []));
    expect(created.map((m) => [m.id, m.threadId])).toEqual([
      [root.id, null],
      [r1.id, root.id],
      [r2.id, root.id],
    ]);
    expect(threadUpdates(mine, root.id)).toEqual([
      { replyCount: 1, lastReplyAt: r1.createdAt, participantIds: [bob.id] },
      { replyCount: 2, lastReplyAt: r2.createdAt, participantIds: [bob.id, alice.id] },
    ]);
    expect((await rootIn(carol.http, root.id))?.thread).toEqual(threadUpdates(mine, root.id).at(-1));
  });

  it("names the first ten participants in order of their first reply, and counts every reply", async () => {
    const people = await Promise.all(Array.from({ length: 11 }, () => registerUser(server, "tp")));
    for (const p of people) await p.http.rooms.join.mutate({ roomId });
    const root = await say(alice, "roll call");
    for (const p of people) await reply(p, root.id, "here");
    await reply(people[0] ?? alice, root.id, "again");
    const thread = (await rootIn(alice.http, root.id))?.thread;
    expect(thread?.replyCount).toBe(12);
    expect(thread?.participantIds).toEqual(people.slice(0, 10).map((p) => p.id));
  });

  it("pages through a thread oldest to newest with no gap or overlap, the root first, at any page size", async () => {
    const root = await say(alice, "long thread");
    const replies: number[] = [];
    for (let i = 0; i < 60; i++) replies.push((await reply(i % 2 ? bob : carol, root.id, `r${i}`)).id);
    // Room traffic in between must not leak into the thread.
    await say(alice, "unrelated");
    const all = [root.id, ...replies];
    const big = await wholeThread(alice.http, roomId, root.id, 25);
    expect(big).toEqual({ ids: all, pages: 3 });
    // Exactly a page of replies: the root comes alone on the next page.
    expect(await wholeThread(alice.http, roomId, root.id, 60)).toEqual({ ids: all, pages: 2 });
    expect(await wholeThread(alice.http, roomId, root.id, 61)).toEqual({ ids: all, pages: 1 });
    for (const limit of [1, 2, 7, 30, 100]) expect((await wholeThread(bob.http, roomId, root.id, limit)).ids).toEqual(all);
    // A cursor at or before the root: nothing older in this thread.
    expect(await alice.http.messages.list.query({ roomId, threadId: root.id, before: root.id })).toEqual({ items: [], nextCursor: null });
    expect(await codeOf(alice.http.messages.list.query({ roomId, threadId: root.id, limit: 101 }))).toBe("BAD_REQUEST");
  });

  it("shows an alsoToRoom reply in the room's timeline and in its thread", async () => {
    const root = await say(alice, "announce");
    const quiet = await reply(bob, root.id, "thread only");
    const loud = await reply(bob, root.id, "everyone should see", { alsoToRoom: true });
    expect(loud).toMatchObject({ threadId: root.id, alsoToRoom: true });
    const room = (await timeline(alice.http)).map((m) => m.id);
    expect(room).toContain(loud.id);
    expect(room).not.toContain(quiet.id);
    expect((await alice.http.messages.list.query({ roomId, threadId: root.id })).items.map((m) => m.id)).toEqual([root.id, quiet.id, loud.id]);
    expect((await rootIn(alice.http, root.id))?.thread?.replyCount).toBe(2);
    // alsoToRoom means nothing without a thread: refused, not silently dropped.
    expect(await codeOf(alice.http.messages.send.mutate({ roomId, content: "x", clientId: `t-${++seq}`, alsoToRoom: true }))).toBe("BAD_REQUEST");
    expect(await codeOf(alice.http.messages.send.mutate({ roomId, content: "x", clientId: `t-${++seq}`, alsoToRoom: false }))).toBe("OK");
  });

  it("answers a retried reply with the original and changes nothing, sequentially or concurrently", async () => {
    const watcher = listen(carol);
    await watcher.waitFor((e) => e.type === "ready");
    const root = await say(alice, "retry me");
    const input = { roomId, content: "once", clientId: `t-${++seq}`, threadId: root.id };
    const first = await bob.http.messages.send.mutate(input);
    expect(await bob.http.messages.send.mutate(input)).toEqual(first);
    const burst = await Promise.all(Array.from({ length: 5 }, () => bob.http.messages.send.mutate(input)));
    expect(burst.every((m) => m.id === first.id)).toBe(true);
    const rows = await server.svc.db.selectFrom("messages").select("id").where("client_id", "=", input.clientId).execute();
    expect(rows).toHaveLength(1);
    expect((await rootIn(alice.http, root.id))?.thread?.replyCount).toBe(1);
    // Positive sync point: everything the retries might have emitted comes before this marker.
    const marker = await say(alice, "marker");
    await watcher.waitFor((e) => e.type === "message.created" && e.message.id === marker.id);
    expect(threadUpdates(watcher.events, root.id)).toHaveLength(1);
    expect(watcher.events.filter((e) => e.type === "message.created" && e.message.id === first.id)).toHaveLength(1);
  });

  it("refuses a thread in another room, a missing one, or a deleted message nobody answered, storing nothing", async () => {
    const other = await alice.http.rooms.create.mutate({ name: "elsewhere" });
    await bob.http.rooms.join.mutate({ roomId: other.id });
    const foreign = await say(alice, "over there", other.id);
    const before = (await server.svc.db.selectFrom("messages").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n;
    expect(await codeOf(reply(bob, foreign.id, "cross-room"))).toBe("NOT_FOUND");
    expect(await codeOf(reply(bob, 999_999_999, "nothing there"))).toBe("NOT_FOUND");
    expect(await codeOf(alice.http.messages.list.query({ roomId, threadId: foreign.id }))).toBe("NOT_FOUND");
    expect(await codeOf(alice.http.messages.list.query({ roomId, threadId: 999_999_999 }))).toBe("NOT_FOUND");

    // A tombstone (written as a delete leaves it) cannot start a thread; a deleted root keeps its open thread.
    const lonely = await say(alice, "soon gone");
    const busy = await say(alice, "gone, but answered");
    await reply(bob, busy.id, "an answer");
    await server.svc.db.updateTable("messages").set({ deleted_at: Date.now(), content: "" }).where("id", "in", [lonely.id, busy.id]).execute();
    expect(await codeOf(reply(bob, lonely.id, "to nothing"))).toBe("NOT_FOUND");
    expect(await codeOf(reply(carol, busy.id, "still talking"))).toBe("OK");
    const after = (await server.svc.db.selectFrom("messages").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n;
    expect(Number(after) - Number(before)).toBe(4); // lonely, busy, and the two replies to busy
    expect((await alice.http.messages.list.query({ roomId, threadId: busy.id })).items.map((m) => m.deletedAt !== null)).toEqual([true, false, false]);
  });
});

describe("thread access", () => {
  it("answers outsiders as the room's history does: private NOT_FOUND, public FORBIDDEN to reply, no token UNAUTHORIZED", async () => {
    const [owner, member, outsider] = await Promise.all([registerUser(server, "ao"), registerUser(server, "am"), registerUser(server, "ax")]);
    const secret = await owner.http.rooms.create.mutate({ name: "secret", isPrivate: true });
    await owner.http.rooms.addMember.mutate({ roomId: secret.id, username: member.username });
    const root = await say(owner, "hidden root", secret.id);
    expect(await codeOf(reply(member, root.id, "member", { room: secret.id }))).toBe("OK");

    const tryAll = async (u: { http: Api }) => [
      await codeOf(u.http.messages.send.mutate({ roomId: secret.id, content: "x", clientId: `t-${++seq}`, threadId: root.id })),
      await codeOf(u.http.messages.list.query({ roomId: secret.id, threadId: root.id })),
    ];
    expect(await tryAll(outsider)).toEqual(["NOT_FOUND", "NOT_FOUND"]);
    await owner.http.rooms.removeMember.mutate({ roomId: secret.id, userId: member.id });
    expect(await tryAll(member)).toEqual(["NOT_FOUND", "NOT_FOUND"]);
    expect(await tryAll({ http: httpApi(server) })).toEqual(["UNAUTHORIZED", "UNAUTHORIZED"]);

    // A public room: anyone may read a thread, only members may reply.
    const open = await owner.http.rooms.create.mutate({ name: "open" });
    const publicRoot = await say(owner, "public root", open.id);
    expect(await codeOf(reply(outsider, publicRoot.id, "drive-by", { room: open.id }))).toBe("FORBIDDEN");
    expect(await codeOf(outsider.http.messages.list.query({ roomId: open.id, threadId: publicRoot.id }))).toBe("OK");
  });

  it("never shows a private room's thread.updated to a non-member, live or replaying from 0", async () => {
    const [owner, member, outsider] = await Promise.all([registerUser(server, "vo"), registerUser(server, "vm"), registerUser(server, "vx")]);
    const secret = await owner.http.rooms.create.mutate({ name: "vis-secret", isPrivate: true });
    await owner.http.rooms.addMember.mutate({ roomId: secret.id, username: member.username });
    const mine = await outsider.http.rooms.create.mutate({ name: "vis-mine" });
    await owner.http.rooms.join.mutate({ roomId: mine.id });
    const live = listen(outsider);
    const memberLive = listen(member);
    await live.waitFor((e) => e.type === "ready");
    await memberLive.waitFor((e) => e.type === "ready");

    const root = await say(owner, "private root", secret.id);
    await reply(member, root.id, "private reply", { room: secret.id, alsoToRoom: true });
    // The member gets it (so the event exists), then a marker the outsider is entitled to, written after it.
    await memberLive.waitFor((e) => e.type === "thread.updated" && e.messageId === root.id);
    const marker = await say(owner, "marker for the outsider", mine.id);
    const sawMarker = (e: StreamEvent) => e.type === "message.created" && e.message.id === marker.id;
    const leaks = (r: Recorder) => r.events.filter((e) => "roomId" in e && e.roomId === secret.id);

    await live.waitFor(sawMarker);
    expect(leaks(live)).toEqual([]);
    const replay = listen(outsider, "0");
    await replay.waitFor(sawMarker);
    expect(replay.events.some((e) => e.type === "member.joined")).toBe(true); // it did replay from the start
    expect(leaks(replay)).toEqual([]);
    // The member replaying from 0 does get it.
    const memberReplay = listen(member, "0");
    await memberReplay.waitFor((e) => e.type === "thread.updated" && e.messageId === root.id);
  });
});
