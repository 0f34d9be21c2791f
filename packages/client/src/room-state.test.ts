import type { Message } from "@parley/api";
import { describe, expect, test } from "vitest";
import { createRoomState, type RoomSnapshot, type RoomState } from "./room-state.ts";
import { history, useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser } from "./test/helpers.ts";
import { ChaosProxy } from "./test/proxy.ts";
import type { ParleyClient } from "./types.ts";

const t = useDisposer();

/** Resolves with the first snapshot that passes `check` (the state is closed after the test). */
function until(state: RoomState, check: (s: RoomSnapshot) => boolean, what: string, ms = 10_000): Promise<RoomSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const off = state.subscribe((s) => {
      if (!check(s)) return;
      clearTimeout(timer);
      queueMicrotask(() => off());
      resolve(s);
    });
  });
}
const has = (content: string) => (s: RoomSnapshot) => s.messages.some((m) => m.content === content);

async function thread(c: ParleyClient, roomId: number, threadId: number): Promise<Message[]> {
  return (await c.api.messages.list.query({ roomId, threadId, limit: 100 })).items;
}

async function twoMembers() {
  const s = await t.server({ MAX_REPLAY: "5" });
  const [alice, bob] = await Promise.all([newUser(s.url), newUser(s.url)]);
  const a = t.client(clientFor(s.url, alice));
  const b = t.client(clientFor(s.url, bob));
  await Promise.all([a.ready, b.ready]);
  const room = await a.api.rooms.create.mutate({ name: "state" });
  await b.api.rooms.join.mutate({ roomId: room.id });
  return { s, alice, bob, a, b, room };
}

describe("createRoomState", () => {
  test("keeps the timeline from history and the stream, with edits, deletes, reactions and thread summaries applied, equal to history", async () => {
    const { a, b, room } = await twoMembers();
    await a.send(room.id, "before the state");
    const state = createRoomState(b, room.id);
    t.add(async () => state.close());
    await state.ready;
    expect(state.get().status).toBe("ready");
    expect(state.get().messages.map((m) => m.content)).toContain("before the state");

    const root = await a.send(room.id, "root");
    await b.react(root.id, "👍");
    await a.react(root.id, "👍");
    await a.react(root.id, "🎉");
    await a.reply(room.id, root.id, "only in the thread");
    await a.reply(room.id, root.id, "also in the room", { alsoToRoom: true });
    await a.edit(root.id, "root, edited");
    const gone = await b.send(room.id, "bob takes this back");
    await b.delete(gone.id);
    await a.unreact(root.id, "🎉");
    await a.send(room.id, "marker");

    const s = await until(state, has("marker"), "the marker");
    expect(s.messages).toEqual(await history(b, room.id));
    const got = s.messages.find((m) => m.id === root.id);
    expect(got).toMatchObject({ content: "root, edited", rev: 2, thread: { replyCount: 2 } });
    // Bob's own reaction is `me`; Alice's later one on the same emoji did not change that.
    expect(got?.reactions.map((r) => [r.emoji, r.count, r.me])).toEqual([["👍", 2, true]]);
    expect(s.messages.map((m) => m.content)).not.toContain("only in the thread");
    expect(s.messages.find((m) => m.id === gone.id)).toMatchObject({ content: "", deletedAt: expect.any(Number), reactions: [] });
    expect(Object.isFrozen(s.messages)).toBe(true);
  });

  test("keeps history's emoji order when the first to react takes theirs back (the emoji moves after later ones)", async () => {
    const { a, b, room } = await twoMembers();
    const m = await a.send(room.id, "react here");
    const state = createRoomState(a, room.id);
    t.add(async () => state.close());
    await state.ready;
    const seen: (number | null)[] = [];
    a.events.on("reaction.removed", (e) => seen.push(e.index), { roomId: room.id });
    await b.react(m.id, "👍");
    await a.react(m.id, "🎉");
    await a.react(m.id, "👍");
    // 👍's first reaction is now Alice's, later than 🎉's: history lists 🎉 first.
    await b.unreact(m.id, "👍");
    await a.send(room.id, "marker");

    const s = await until(state, has("marker"), "the marker");
    const truth = await history(a, room.id);
    expect(truth.find((x) => x.id === m.id)?.reactions.map((r) => r.emoji)).toEqual(["🎉", "👍"]);
    expect(seen).toEqual([1]);
    expect(s.messages).toEqual(truth);
  });

  test("follows threads: read once when followed, then kept from the stream, equal to the thread's listing", async () => {
    const { a, b, room } = await twoMembers();
    const old = await a.send(room.id, "an old root");
    await a.reply(room.id, old.id, "an old reply");
    const all = createRoomState(b, room.id, { followThreads: true });
    const one = createRoomState(b, room.id);
    t.add(async () => {
      all.close();
      one.close();
    });
    await Promise.all([all.ready, one.ready]);
    await one.followThread(old.id);

    const fresh = await a.send(room.id, "a new root");
    await b.reply(room.id, fresh.id, "a new reply");
    const reply = await a.reply(room.id, old.id, "a reply, later edited");
    await a.edit(reply.id, "a reply, edited");
    await b.react(reply.id, "🔥");
    await a.send(room.id, "marker");

    const [sAll, sOne] = await Promise.all([until(all, has("marker"), "marker (all)"), until(one, has("marker"), "marker (one)")]);
    expect(sAll.messages).toEqual(await history(b, room.id));
    expect(sAll.threads.get(old.id)).toEqual(await thread(b, room.id, old.id));
    expect(sAll.threads.get(fresh.id)).toEqual(await thread(b, room.id, fresh.id));
    expect(sOne.threads.get(old.id)).toEqual(await thread(b, room.id, old.id));
    expect([...sOne.threads.keys()]).toEqual([old.id]);
    one.unfollowThread(old.id);
    expect(one.get().threads.size).toBe(0);
  });

  test("reads the room again after a resync, and loads older pages", async () => {
    const { s, a, bob, room } = await twoMembers();
    const proxy = new ChaosProxy(() => s.port);
    await proxy.listen();
    t.add(() => proxy[Symbol.asyncDispose]());
    const b = t.client(clientFor(proxy.url, bob));
    await b.ready;
    for (let i = 0; i < 5; i++) await a.send(room.id, `early ${i}`);
    const state = createRoomState(b, room.id, { pageSize: 3 });
    t.add(async () => state.close());
    await state.ready;
    expect(state.get().hasOlder).toBe(true);
    await state.loadOlder();
    expect(state.get().messages.map((m) => m.content).slice(-5)).toEqual(["early 0", "early 1", "early 2", "early 3", "early 4"]);

    // Bob is away for more events than the server replays (MAX_REPLAY=5): his stream resyncs.
    proxy.blocked = true;
    proxy.dropAll();
    const [first] = state.get().messages.filter((m) => m.content === "early 0");
    if (!first) throw new Error("no early message");
    await a.edit(first.id, "early 0, edited while bob was away");
    for (let i = 0; i < 6; i++) await a.send(room.id, `missed ${i}`);
    const resynced = new Promise<void>((resolve) => b.events.on("resync", () => resolve()));
    proxy.blocked = false;
    await resynced;
    const after = await until(state, has("missed 5"), "the refetch");
    expect(after.messages).toEqual((await history(b, room.id)).slice(-3));
    expect(after.hasOlder).toBe(true);
  });
});
