import type { Message } from "@parley/api";
import { describe, expect, test } from "vitest";
import { memoryOutbox, parseOutbox } from "./storage.ts";
import { history, useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";

const t = useDisposer();

describe("edit and delete through the outbox", () => {
  test("queued while the server is down, they are delivered when it is back, in order per message, once each, and seen as typed events", async () => {
    const s = await t.server();
    const [alice, bob] = [await newUser(s.url), await newUser(s.url)];
    const a = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(s.url, bob));
    await Promise.all([a.ready, b.ready]);
    const room = await a.api.rooms.create.mutate({ name: "edits" });
    await b.api.rooms.join.mutate({ roomId: room.id });
    const m1 = await a.send(room.id, "first");
    const m2 = await a.send(room.id, "second");
    const seen: string[] = [];
    b.events.on("message.updated", (e) => seen.push(`updated ${e.message.id} ${e.message.content} rev ${e.message.rev}`), { roomId: room.id });
    b.events.on("message.deleted", (e) => seen.push(`deleted ${e.messageId} "${e.message.content}"`), { roomId: room.id });

    await s.kill("SIGKILL");
    await waitFor(() => a.connection.get().status === "reconnecting", 5000, "reconnecting");
    const pending = [a.edit(m1.id, "first, fixed"), a.edit(m1.id, "first, fixed again", { rev: 2 }), a.delete(m2.id)];
    await waitFor(() => a.outbox.get().length === 3, 2000, "queued");
    expect(a.outbox.get().map((i) => [i.roomId, i.action, i.status])).toEqual([
      [null, { type: "edit", messageId: m1.id, content: "first, fixed" }, "pending"],
      [null, { type: "edit", messageId: m1.id, content: "first, fixed again", rev: 2 }, "pending"],
      [null, { type: "delete", messageId: m2.id }, "pending"],
    ]);

    await s.start();
    const [e1, e2, gone] = await Promise.all(pending);
    expect([e1?.rev, e2?.rev, e2?.content]).toEqual([2, 3, "first, fixed again"]);
    expect(gone).toMatchObject({ id: m2.id, content: "", deletedAt: expect.any(Number) });
    expect(a.outbox.get()).toEqual([]);
    await waitFor(() => seen.length === 3, 5000, "bob sees the edits and the delete");
    // In order per message (edits and deletes of different messages do not wait for each other).
    expect(seen.filter((x) => x.startsWith(`updated ${m1.id} `))).toEqual([`updated ${m1.id} first, fixed rev 2`, `updated ${m1.id} first, fixed again rev 3`]);
    expect(seen).toContain(`deleted ${m2.id} ""`);
    const stored: Message[] = (await history(b, room.id)).filter((m) => m.kind === "text");
    expect(stored).toEqual([e2, gone]);
  });

  test("one the server refuses rejects with its code and leaves the outbox", async () => {
    const s = await t.server();
    const [alice, bob] = [await newUser(s.url), await newUser(s.url)];
    const a = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(s.url, bob));
    await Promise.all([a.ready, b.ready]);
    const room = await a.api.rooms.create.mutate({ name: "refused" });
    await b.api.rooms.join.mutate({ roomId: room.id });
    const m = await a.send(room.id, "alice's");
    await expect(b.edit(m.id, "bob's now")).rejects.toMatchObject({ name: "SendFailedError", code: "FORBIDDEN" });
    await expect(b.delete(m.id)).rejects.toMatchObject({ name: "SendFailedError", code: "FORBIDDEN" });
    await expect(a.edit(m.id, "stale", { rev: 7 })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(b.outbox.get()).toEqual([]);
    expect(a.outbox.get()).toEqual([]);
    expect((await history(a, room.id)).find((x) => x.id === m.id)?.content).toBe("alice's");
  });

  test("an edit kept in storage survives a restart of the client, and two clients delivering it apply it once", async () => {
    const s = await t.server();
    const alice = await newUser(s.url);
    const first = t.client(clientFor(s.url, alice));
    await first.ready;
    const room = await first.api.rooms.create.mutate({ name: "kept" });
    const m = await first.send(room.id, "draft");
    await first.close();

    await s.kill("SIGKILL");
    const storage = memoryOutbox();
    const offline = clientFor(s.url, alice, { storage });
    const lost = offline.edit(m.id, "final").catch((e: unknown) => e);
    await waitFor(() => storage.items.length === 1, 2000, "outbox saved");
    await offline.close();
    expect(await lost).toMatchObject({ name: "ParleyClosedError" });
    expect(parseOutbox(JSON.stringify(storage.items))).toEqual(storage.items);

    await s.start();
    const copy = memoryOutbox(storage.items);
    const second = t.client(clientFor(s.url, alice, { storage }));
    const third = t.client(clientFor(s.url, alice, { storage: copy }));
    await Promise.all([second.ready, third.ready]);
    await waitFor(() => second.outbox.get().length === 0 && third.outbox.get().length === 0, 5000, "outboxes drained");
    const stored = (await history(second, room.id)).find((x) => x.id === m.id);
    expect(stored).toMatchObject({ content: "final", rev: 2 });
    expect(await second.api.messages.revisions.query({ messageId: m.id })).toMatchObject([{ rev: 1, content: "draft" }]);
  });
});

describe("stored outbox items", () => {
  test("keep edits and deletes, and drop malformed ones", () => {
    const base = { clientId: "c", content: "x", status: "pending", createdAt: 1 };
    const good = [
      { ...base, roomId: 3 },
      { ...base, roomId: null, content: "", action: { type: "edit", messageId: 5, content: "x", rev: 2 } },
      { ...base, roomId: null, content: "", action: { type: "delete", messageId: 5 } },
    ];
    const bad = [
      { ...base, roomId: null },
      { ...base, roomId: null, action: { type: "rename", messageId: 5 } },
      { ...base, roomId: null, action: { type: "edit", messageId: "5", content: "x" } },
      { ...base, roomId: null, action: { type: "edit", messageId: 5 } },
      { ...base, roomId: 3, action: { type: "delete", messageId: 5 } },
    ];
    expect(parseOutbox(JSON.stringify([...good, ...bad]))).toEqual(good);
  });
});
