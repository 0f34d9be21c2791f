import type { StreamEvent } from "@parley/api";
import { insertMember } from "@parley/db";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { codeOf, httpApi, openStream, type Recorder, registerUser, type TestServer, type TestUser, startTestServer, type WsApi } from "./test/harness.ts";
import { syncPoint } from "./test/sync.ts";

/** Issue 14 on the server: mentions, read markers kept on the server, receipts, settings, followed threads. */

let server: TestServer;
const open: (WsApi | Recorder)[] = [];
beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
});
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
});
afterAll(() => server.dispose());

const tab = (u: TestUser): Recorder => openStream(server, u, open);
let seq = 0;
const say = (u: TestUser, roomId: number, content: string, threadId?: number) =>
  u.http.messages.send.mutate({ roomId, content, clientId: `a-${++seq}`, threadId });
const listed = async (u: TestUser, roomId: number) => {
  const item = (await u.http.rooms.list.query()).find((r) => r.id === roomId);
  if (!item) throw new Error(`room ${roomId} is not listed`);
  return item;
};
const eventRows = async () => Number((await server.svc.db.selectFrom("events").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

describe("mentions", () => {
  it("resolve members' @names at write time; nothing inside code, and non-members are plain text", async () => {
    const [ada, bob, eve] = await Promise.all([registerUser(server, `mada`), registerUser(server, `mbob`), registerUser(server, `meve`)]);
    const room = await ada.http.rooms.create.mutate({ name: "mentions" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const m = await say(ada, room.id, `hi @${bob.username.toUpperCase()} and @${eve.username}, \`@${bob.username}\` @room @here`);
    expect(m.mentions).toEqual({ userIds: [bob.id], room: true, here: true });
    const code = await say(ada, room.id, `\`\`\`\n@${bob.username} @room\n\`\`\``);
    expect(code.mentions).toEqual({ userIds: [], room: false, here: false });
    // Stored: history shows the same.
    const history = await bob.http.messages.list.query({ roomId: room.id });
    expect(history.items.find((x) => x.id === m.id)?.mentions).toEqual(m.mentions);
    expect((await listed(bob, room.id)).mentionCount).toBe(1);
  });

  it("refuses the reserved names at registration", async () => {
    for (const name of ["room", "here", "all", "everyone", "channel", "Room", "EVERYONE"]) {
      const r = httpApi(server).auth.register.mutate({ username: name, email: `${name}-${++seq}@example.com`, password: "correct horse" });
      expect([name, await codeOf(r)]).toEqual([name, "BAD_REQUEST"]);
    }
  });

  it("@room in a room of more than 50 members needs a room admin", async () => {
    const [admin, member] = await Promise.all([registerUser(server, "radm"), registerUser(server, "rmem")]);
    const room = await admin.http.rooms.create.mutate({ name: "big" });
    await member.http.rooms.join.mutate({ roomId: room.id });
    expect((await say(member, room.id, "@room fine while small")).mentions.room).toBe(true);
    // 49 more members, written directly: registering each would only cost password hashing.
    const others = await Promise.all(Array.from({ length: 49 }, () => registerUser(server, "rfill")));
    for (const u of others) await insertMember(server.svc.db, { roomId: room.id, userId: u.id, isAdmin: false, now: Date.now() });
    expect(await codeOf(say(member, room.id, "@room now too many"))).toBe("FORBIDDEN");
    expect(await codeOf(say(member, room.id, "`@room` in code is fine"))).toBe("OK");
    expect((await say(admin, room.id, "@everyone from the admin")).mentions.room).toBe(true);
    const plain = await say(member, room.id, "plain");
    expect(await codeOf(member.http.messages.edit.mutate({ messageId: plain.id, content: "plain @all" }))).toBe("FORBIDDEN");
  });

  it("an edit records only the mentions it adds, and takes back those it removes", async () => {
    const [ada, bob, cy] = await Promise.all([registerUser(server, `eada`), registerUser(server, `ebob`), registerUser(server, `ecy`)]);
    const room = await ada.http.rooms.create.mutate({ name: "edits" });
    await Promise.all([bob, cy].map((u) => u.http.rooms.join.mutate({ roomId: room.id })));
    const m = await say(ada, room.id, `hey @${bob.username}`);
    const edited = await ada.http.messages.edit.mutate({ messageId: m.id, content: `hey @${bob.username} and @${cy.username}` });
    expect(edited.mentions.userIds).toEqual([bob.id, cy.id]);
    const rows = await server.svc.db.selectFrom("mentions").select("user_id").where("message_id", "=", m.id).orderBy("user_id").execute();
    expect(rows.map((r) => Number(r.user_id))).toEqual([bob.id, cy.id].sort((a, b) => a - b));
    expect((await listed(bob, room.id)).mentionCount).toBe(1);
    expect((await listed(cy, room.id)).mentionCount).toBe(1);
    await ada.http.messages.edit.mutate({ messageId: m.id, content: `only @${cy.username}` });
    expect((await listed(bob, room.id)).mentionCount).toBe(0);
    await ada.http.messages.delete.mutate({ messageId: m.id });
    expect((await listed(cy, room.id)).mentionCount).toBe(0);
  });

  it("every message in a DM counts as a mention for its members", async () => {
    const [ada, bob] = await Promise.all([registerUser(server, "dada"), registerUser(server, "dbob")]);
    const dm = await ada.http.dms.open.mutate({ userIds: [bob.id] });
    await say(ada, dm.id, "one");
    await say(ada, dm.id, "two");
    expect(await listed(bob, dm.id)).toMatchObject({ unreadCount: 2, mentionCount: 2, badgeCount: 2 });
    expect(await listed(ada, dm.id)).toMatchObject({ unreadCount: 0, mentionCount: 0 });
  });
});

describe("read state on the server", () => {
  it("is right across two tabs and a reload; markRead only moves forward and writes nothing when unchanged", async () => {
    const [ada, bob] = await Promise.all([registerUser(server, "tada"), registerUser(server, "tbob")]);
    const room = await ada.http.rooms.create.mutate({ name: "tabs" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const before = await listed(bob, room.id);
    expect(before).toMatchObject({ unreadCount: 0, mentionCount: 0 });
    const first = await say(ada, room.id, "one");
    const second = await say(ada, room.id, `two @${bob.username}`);
    const third = await say(ada, room.id, "three");
    // A thread-only reply counts in its thread, not in the room.
    await say(ada, room.id, "in the thread", first.id);
    expect(await listed(bob, room.id)).toMatchObject({ unreadCount: 3, mentionCount: 1, lastReadId: before.lastReadId });

    const [tabA, tabB] = [tab(bob), tab(bob)];
    await Promise.all([tabA, tabB].map((t) => t.waitFor((e) => e.type === "ready")));
    const state = await bob.http.rooms.markRead.mutate({ roomId: room.id, messageId: second.id });
    expect(state).toEqual({ roomId: room.id, lastReadId: second.id, unreadCount: 1, mentionCount: 0 });
    const isRead = (e: StreamEvent) => e.type === "read.updated" && e.roomId === room.id && e.lastReadId === second.id;
    for (const t of [tabA, tabB]) expect(await t.waitFor(isRead)).toMatchObject({ unreadCount: 1, mentionCount: 0, threadId: null });
    // A reload reads the same from the server.
    expect(await listed(bob, room.id)).toMatchObject({ unreadCount: 1, mentionCount: 0, lastReadId: second.id });

    // Behind or at the marker: nothing written, nothing sent.
    const rows = await eventRows();
    expect(await bob.http.rooms.markRead.mutate({ roomId: room.id, messageId: first.id })).toMatchObject({ lastReadId: second.id, unreadCount: 1 });
    expect(await bob.http.rooms.markRead.mutate({ roomId: room.id, messageId: second.id })).toMatchObject({ lastReadId: second.id });
    expect(await eventRows()).toBe(rows);

    // markUnread moves back explicitly: the mention is unread again.
    expect(await bob.http.rooms.markUnread.mutate({ roomId: room.id, messageId: second.id })).toMatchObject({ unreadCount: 2, mentionCount: 1 });
    await bob.http.rooms.markRead.mutate({ roomId: room.id, messageId: third.id });
    expect(await listed(bob, room.id)).toMatchObject({ unreadCount: 0, mentionCount: 0, lastReadId: third.id });
    // One's own message is read.
    await say(bob, room.id, "mine");
    expect(await listed(bob, room.id)).toMatchObject({ unreadCount: 0 });
    // A message of another room is not a marker here.
    const other = await ada.http.rooms.create.mutate({ name: "tabs-other" });
    const elsewhere = await say(ada, other.id, "elsewhere");
    expect(await codeOf(bob.http.rooms.markRead.mutate({ roomId: room.id, messageId: elsewhere.id }))).toBe("NOT_FOUND");
  });

  it("a private room's counts never reach a non-member", async () => {
    const [ada, bob, eve] = await Promise.all([registerUser(server, `pada`), registerUser(server, `pbob`), registerUser(server, `peve`)]);
    const room = await ada.http.rooms.create.mutate({ name: "private-counts", isPrivate: true });
    await ada.http.rooms.addMember.mutate({ roomId: room.id, username: bob.username });
    const eveTab = tab(eve);
    await eveTab.waitFor((e) => e.type === "ready");
    const m = await say(ada, room.id, `@${bob.username} psst`);
    await bob.http.rooms.markRead.mutate({ roomId: room.id, messageId: m.id });
    expect((await eve.http.rooms.list.query()).some((r) => r.id === room.id)).toBe(false);
    expect(await codeOf(eve.http.rooms.markRead.mutate({ roomId: room.id, messageId: m.id }))).toBe("NOT_FOUND");
    await syncPoint(eve, eveTab);
    expect(eveTab.events.filter((e) => e.type === "read.updated" || ("roomId" in e && e.roomId === room.id))).toEqual([]);
  });

  it("a muted room's badge shows only its mentions", async () => {
    const [ada, bob] = await Promise.all([registerUser(server, "uada"), registerUser(server, "ubob")]);
    const room = await ada.http.rooms.create.mutate({ name: "muted" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    expect(await bob.http.rooms.setNotifications.mutate({ roomId: room.id, level: "none", muted: true })).toEqual({ roomId: room.id, level: "none", muted: true });
    await say(ada, room.id, "noise");
    expect(await listed(bob, room.id)).toMatchObject({ unreadCount: 1, badgeCount: 0, muted: true, notifyLevel: "none" });
    await say(ada, room.id, `@${bob.username} this one`);
    expect(await listed(bob, room.id)).toMatchObject({ unreadCount: 2, mentionCount: 1, badgeCount: 1 });
    // Changing the level keeps the mute unless it is given.
    expect(await bob.http.rooms.setNotifications.mutate({ roomId: room.id, level: "all" })).toMatchObject({ muted: true });
  });

  it("do not disturb is set and cleared", async () => {
    const ada = await registerUser(server, "dnd");
    const until = Date.now() + 3_600_000;
    expect(await ada.http.users.setDnd.mutate({ until })).toMatchObject({ dndUntil: until });
    expect(await ada.http.users.settings.query()).toMatchObject({ dndUntil: until });
    expect(await ada.http.users.setDnd.mutate({ until: null })).toMatchObject({ dndUntil: null });
  });
});

describe("read receipts", () => {
  it("list who read a DM message, live; a hidden reader is in nobody's list but their own counts clear", async () => {
    const [ada, bob] = await Promise.all([registerUser(server, "rada"), registerUser(server, "rbob")]);
    const dm = await ada.http.dms.open.mutate({ userIds: [bob.id] });
    const adaTab = tab(ada);
    await adaTab.waitFor((e) => e.type === "ready");
    const m = await say(ada, dm.id, "did you see this?");
    expect(await ada.http.messages.readBy.query({ messageId: m.id })).toEqual([]);
    await bob.http.rooms.markRead.mutate({ roomId: dm.id, messageId: m.id });
    expect(await adaTab.waitFor((e) => e.type === "receipt.updated" && e.roomId === dm.id)).toMatchObject({ userId: bob.id, lastReadId: m.id });
    expect(await ada.http.messages.readBy.query({ messageId: m.id })).toEqual([{ userId: bob.id, username: bob.username }]);

    await bob.http.users.setReceiptPrivacy.mutate({ hidden: true });
    expect(await ada.http.messages.readBy.query({ messageId: m.id })).toEqual([]);
    const n = await say(ada, dm.id, "and this?");
    expect(await listed(bob, dm.id)).toMatchObject({ unreadCount: 1 });
    await bob.http.rooms.markRead.mutate({ roomId: dm.id, messageId: n.id });
    expect(await listed(bob, dm.id)).toMatchObject({ unreadCount: 0, mentionCount: 0 });
    expect(await ada.http.messages.readBy.query({ messageId: n.id })).toEqual([]);
    await syncPoint(ada, adaTab);
    expect(adaTab.events.filter((e) => e.type === "receipt.updated" && e.lastReadId === n.id)).toEqual([]);
  });

  it("are refused in rooms of more than 50 members", async () => {
    const ada = await registerUser(server, "bigr");
    const room = await ada.http.rooms.create.mutate({ name: "big-receipts" });
    const m = await say(ada, room.id, "hello all");
    const others = await Promise.all(Array.from({ length: 50 }, () => registerUser(server, "bigf")));
    for (const u of others) await insertMember(server.svc.db, { roomId: room.id, userId: u.id, isAdmin: false, now: Date.now() });
    expect(await codeOf(ada.http.messages.readBy.query({ messageId: m.id }))).toBe("FORBIDDEN");
  });
});

describe("threads followed", () => {
  it("are followed by their starter, repliers and those mentioned in them, with unread counts and markers of their own", async () => {
    const [ada, bob, cy] = await Promise.all([registerUser(server, `hada`), registerUser(server, `hbob`), registerUser(server, `hcy`)]);
    const room = await ada.http.rooms.create.mutate({ name: "threads" });
    await Promise.all([bob, cy].map((u) => u.http.rooms.join.mutate({ roomId: room.id })));
    const root = await say(ada, room.id, "a question");
    const r1 = await say(bob, room.id, "an answer", root.id);
    const ofRoot = async (u: TestUser, unreadOnly?: boolean) => (await u.http.threads.list.query({ unreadOnly })).filter((t) => t.threadId === root.id);
    expect(await ofRoot(ada)).toMatchObject([{ unreadCount: 1, replyCount: 1, following: true }]);
    expect(await ofRoot(bob)).toMatchObject([{ unreadCount: 0, lastReadId: r1.id }]);
    expect(await ofRoot(bob, true)).toEqual([]);
    expect(await ofRoot(cy)).toEqual([]);
    const r2 = await say(bob, room.id, `@${cy.username} what do you think?`, root.id);
    expect(await ofRoot(cy, true)).toMatchObject([{ unreadCount: 2 }]);
    expect(await ada.http.threads.markRead.mutate({ threadId: root.id, messageId: r2.id })).toMatchObject({ unreadCount: 0, lastReadId: r2.id });
    expect(await ofRoot(ada, true)).toEqual([]);
    await ada.http.threads.unfollow.mutate({ messageId: r1.id });
    expect(await ofRoot(ada)).toEqual([]);
    await say(bob, room.id, "more", root.id);
    expect(await ofRoot(ada)).toEqual([]);
    await ada.http.threads.follow.mutate({ messageId: root.id });
    expect(await ofRoot(ada)).toMatchObject([{ unreadCount: 1 }]);
    // Leaving the room takes its threads off the list.
    await cy.http.rooms.leave.mutate({ roomId: room.id });
    expect(await ofRoot(cy)).toEqual([]);
  });
});
