import { describe, expect, test } from "vitest";
import { memoryOutbox } from "./storage.ts";
import { history, useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import type { EventOf, ParleyClient } from "./types.ts";

const t = useDisposer();

type ReactionEvent = EventOf<"reaction.added"> | EventOf<"reaction.removed">;
function recordReactions(c: ParleyClient): ReactionEvent[] {
  const seen: ReactionEvent[] = [];
  c.events.on("reaction.added", (e) => seen.push(e));
  c.events.on("reaction.removed", (e) => seen.push(e));
  return seen;
}

/** Resolves once `c` has been delivered a message with `content`: everything the log holds before it has arrived too. */
function delivered(c: ParleyClient, content: string): Promise<void> {
  return new Promise((resolve) => {
    const off = c.events.on("message.created", (e) => {
      if (e.message.content !== content) return;
      off();
      resolve();
    });
  });
}

describe("react and unreact", () => {
  test("queued while the server is down, they are applied in order once it is back, and members hear each once", async () => {
    const s = await t.server();
    const [alice, bob] = await Promise.all([newUser(s.url), newUser(s.url)]);
    const a = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(s.url, bob));
    await Promise.all([a.ready, b.ready]);
    const room = await a.api.rooms.create.mutate({ name: "reacts" });
    await b.api.rooms.join.mutate({ roomId: room.id });
    const message = await a.send(room.id, "react to this");
    const seen = recordReactions(b);

    await s.kill("SIGKILL");
    await waitFor(() => a.connection.get().status === "reconnecting", 5000, "reconnecting");
    const calls = [a.react(message.id, "👍"), a.react(message.id, ":tada:"), a.unreact(message.id, "👍\uFE0F")];
    await waitFor(() => a.outbox.get().length === 3, 2000, "queued");
    expect(a.outbox.get().map((i) => [i.roomId, i.action])).toEqual([
      [null, { type: "react", messageId: message.id, emoji: "👍" }],
      [null, { type: "react", messageId: message.id, emoji: ":tada:" }],
      [null, { type: "unreact", messageId: message.id, emoji: "👍\uFE0F" }],
    ]);

    await s.start();
    const results = await Promise.all(calls);
    expect(results.map((r) => [r.emoji, r.count, r.me, r.changed])).toEqual([
      ["👍", 1, true, true],
      ["🎉", 1, true, true],
      ["👍", 0, false, true],
    ]);
    expect(a.outbox.get()).toEqual([]);
    const [stored] = (await history(a, room.id)).filter((m) => m.id === message.id);
    expect(stored?.reactions).toEqual([{ emoji: "🎉", count: 1, me: true, userIds: [alice.user.id] }]);

    const mark = delivered(b, "after the reactions");
    await a.send(room.id, "after the reactions");
    await mark;
    expect(seen.map((e) => [e.type, e.emoji, e.userId, e.count])).toEqual([
      ["reaction.added", "👍", alice.user.id, 1],
      ["reaction.added", "🎉", alice.user.id, 1],
      ["reaction.removed", "👍", alice.user.id, 0],
    ]);
  });

  test("a stored react survives a client restart, and two clients replaying it react once", async () => {
    const s = await t.server();
    const [alice, bob] = await Promise.all([newUser(s.url), newUser(s.url)]);
    const setup = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(s.url, bob));
    await Promise.all([setup.ready, b.ready]);
    const room = await setup.api.rooms.create.mutate({ name: "kept reacts" });
    await b.api.rooms.join.mutate({ roomId: room.id });
    const message = await setup.send(room.id, "keep my reaction");
    await setup.close();
    const seen = recordReactions(b);

    await s.kill("SIGKILL");
    const storage = memoryOutbox();
    const offline = clientFor(s.url, alice, { storage });
    const lost = offline.react(message.id, "🔥").catch((e: unknown) => e);
    await waitFor(() => storage.items.length === 1, 2000, "saved");
    await offline.close();
    expect(await lost).toMatchObject({ name: "ParleyClosedError" });

    await s.start();
    const first = t.client(clientFor(s.url, alice, { storage }));
    const second = t.client(clientFor(s.url, alice, { storage: memoryOutbox(storage.items) }));
    await Promise.all([first.ready, second.ready]);
    await waitFor(() => first.outbox.get().length === 0 && second.outbox.get().length === 0, 5000, "both drained");
    const mark = delivered(b, "after the replays");
    await first.send(room.id, "after the replays");
    await mark;
    expect(seen.map((e) => [e.type, e.emoji, e.userId])).toEqual([["reaction.added", "🔥", alice.user.id]]);
    expect(storage.items).toEqual([]);
  });

  test("a reaction the server refuses fails alone and is not kept", async () => {
    const s = await t.server();
    const alice = await newUser(s.url);
    const a = t.client(clientFor(s.url, alice));
    await a.ready;
    const room = await a.api.rooms.create.mutate({ name: "refused" });
    const message = await a.send(room.id, "hi");
    const [bad, good] = await Promise.allSettled([a.react(message.id, "not an emoji"), a.react(message.id, "✅")]);
    expect(bad).toMatchObject({ status: "rejected", reason: { name: "SendFailedError", code: "BAD_REQUEST" } });
    expect(good).toMatchObject({ status: "fulfilled", value: { emoji: "✅", count: 1 } });
    expect(await a.react(99_999_999, "✅").catch((e: unknown) => e)).toMatchObject({ code: "NOT_FOUND" });
    expect(a.outbox.get()).toEqual([]);
  });
});
