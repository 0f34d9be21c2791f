import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser, type TestServer, type TestUser, startTestServer } from "./test/harness.ts";

/**
 * Issue 14's cost target: `rooms.list` reads each member's mention count from
 * a counter (room_members.mention_unread, migration 0028) that the write path
 * keeps. After every step the counter must equal what the mention rows say
 * (the member's and the room-wide ones after the marker), and the list the
 * counts a user expects.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
});
afterAll(() => server.dispose());

let seq = 0;
const say = (u: TestUser, roomId: number, content: string, threadId?: number) =>
  u.http.messages.send.mutate({ roomId, content, clientId: `mc-${++seq}`, threadId });

/** Each member's counter, and the count of their rows (their own and the room-wide ones) after the marker, counted here from the rows. */
async function counters(roomId: number) {
  const db = server.svc.db;
  const members = await db.selectFrom("room_members").select(["user_id", "last_read_id", "mention_unread"]).where("room_id", "=", roomId).execute();
  const rows = await db.selectFrom("mentions").select(["user_id", "message_id"]).where("room_id", "=", roomId).execute();
  return members.map((m) => ({
    userId: Number(m.user_id),
    counter: Number(m.mention_unread),
    rows: rows.filter((r) => (Number(r.user_id) === Number(m.user_id) || Number(r.user_id) === 0) && Number(r.message_id) > Number(m.last_read_id)).length,
  }));
}

/** Asserts the counters equal their rows, and the listed mention counts are `expected` (by user). */
async function expectCounts(roomId: number, expected: [TestUser, number][]) {
  for (const c of await counters(roomId)) expect(c).toEqual({ userId: c.userId, counter: c.rows, rows: c.rows });
  for (const [u, n] of expected) {
    const item = (await u.http.rooms.list.query()).find((r) => r.id === roomId);
    expect([u.username, item?.mentionCount]).toEqual([u.username, n]);
  }
}

describe("the mention counter", () => {
  it("stays equal to the mention rows through sends, @room, edits, deletes, markRead, markUnread, threads and muting", async () => {
    const [ada, bob, cy] = await Promise.all([registerUser(server, "mcada"), registerUser(server, "mcbob"), registerUser(server, "mccy")]);
    const room = await ada.http.rooms.create.mutate({ name: "mention-counter" });
    await Promise.all([bob, cy].map((u) => u.http.rooms.join.mutate({ roomId: room.id })));
    const counts = (a: number, b: number, c: number) => expectCounts(room.id, [[ada, a], [bob, b], [cy, c]]);

    const named = await say(ada, room.id, `hi @${bob.username}`);
    await counts(0, 1, 0);
    const everyone = await say(ada, room.id, "@room all of you");
    // The sender's own @room is behind their marker.
    await counts(0, 2, 1);
    await ada.http.messages.edit.mutate({ messageId: named.id, content: `hi @${bob.username} and @${cy.username}` });
    await counts(0, 2, 2);
    await ada.http.messages.edit.mutate({ messageId: named.id, content: "hi nobody" });
    await counts(0, 1, 1);

    // Read past both: nothing left, and rows behind the marker that change later change nothing.
    await bob.http.rooms.markRead.mutate({ roomId: room.id, messageId: everyone.id });
    await counts(0, 0, 1);
    await ada.http.messages.edit.mutate({ messageId: named.id, content: `hi again @${bob.username}` });
    await counts(0, 0, 1);
    await ada.http.messages.edit.mutate({ messageId: everyone.id, content: "no longer everyone" });
    await counts(0, 0, 0);
    await ada.http.messages.edit.mutate({ messageId: everyone.id, content: "@room everyone again" });
    await counts(0, 0, 1);

    // markUnread brings back what lies after the marker; markRead clears it again.
    await bob.http.rooms.markUnread.mutate({ roomId: room.id, messageId: named.id });
    await counts(0, 2, 1);
    const late = await say(cy, room.id, `@${bob.username} @${ada.username} late`);
    // Cy's own send puts their marker at it: read up to there.
    await counts(1, 3, 0);
    await bob.http.rooms.markRead.mutate({ roomId: room.id, messageId: named.id });
    await counts(1, 2, 0);
    await cy.http.messages.delete.mutate({ messageId: late.id });
    await counts(0, 1, 0);
    await ada.http.messages.delete.mutate({ messageId: everyone.id });
    await counts(0, 0, 0);

    // A thread-only reply counts in its thread, not in the room; one also sent to the room counts there.
    await say(ada, room.id, `in the thread @${cy.username}`, named.id);
    await counts(0, 0, 0);
    await ada.http.messages.send.mutate({ roomId: room.id, content: `to the room too @${cy.username}`, clientId: `mc-${++seq}`, threadId: named.id, alsoToRoom: true });
    await counts(0, 0, 1);

    // Muting changes the badge, not the count.
    await cy.http.rooms.setNotifications.mutate({ roomId: room.id, level: "none", muted: true });
    await counts(0, 0, 1);
    await say(ada, room.id, `@${cy.username} still counted`);
    await counts(0, 0, 2);
    const mine = await say(cy, room.id, "my own message reads the room");
    await counts(0, 0, 0);

    // A member who joins late starts with nothing unread, whatever the history mentions.
    const dee = await registerUser(server, "mcdee");
    await dee.http.rooms.join.mutate({ roomId: room.id });
    await expectCounts(room.id, [[dee, 0]]);
    await say(ada, room.id, "@room welcome");
    await expectCounts(room.id, [[dee, 1], [cy, 1], [ada, 0]]);
    await dee.http.rooms.markUnread.mutate({ roomId: room.id, messageId: mine.id });
    await expectCounts(room.id, [[dee, 1]]);
  });

  it("counts a DM's rows too, while a DM's mention count stays its unread count", async () => {
    const [ada, bob] = await Promise.all([registerUser(server, "mcdada"), registerUser(server, "mcdbob")]);
    const dm = await ada.http.dms.open.mutate({ userIds: [bob.id] });
    const first = await say(ada, dm.id, `@${bob.username} one`);
    await say(ada, dm.id, "two");
    await expectCounts(dm.id, [[bob, 2]]);
    await bob.http.rooms.markRead.mutate({ roomId: dm.id, messageId: first.id });
    await expectCounts(dm.id, [[bob, 1]]);
  });
});
