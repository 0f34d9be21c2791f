import type { Message, StreamEvent } from "@parley/api";
import { describe, expect, test } from "vitest";
import { memoryOutbox, parseOutbox } from "./storage.ts";
import { useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";

const t = useDisposer();

describe("reply", () => {
  test("a reply goes through the outbox: queued offline, kept across a client restart, stored once in its thread", async () => {
    const s = await t.server();
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    const a = t.client(clientFor(s.url, alice));
    await a.ready;
    const room = await a.api.rooms.create.mutate({ name: "threads" });
    const root = await a.send(room.id, "root");
    const live = await a.reply(room.id, root.id, "online reply");
    expect(live).toMatchObject({ threadId: root.id, alsoToRoom: false, content: "online reply" });
    await a.close();

    await s.kill("SIGKILL");
    const storage = memoryOutbox();
    const offline = clientFor(s.url, alice, { storage });
    const lost = [
      offline.reply(room.id, root.id, "offline reply").catch((e: unknown) => e),
      offline.reply(room.id, live.id, "to the reply, also to the room", { alsoToRoom: true }).catch((e: unknown) => e),
    ];
    await waitFor(() => storage.items.length === 2, 2000, "outbox saved");
    await offline.close();
    for (const e of await Promise.all(lost)) expect(e).toMatchObject({ name: "ParleyClosedError" });
    // What a browser would keep in localStorage parses back with its thread.
    expect(parseOutbox(JSON.stringify(storage.items)).map((i) => [i.threadId, i.alsoToRoom])).toEqual([
      [root.id, undefined],
      [live.id, true],
    ]);

    await s.start();
    const b = t.client(clientFor(s.url, bob));
    await b.ready;
    await b.api.rooms.join.mutate({ roomId: room.id });
    const seen: StreamEvent[] = [];
    b.events.on("*", (e) => seen.push(e), { roomId: room.id });
    // Two clients load the same stored replies: each is still stored once.
    const second = t.client(clientFor(s.url, alice, { storage }));
    const third = t.client(clientFor(s.url, alice, { storage: memoryOutbox(storage.items) }));
    await Promise.all([second.ready, third.ready]);
    await waitFor(() => second.outbox.get().length === 0 && third.outbox.get().length === 0, 5000, "outboxes drained");

    const thread: Message[] = (await second.api.messages.list.query({ roomId: room.id, threadId: root.id })).items;
    expect(thread.map((m) => [m.content, m.threadId, m.alsoToRoom])).toEqual([
      ["root", null, false],
      ["online reply", root.id, false],
      ["offline reply", root.id, false],
      ["to the reply, also to the room", root.id, true],
    ]);
    const timeline = (await second.api.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text");
    expect(timeline.map((m) => m.content)).toEqual(["root", "to the reply, also to the room"]);
    // Bob learns the root's summary from the stream.
    await waitFor(() => seen.some((e) => e.type === "thread.updated" && e.thread.replyCount === 3), 5000, "thread.updated");
    expect(timeline[0]?.thread?.replyCount).toBe(3);
  });
});
