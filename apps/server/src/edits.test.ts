import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message, StreamEvent } from "@parley/api";
import { migrationsFor, openPostgres, openSqlite, type ParleyDb } from "@parley/db";
import { Migrator } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import {
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
import { createTestDatabase } from "./test/services.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let eve: TestUser;
/** Public; alice is its admin, bob and carol members, eve not in it. */
let roomId: number;
const open: (WsApi | Recorder)[] = [];

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
  [alice, bob, carol, eve] = await Promise.all([registerUser(server, "ea"), registerUser(server, "eb"), registerUser(server, "ec"), registerUser(server, "ee")]);
  roomId = (await alice.http.rooms.create.mutate({ name: "edits" })).id;
  await bob.http.rooms.join.mutate({ roomId });
  await carol.http.rooms.join.mutate({ roomId });
});
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
});
afterAll(() => server.dispose());

let seq = 0;
const send = (u: TestUser, content: string, room = roomId) => u.http.messages.send.mutate({ roomId: room, content, clientId: `ed-${++seq}` });

const listen = (u: TestUser, lastEventId?: string) => {
  const c = wsApi(server, u.accessToken);
  const r = record(c.api, lastEventId);
  open.push(r, c);
  return r;
};

const db = () => server.svc.db;
const row = (id: number) => db().selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const revisionRows = (id: number) => db().selectFrom("message_revisions").selectAll().where("message_id", "=", id).orderBy("rev").execute();

const isReady = (e: StreamEvent) => e.type === "ready";
/** A positive sync point: the message `marker` sent after whatever must not arrive. */
const isMarker = (marker: Message) => (e: StreamEvent) => e.type === "message.created" && e.message.id === marker.id;
const about = (messageId: number) => (e: StreamEvent) =>
  (e.type === "message.updated" || e.type === "message.deleted" || e.type === "message.created") && e.message.id === messageId;

