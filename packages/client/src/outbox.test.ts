import type { Message } from "@parley/api";
import { describe, expect, test } from "vitest";
import { memoryOutbox } from "./storage.ts";
import { useDisposer, history, recordMessages } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";

const t = useDisposer();

describe("outbox", () => {
  test("messages sent while the server is down are delivered in order, exactly once, when it is back", async () => {
    const s = await t.server();
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    const a = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(s.url, bob));
    await Promise.all([a.ready, b.ready]);
    const r1 = await a.api.rooms.create.mutate({ name: "one" });
    const r2 = await a.api.rooms.create.mutate({ name: "two" });
    await b.api.rooms.join.mutate({ roomId: r1.id });
    await b.api.rooms.join.mutate({ roomId: r2.id });
    const seen = recordMessages(b);

    await s.kill("SIGKILL");
    await waitFor(() => a.connection.get().status === "reconnecting", 5000, "reconnecting");
    const texts = Array.from({ length: 30 }, (_, i) => `offline ${i}`);
    const sends = texts.map((text, i) => a.send(i % 2 === 0 ? r1.id : r2.id, text));
    // Two more failed connection attempts with the messages queued: each was a chance to lose, reorder or fail them.
    const tried = a.connection.get().attempt ?? 0;
    await waitFor(() => (a.connection.get().attempt ?? 0) >= tried + 2, 5000, "two more reconnect attempts");
    expect(a.outbox.get().map((i) => i.content)).toEqual(texts);
    expect(a.outbox.get().every((i) => i.status === "pending")).toBe(true);

    await s.start();
    const stored = await Promise.all(sends);
    expect(stored.map((m) => m.content)).toEqual(texts);
    expect(a.outbox.get()).toEqual([]);

    for (const room of [r1, r2]) {
      const db = (await history(a, room.id)).filter((m) => m.kind === "text");
      const mine = stored.filter((m) => m.roomId === room.id);
      expect(db).toEqual(mine);
      const texts = () => (seen.get(room.id) ?? []).filter((m) => m.kind === "text");
      await waitFor(() => texts().length >= mine.length, 5000, "bob catches up");
      expect(texts()).toEqual(mine);
    }
  });

  test("pending messages survive a restart of the client when storage is given, and are stored once", async () => {
    const s = await t.server();
    const alice = await newUser(s.url);
    const first = t.client(clientFor(s.url, alice));
    await first.ready;
    const room = await first.api.rooms.create.mutate({ name: "kept" });
    await first.close();

    await s.kill("SIGKILL");
    const storage = memoryOutbox();
    const offline = clientFor(s.url, alice, { storage });
    const lost = ["a", "b", "c"].map((x) => offline.send(room.id, x).catch((e: unknown) => e));
    await waitFor(() => storage.items.length === 3, 2000, "outbox saved");
    await offline.close();
    for (const e of await Promise.all(lost)) expect(e).toMatchObject({ name: "ParleyClosedError" });
    expect(storage.items.map((i) => [i.content, i.status, i.userId])).toEqual([
      ["a", "pending", alice.user.id],
      ["b", "pending", alice.user.id],
      ["c", "pending", alice.user.id],
    ]);

    await s.start();
    // Two clients load the same stored items: each message is still stored once.
    const copy = memoryOutbox(storage.items);
    const second = t.client(clientFor(s.url, alice, { storage }));
    const third = t.client(clientFor(s.url, alice, { storage: copy }));
    await Promise.all([second.ready, third.ready]);
    await waitFor(() => second.outbox.get().length === 0 && third.outbox.get().length === 0, 5000, "outboxes drained");
    const db: Message[] = (await history(second, room.id)).filter((m) => m.kind === "text");
    expect(db.map((m) => m.content)).toEqual(["a", "b", "c"]);
    expect(storage.items).toEqual([]);
  });

  test("two tabs sharing one storage keep each other's pending messages", async () => {
    const s = await t.server();
    const alice = await newUser(s.url);
    const setup = t.client(clientFor(s.url, alice));
    await setup.ready;
    const room = await setup.api.rooms.create.mutate({ name: "tabs" });
    await setup.close();
    await s.kill("SIGKILL");

    const storage = memoryOutbox();
    const tab1 = clientFor(s.url, alice, { storage });
    const tab2 = clientFor(s.url, alice, { storage });
    const pending = [tab1.send(room.id, "from tab 1"), tab2.send(room.id, "from tab 2")].map((p) => p.catch(() => null));
    await waitFor(() => storage.items.length === 2, 2000, "both saved");
    await Promise.all([tab1.close(), tab2.close()]);
    await Promise.all(pending);

    await s.start();
    const later = t.client(clientFor(s.url, alice, { storage }));
    await later.ready;
    await waitFor(() => later.outbox.get().length === 0, 5000, "delivered");
    const texts = (await history(later, room.id)).filter((m) => m.kind === "text").map((m) => m.content);
    expect(texts.sort()).toEqual(["from tab 1", "from tab 2"]);
    expect(storage.items).toEqual([]);
  });
});