describe("messages.edit", () => {
  it("lets the author edit: rev +1, editedAt set, the new text in history and in message.updated to members", async () => {
    const b = listen(bob);
    await b.waitFor(isReady);
    const m = await send(alice, "teh typo");
    expect(m.rev).toBe(1);
    const edited = await alice.http.messages.edit.mutate({ messageId: m.id, content: "  the typo, fixed  " });
    // Leading spaces are the writer's (indented code); trailing whitespace is tidied away (issue 13).
    expect(edited).toMatchObject({ id: m.id, content: "  the typo, fixed", rev: 2, deletedAt: null, createdAt: m.createdAt });
    expect(edited.editedAt).toEqual(expect.any(Number));
    const again = await alice.http.messages.edit.mutate({ messageId: m.id, content: "third" });
    expect(again.rev).toBe(3);

    const live = await b.waitFor((e) => e.type === "message.updated" && e.message.rev === 3);
    expect(live).toMatchObject({ type: "message.updated", roomId, message: { id: m.id, content: "third", rev: 3 } });
    const updates = b.events.filter((e) => e.type === "message.updated" && e.message.id === m.id);
    expect(updates.map((e) => (e.type === "message.updated" ? e.message.content : null))).toEqual(["  the typo, fixed", "third"]);
    const page = await bob.http.messages.list.query({ roomId });
    expect(page.items.find((x) => x.id === m.id)).toEqual({ ...again, reactions: [] });
  });

  it("returns the message unchanged and emits nothing when the text is what it already is (a retry)", async () => {
    const b = listen(bob);
    await b.waitFor(isReady);
    const m = await send(alice, "same");
    const first = await alice.http.messages.edit.mutate({ messageId: m.id, content: "changed" });
    const retry = await alice.http.messages.edit.mutate({ messageId: m.id, content: "changed" });
    expect(retry).toEqual(first);
    const untouched = await alice.http.messages.edit.mutate({ messageId: m.id, content: "\nchanged \n" });
    expect(untouched.rev).toBe(2);
    const marker = await send(alice, "marker after retries");
    await b.waitFor(isMarker(marker));
    expect(b.events.filter((e) => e.type === "message.updated" && e.message.id === m.id)).toHaveLength(1);
    expect(await revisionRows(m.id)).toHaveLength(1);
  });

  it("refuses an edit of a stale rev with CONFLICT, after the same-text check", async () => {
    const m = await send(alice, "v1");
    expect((await alice.http.messages.edit.mutate({ messageId: m.id, content: "v2", rev: 1 })).rev).toBe(2);
    // The retry of that edit is answered, not refused…
    expect((await alice.http.messages.edit.mutate({ messageId: m.id, content: "v2", rev: 1 })).rev).toBe(2);
    // …but another edit of rev 1 lost the race.
    expect(await codeOf(alice.http.messages.edit.mutate({ messageId: m.id, content: "v2 from elsewhere", rev: 1 }))).toBe("CONFLICT");
    expect((await alice.http.messages.edit.mutate({ messageId: m.id, content: "v3", rev: 2 })).rev).toBe(3);
    expect((await row(m.id)).content).toBe("v3");
  });

  it("refuses someone else's message, a system message, a tombstone, a missing message and bad content", async () => {
    const m = await send(alice, "mine");
    expect(await codeOf(bob.http.messages.edit.mutate({ messageId: m.id, content: "yours now" }))).toBe("FORBIDDEN");
    const system = (await alice.http.messages.list.query({ roomId, limit: 100 })).items.find((x) => x.kind === "system");
    if (!system) throw new Error("the room has no system message");
    expect(await codeOf(alice.http.messages.edit.mutate({ messageId: system.id, content: "rewritten history" }))).toBe("BAD_REQUEST");
    expect(await codeOf(alice.http.messages.edit.mutate({ messageId: 9_999_999, content: "x" }))).toBe("NOT_FOUND");
    expect(await codeOf(alice.http.messages.edit.mutate({ messageId: m.id, content: "  " }))).toBe("BAD_REQUEST");
    expect(await codeOf(alice.http.messages.edit.mutate({ messageId: m.id, content: "a".repeat(4001) }))).toBe("BAD_REQUEST");
    expect(await codeOf(alice.http.messages.edit.mutate({ messageId: m.id, content: "😀".repeat(4000) }))).toBe("OK");
    await alice.http.messages.delete.mutate({ messageId: m.id });
    expect(await codeOf(alice.http.messages.edit.mutate({ messageId: m.id, content: "back from the dead" }))).toBe("CONFLICT");
    expect((await row(m.id)).content).toBe("");
  });

  it("refuses edits later than EDIT_WINDOW after sending, but still answers a retry of an edit that went through", async () => {
    const windowed = await startTestServer({ EDIT_WINDOW: "1h" });
    try {
      const u = await registerUser(windowed, "win");
      const room = await u.http.rooms.create.mutate({ name: "windowed" });
      const late = await u.http.messages.send.mutate({ roomId: room.id, content: "old", clientId: "w1" });
      await u.http.messages.edit.mutate({ messageId: late.id, content: "old, fixed" });
      const fresh = await u.http.messages.send.mutate({ roomId: room.id, content: "new", clientId: "w2" });
      // Two hours ago, as far as the window is concerned.
      await windowed.svc.db.updateTable("messages").set({ created_at: late.createdAt - 2 * 3600_000 }).where("id", "=", late.id).execute();
      expect(await codeOf(u.http.messages.edit.mutate({ messageId: late.id, content: "too late" }))).toBe("FORBIDDEN");
      expect(await codeOf(u.http.messages.edit.mutate({ messageId: late.id, content: "old, fixed" }))).toBe("OK");
      expect((await u.http.messages.edit.mutate({ messageId: fresh.id, content: "new, fixed" })).rev).toBe(2);
      // Deleting is not limited by the window.
      expect((await u.http.messages.delete.mutate({ messageId: late.id })).deletedAt).toEqual(expect.any(Number));
    } finally {
      await windowed.dispose();
    }
  });
});

describe("messages.revisions", () => {
  it("lists the earlier versions oldest first, each with when it was written and replaced", async () => {
    const m = await send(alice, "one");
    const e2 = await alice.http.messages.edit.mutate({ messageId: m.id, content: "two" });
    const e3 = await alice.http.messages.edit.mutate({ messageId: m.id, content: "three" });
    const list = await bob.http.messages.revisions.query({ messageId: m.id });
    expect(list).toEqual([
      { rev: 1, content: "one", createdAt: m.createdAt, replacedAt: e2.editedAt },
      { rev: 2, content: "two", createdAt: e2.editedAt, replacedAt: e3.editedAt },
    ]);
    // Each revision knows the message.updated that replaced it (a delete rewrites those).
    for (const r of await revisionRows(m.id)) {
      const ev = await db().selectFrom("events").select(["type", "payload"]).where("id", "=", Number(r.event_id)).executeTakeFirstOrThrow();
      expect(ev.type).toBe("message.updated");
      expect((JSON.parse(ev.payload) as { message: Message }).message.rev).toBe(Number(r.rev) + 1);
    }
    expect(await alice.http.messages.revisions.query({ messageId: (await send(alice, "never edited")).id })).toEqual([]);
  });

  it("is for room members: FORBIDDEN in a public room, NOT_FOUND for a private room or a missing message; a tombstone has none", async () => {
    const m = await send(alice, "a");
    await alice.http.messages.edit.mutate({ messageId: m.id, content: "b" });
    expect(await codeOf(eve.http.messages.revisions.query({ messageId: m.id }))).toBe("FORBIDDEN");
    expect(await codeOf(eve.http.messages.revisions.query({ messageId: 9_999_999 }))).toBe("NOT_FOUND");
    const secret = await alice.http.rooms.create.mutate({ name: "rev-private", isPrivate: true });
    const p = await send(alice, "hidden", secret.id);
    await alice.http.messages.edit.mutate({ messageId: p.id, content: "hidden, edited" });
    expect(await codeOf(eve.http.messages.revisions.query({ messageId: p.id }))).toBe("NOT_FOUND");
    await alice.http.messages.delete.mutate({ messageId: m.id });
    expect(await bob.http.messages.revisions.query({ messageId: m.id })).toEqual([]);
  });
});

describe("messages.delete", () => {
  it("turns the author's message into a tombstone, tells members, and a second delete returns it and emits nothing", async () => {
    const b = listen(bob);
    await b.waitFor(isReady);
    const m = await send(bob, "oops");
    const tomb = await bob.http.messages.delete.mutate({ messageId: m.id });
    expect(tomb).toMatchObject({ id: m.id, content: "", reactions: [], deletedAt: expect.any(Number), sender: { id: bob.id } });
    const live = await b.waitFor((e) => e.type === "message.deleted" && e.messageId === m.id);
    expect(live).toMatchObject({ type: "message.deleted", roomId, messageId: m.id, message: tomb });
    expect(await bob.http.messages.delete.mutate({ messageId: m.id })).toEqual(tomb);
    const marker = await send(alice, "marker after the second delete");
    await b.waitFor(isMarker(marker));
    expect(b.events.filter((e) => e.type === "message.deleted" && e.messageId === m.id)).toHaveLength(1);
    expect((await alice.http.messages.list.query({ roomId })).items.find((x) => x.id === m.id)).toEqual(tomb);
  });

  it("lets a room admin delete anyone's message (and system messages), and nobody else", async () => {
    const bobs = await send(bob, "bob's");
    expect(await codeOf(carol.http.messages.delete.mutate({ messageId: bobs.id }))).toBe("FORBIDDEN");
    expect(await codeOf(eve.http.messages.delete.mutate({ messageId: bobs.id }))).toBe("FORBIDDEN");
    expect(await codeOf(carol.http.messages.delete.mutate({ messageId: 9_999_999 }))).toBe("NOT_FOUND");
    expect((await alice.http.messages.delete.mutate({ messageId: bobs.id })).deletedAt).toEqual(expect.any(Number));
    const system = (await alice.http.messages.list.query({ roomId, limit: 100 })).items.find((x) => x.kind === "system" && x.deletedAt === null);
    if (!system) throw new Error("the room has no system message");
    expect(await codeOf(bob.http.messages.delete.mutate({ messageId: system.id }))).toBe("FORBIDDEN");
    expect((await alice.http.messages.delete.mutate({ messageId: system.id })).content).toBe("");
  });

  it("leaves no deleted text anywhere: the row, its revisions, its reactions, every event payload, history and replay from 0", async () => {
    const token = (n: number) => `zebra-${n}-${Date.now().toString(36)}`;
    const texts = [token(1), token(2), token(3)];
    const m = await send(alice, `first ${texts[0]}`);
    await alice.http.messages.edit.mutate({ messageId: m.id, content: `second ${texts[1]}` });
    await alice.http.messages.edit.mutate({ messageId: m.id, content: `third ${texts[2]}` });
    await db().insertInto("reactions").values({ message_id: m.id, emoji: "👍", user_id: bob.id, created_at: Date.now() }).execute();
    const before = await db().selectFrom("events").select(["id", "type"]).where("payload", "like", `%${texts[0]}%`).execute();
    expect(before).toHaveLength(1);

    await alice.http.messages.delete.mutate({ messageId: m.id });

    const r = await row(m.id);
    expect(r).toMatchObject({ content: "", rev: 3 });
    expect(r.deleted_at).not.toBeNull();
    expect(await revisionRows(m.id)).toEqual([]);
    expect(await db().selectFrom("reactions").selectAll().where("message_id", "=", m.id).execute()).toEqual([]);
    // The whole log, every row.
    const log = await db().selectFrom("events").select(["id", "type", "payload", "version"]).orderBy("id").execute();
    for (const e of log) for (const t of texts) expect(e.payload, `event ${e.id}`).not.toContain(t);
    // Its created and updated events kept their positions and types, and now hold the tombstone in the current shape.
    const own = log.filter((e) => (JSON.parse(e.payload) as { message?: { id?: number } }).message?.id === m.id);
    expect(own.map((e) => [Number(e.id), e.type])).toEqual([
      [Number(before[0]?.id), "message.created"],
      [expect.any(Number), "message.updated"],
      [expect.any(Number), "message.updated"],
      [expect.any(Number), "message.deleted"],
    ]);
    for (const e of own) {
      // The current shapes (issue 14 added mentions, issue 17 the author line: message.created 4, updated and deleted 3).
      expect(Number(e.version)).toBe(e.type === "message.created" ? 4 : 3);
      expect(JSON.parse(e.payload)).toMatchObject({ message: { id: m.id, content: "", deletedAt: expect.any(Number), reactions: [] } });
    }
    const page = await bob.http.messages.list.query({ roomId, limit: 100 });
    expect(JSON.stringify(page)).not.toMatch(/zebra-/);

    const replay = listen(bob, "0");
    const marker = await send(alice, "marker after the delete");
    await replay.waitFor(isMarker(marker));
    expect(replay.events.filter(about(m.id)).map((e) => e.type)).toEqual(["message.created", "message.updated", "message.updated", "message.deleted"]);
    for (const t of texts) expect(JSON.stringify(replay.events)).not.toContain(t);
  });

  it("keeps the replies of a deleted root, and its thread summary; deleting a reply leaves the summary as it was", async () => {
    const root = await send(alice, "root");
    const reply = (await bob.http.messages.send.mutate({ roomId, content: "a reply", clientId: "reply-1", threadId: root.id })).id;
    const tomb = await alice.http.messages.delete.mutate({ messageId: root.id });
    expect(tomb.thread).toEqual({ replyCount: 1, lastReplyAt: expect.any(Number), participantIds: [bob.id] });
    expect(await row(reply)).toMatchObject({ content: "a reply", deleted_at: null, thread_id: root.id });
    await bob.http.messages.delete.mutate({ messageId: reply });
    expect(await row(root.id)).toMatchObject({ reply_count: 1 });
  });
});

describe("edit and delete events: who sees them", () => {
  it("reach members live and on replay, and never a non-member of a private room, live or replaying from 0", async () => {
    const secret = await alice.http.rooms.create.mutate({ name: "edits-private", isPrivate: true });
    await alice.http.rooms.addMember.mutate({ roomId: secret.id, username: bob.username });
    const eveRoom = await alice.http.rooms.create.mutate({ name: "edits-marker" });
    await eve.http.rooms.join.mutate({ roomId: eveRoom.id });
    const m = await send(alice, "private words", secret.id);
    const e = listen(eve);
    const b = listen(bob);
    await Promise.all([e.waitFor(isReady), b.waitFor(isReady)]);

    await alice.http.messages.edit.mutate({ messageId: m.id, content: "private words, edited" });
    await alice.http.messages.delete.mutate({ messageId: m.id });
    const marker = await send(alice, "marker for eve", eveRoom.id);
    await Promise.all([e.waitFor(isMarker(marker)), b.waitFor((ev) => ev.type === "message.deleted" && ev.messageId === m.id)]);
    expect(b.events.filter(about(m.id)).map((ev) => ev.type)).toEqual(["message.updated", "message.deleted"]);
    const inSecret = (ev: StreamEvent) => "roomId" in ev && ev.roomId === secret.id;
    expect(e.events.filter(inSecret)).toEqual([]);

    const eveReplay = listen(eve, "0");
    const bobReplay = listen(bob, "0");
    await Promise.all([eveReplay.waitFor(isMarker(marker)), bobReplay.waitFor((ev) => ev.type === "message.deleted" && ev.messageId === m.id)]);
    expect(eveReplay.events.filter(inSecret)).toEqual([]);
    expect(bobReplay.events.filter(about(m.id)).map((ev) => ev.type)).toEqual(["message.created", "message.updated", "message.deleted"]);
  });
});

describe("access to edit, delete and revisions", () => {
  it("is NOT_FOUND to a non-member of a private room and to a removed member, FORBIDDEN after leaving a public room, UNAUTHORIZED without a session", async () => {
    const secret = await alice.http.rooms.create.mutate({ name: "edits-access", isPrivate: true });
    await alice.http.rooms.addMember.mutate({ roomId: secret.id, username: carol.username });
    const carols = await send(carol, "carol was here", secret.id);
    const alices = await send(alice, "alice's", secret.id);
    await alice.http.rooms.removeMember.mutate({ roomId: secret.id, userId: carol.id });
    const anonymous = httpApi(server);

    const calls = (u: { messages: TestUser["http"]["messages"] }, messageId: number) => ({
      edit: () => u.messages.edit.mutate({ messageId, content: "changed" }),
      delete: () => u.messages.delete.mutate({ messageId }),
      revisions: () => u.messages.revisions.query({ messageId }),
    });
    for (const [name, call] of Object.entries(calls(eve.http, alices.id))) expect(await codeOf(call()), `outsider ${name}`).toBe("NOT_FOUND");
    for (const [name, call] of Object.entries(calls(carol.http, carols.id))) expect(await codeOf(call()), `removed ${name}`).toBe("NOT_FOUND");
    for (const [name, call] of Object.entries(calls(anonymous, alices.id))) expect(await codeOf(call()), `anonymous ${name}`).toBe("UNAUTHORIZED");

    // A public room's message is visible to all, but only members may change it or read its history.
    const leaver = await registerUser(server, "leaver");
    await leaver.http.rooms.join.mutate({ roomId });
    const theirs = await send(leaver, "before leaving");
    await leaver.http.rooms.leave.mutate({ roomId });
    for (const [name, call] of Object.entries(calls(leaver.http, theirs.id))) expect(await codeOf(call()), `left ${name}`).toBe("FORBIDDEN");

    // Over the WebSocket too.
    const ws = wsApi(server, eve.accessToken);
    open.push(ws);
    expect(await codeOf(ws.api.messages.edit.mutate({ messageId: alices.id, content: "x" }))).toBe("NOT_FOUND");
    expect((await row(alices.id)).content).toBe("alice's");
    expect((await row(carols.id)).content).toBe("carol was here");
  });
});

describe("migration 0007", () => {
  it("records where each earlier message's message.created is in the log, so deleting it rewrites that payload", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-0007-"));
    const handle: ParleyDb =
      process.env.PARLEY_TEST_DB === "postgres"
        ? openPostgres({ url: await createTestDatabase(inject("pgAdminUrl")), poolSize: 2 })
        : openSqlite({ filename: join(dir, "chat.db") });
    try {
      const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrationsFor(handle.dialect) } });
      expect((await migrator.migrateTo("0006_conversations")).error).toBeUndefined();
      const h = handle.db;
      const user = await h.insertInto("users").values({ username: "old", username_key: "old", email: "o@x.y", password_hash: "x", created_at: 1, last_seen: null }).returning("id").executeTakeFirstOrThrow();
      const room = await h.insertInto("rooms").values({ name: "old", description: "", is_private: 0, created_by: user.id, created_at: 1, deleted_at: null }).returning("id").executeTakeFirstOrThrow();
      const message = (content: string) =>
        h.insertInto("messages").values({ room_id: room.id, sender_id: user.id, kind: "text", content, client_id: null, created_at: 2, edited_at: null }).returning("id").executeTakeFirstOrThrow();
      const [a, b, c] = [await message("a"), await message("b"), await message("c")];
      const created = async (messageId: number, version: number) =>
        h.insertInto("events").values({ type: "message.created", scope: "room", room_id: room.id, user_id: null, version, created_at: 2, payload: JSON.stringify({ type: "message.created", roomId: room.id, message: { id: messageId, content: "x" } }) }).returning("id").executeTakeFirstOrThrow();
      const ea = await created(a.id, 1);
      await h.insertInto("events").values({ type: "room.updated", scope: "all", room_id: room.id, user_id: null, version: 1, created_at: 3, payload: JSON.stringify({ type: "room.updated", roomId: room.id, message: { id: b.id } }) }).execute();
      const eb = await created(b.id, 2);
      // A message that already knows its event keeps it.
      await h.updateTable("messages").set({ event_id: 12345 }).where("id", "=", c.id).execute();
      await created(c.id, 2);

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const rows = await h.selectFrom("messages").select(["id", "event_id"]).orderBy("id").execute();
      expect(rows.map((r) => [Number(r.id), Number(r.event_id)])).toEqual([
        [Number(a.id), Number(ea.id)],
        [Number(b.id), Number(eb.id)],
        [Number(c.id), 12345],
      ]);
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
