import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, type TestServer, type TestUser, registerUser, startTestServer, wsApi } from "./test/harness.ts";
import { type PushReceiver, startPushReceiver } from "./test/push-receiver.ts";

/**
 * Web Push against a real (small) RFC 8030 push service: every payload is
 * decrypted with the subscription's private key, and the VAPID signature
 * checked. Absence is proven by `svc.push.settled()`: every push queued for
 * the messages sent so far has been answered, so one not received was
 * never sent.
 */

let server: TestServer;
let receiver: PushReceiver;
beforeAll(async () => {
  receiver = await startPushReceiver();
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000", PUSH_ALLOW_HOSTS: "127.0.0.1" });
});
afterAll(async () => {
  await server.dispose();
  await receiver.close();
});

let seq = 0;
const say = (u: TestUser, roomId: number, content: string) => u.http.messages.send.mutate({ roomId, content, clientId: `p-${++seq}` });
async function subscribed(u: TestUser): Promise<string> {
  const name = `${u.username}-${++seq}`;
  const sub = receiver.subscription(name);
  await u.http.push.subscribe.mutate({ endpoint: sub.endpoint, keys: sub.keys });
  return name;
}
const arrived = async (name: string) => {
  await server.svc.push.settled();
  return receiver.received.filter((r) => r.name === name);
};

describe("web push", () => {
  it("hands out one VAPID key, the one pushes are signed with", async () => {
    const ada = await registerUser(server, "vk");
    const { publicKey } = await ada.http.push.publicKey.query();
    expect(publicKey).toMatch(/^[\w-]{80,}$/);
    expect((await ada.http.push.publicKey.query()).publicKey).toBe(publicKey);
    const bob = await registerUser(server, "vkb");
    const name = await subscribed(bob);
    const dm = await ada.http.dms.open.mutate({ userIds: [bob.id] });
    const m = await say(ada, dm.id, "**hello** there");
    const [got] = await arrived(name);
    expect(got?.vapidKey).toBe(publicKey);
    expect(got?.payload).toEqual({ title: ada.username, body: "hello there", roomId: dm.id, messageId: m.id, reason: "dm" });
    expect(got).toMatchObject({ topic: `room-${dm.id}`, urgency: "high" });
    expect(receiver.problems).toEqual([]);
  });

  it("goes out by level × mute × do not disturb, for plain messages, @room and direct mentions (table)", async () => {
    const sender = await registerUser(server, "tsend");
    const levels = ["all", "mentions", "none"] as const;
    const cases = levels.flatMap((level) => [false, true].flatMap((muted) => [false, true].map((dnd) => ({ level, muted, dnd }))));
    type Want = { plain: boolean; room: boolean; direct: boolean };
    const rows: { label: string; name: string; roomId: number; user: TestUser; want: Want }[] = [];
    for (const c of cases) {
      const user = await registerUser(server, "trcv");
      const room = await sender.http.rooms.create.mutate({ name: `push ${c.level} ${c.muted} ${c.dnd}` });
      await user.http.rooms.join.mutate({ roomId: room.id });
      await user.http.rooms.setNotifications.mutate({ roomId: room.id, level: c.level, muted: c.muted });
      await user.http.users.setDnd.mutate({ until: c.dnd ? Date.now() + 3_600_000 : null });
      // DND and "nothing" silence everything; mute silences the room's chatter but not a mention of you by name.
      const silent = c.dnd || c.level === "none";
      rows.push({
        label: `${c.level}${c.muted ? " muted" : ""}${c.dnd ? " dnd" : ""}`,
        name: await subscribed(user),
        roomId: room.id,
        user,
        want: { plain: !silent && !c.muted && c.level === "all", room: !silent && !c.muted, direct: !silent },
      });
    }
    for (const r of rows) {
      await say(sender, r.roomId, "plain words");
      await say(sender, r.roomId, "everyone: @room");
      await say(sender, r.roomId, `hey @${r.user.username}`);
    }
    const got = [];
    for (const r of rows) {
      const pushed = (await arrived(r.name)).map((x) => x.payload as { reason: string; body: string });
      got.push([
        r.label,
        {
          plain: pushed.some((p) => p.reason === "message"),
          room: pushed.some((p) => p.reason === "mention" && p.body.includes("@room")),
          direct: pushed.some((p) => p.reason === "mention" && p.body.startsWith("hey")),
        },
      ]);
    }
    expect(got).toEqual(rows.map((r) => [r.label, r.want]));
    expect(receiver.problems).toEqual([]);
  });

  it("a DM notifies even in a muted conversation, unless its level is none", async () => {
    const ada = await registerUser(server, "dmada");
    const table = [
      { level: "all", muted: true, want: 1 },
      { level: "mentions", muted: true, want: 1 },
      { level: "none", muted: false, want: 0 },
    ] as const;
    const got = [];
    for (const t of table) {
      const bob = await registerUser(server, "dmbob");
      const dm = await ada.http.dms.open.mutate({ userIds: [bob.id] });
      await bob.http.rooms.setNotifications.mutate({ roomId: dm.id, level: t.level, muted: t.muted });
      const name = await subscribed(bob);
      await say(ada, dm.id, "ping");
      got.push([t.level, t.muted, (await arrived(name)).length]);
    }
    expect(got).toEqual(table.map((t) => [t.level, t.muted, t.want]));
  });

  it("an edit that adds @room pushes once to each member it newly mentions, and never again", async () => {
    const [ada, bob, cy, dee] = await Promise.all([registerUser(server, "rada"), registerUser(server, "rbob"), registerUser(server, "rcy"), registerUser(server, "rdee")]);
    const room = await ada.http.rooms.create.mutate({ name: "push room edits" });
    await Promise.all([bob, cy, dee].map((u) => u.http.rooms.join.mutate({ roomId: room.id })));
    const [bobSub, cySub, deeSub] = [await subscribed(bob), await subscribed(cy), await subscribed(dee)];
    const counts = async () => [(await arrived(bobSub)).length, (await arrived(cySub)).length, (await arrived(deeSub)).length];
    const m = await say(ada, room.id, `@${bob.username} a plan`);
    expect(await counts()).toEqual([1, 0, 0]);
    // Bob was mentioned already: only Cy and Dee are newly mentioned.
    await ada.http.messages.edit.mutate({ messageId: m.id, content: `@${bob.username} a plan, @room` });
    expect(await counts()).toEqual([1, 1, 1]);
    const last = (await arrived(cySub)).at(-1)?.payload;
    expect(last).toMatchObject({ messageId: m.id, reason: "mention" });
    // Still @room, or a name it already covered: nobody twice.
    await ada.http.messages.edit.mutate({ messageId: m.id, content: `@${bob.username} a plan, @room!` });
    await ada.http.messages.edit.mutate({ messageId: m.id, content: `@${bob.username} a plan, @room and @${cy.username}` });
    expect(await counts()).toEqual([1, 1, 1]);

    // In a DM every message already counted as a mention: an edit naming the other member adds nothing.
    const dm = await ada.http.dms.open.mutate({ userIds: [bob.id] });
    const d = await say(ada, dm.id, "see this");
    expect((await arrived(bobSub)).length).toBe(2);
    await ada.http.messages.edit.mutate({ messageId: d.id, content: `see this @${bob.username}` });
    expect((await arrived(bobSub)).length).toBe(2);
    expect(receiver.problems).toEqual([]);
  });

  it("skips users with a socket open, notifies an edit's new mentions only, and drops subscriptions that are gone", async () => {
    const [ada, bob, cy] = await Promise.all([registerUser(server, "oada"), registerUser(server, "obob"), registerUser(server, "ocy")]);
    const room = await ada.http.rooms.create.mutate({ name: "push edits" });
    await Promise.all([bob, cy].map((u) => u.http.rooms.join.mutate({ roomId: room.id })));
    const [bobSub, cySub] = [await subscribed(bob), await subscribed(cy)];
    const m = await say(ada, room.id, `@${bob.username} look`);
    expect(await arrived(bobSub)).toHaveLength(1);
    await ada.http.messages.edit.mutate({ messageId: m.id, content: `@${bob.username} look, @${cy.username} too` });
    expect(await arrived(bobSub)).toHaveLength(1);
    expect(await arrived(cySub)).toHaveLength(1);
    await ada.http.messages.edit.mutate({ messageId: m.id, content: `@${bob.username} look, @${cy.username} too!` });
    expect(await arrived(cySub)).toHaveLength(1);

    // Online (a socket open): no push.
    const live = wsApi(server, bob.accessToken);
    try {
      await live.api.auth.me.query();
      await say(ada, room.id, `@${bob.username} are you there?`);
      expect(await arrived(bobSub)).toHaveLength(1);
    } finally {
      await live.close();
    }

    receiver.gone(cySub);
    await say(ada, room.id, `@${cy.username} gone?`);
    await server.svc.push.settled();
    const left = await server.svc.db.selectFrom("push_subscriptions").select("endpoint").where("user_id", "=", cy.id).execute();
    expect(left).toEqual([]);
  });

  it("refuses endpoints that are not public HTTPS unless PUSH_ALLOW_HOSTS names them", async () => {
    const ada = await registerUser(server, "ssrf");
    const keys = receiver.subscription("ssrf").keys;
    for (const endpoint of [
      "http://push.example.com/x",
      "https://10.1.2.3/x",
      "https://192.168.1.1/x",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/x",
      "https://localhost/x",
      "https://user:pw@push.example.com/x",
      "ftp://push.example.com/x",
    ]) {
      expect([endpoint, await codeOf(ada.http.push.subscribe.mutate({ endpoint, keys }))]).toEqual([endpoint, "BAD_REQUEST"]);
    }
    expect(await codeOf(ada.http.push.subscribe.mutate({ endpoint: "https://push.example.com/ok", keys }))).toBe("OK");
    expect(await ada.http.push.unsubscribe.mutate({ endpoint: "https://push.example.com/ok" })).toEqual({ removed: true });
  });
});

describe("web push on a server with no subscription yet", () => {
  let fresh: TestServer;
  beforeAll(async () => {
    fresh = await startTestServer({ PUSH_ALLOW_HOSTS: "127.0.0.1" });
  });
  afterAll(async () => {
    await fresh?.dispose();
  });
  const got = async (name: string) => {
    await fresh.svc.push.settled();
    return receiver.received.filter((r) => r.name === name);
  };

  it("pushes a new subscription's first message at once, whether it was made here or by another node", async () => {
    const [ada, bob, cy] = await Promise.all([registerUser(fresh, "fada"), registerUser(fresh, "fbob"), registerUser(fresh, "fcy")]);
    const toBob = await ada.http.dms.open.mutate({ userIds: [bob.id] });
    const toCy = await ada.http.dms.open.mutate({ userIds: [cy.id] });
    // With no subscription anywhere, the server has just been told "none".
    await say(ada, toCy.id, "nobody listens");
    await fresh.svc.push.settled();
    // Another node writes its subscription into the shared database: this node must not have kept that "none".
    const cySub = receiver.subscription(`fcy-${++seq}`);
    await fresh.svc.db
      .insertInto("push_subscriptions")
      .values({ endpoint: cySub.endpoint, user_id: cy.id, p256dh: cySub.keys.p256dh, auth: cySub.keys.auth, created_at: Date.now() })
      .execute();
    await say(ada, toCy.id, "from the other node");
    expect((await got(cySub.name)).map((r) => (r.payload as { body: string }).body)).toEqual(["from the other node"]);

    // And one made here, right after the last one went.
    await fresh.svc.db.deleteFrom("push_subscriptions").execute();
    await say(ada, toBob.id, "nobody again");
    await fresh.svc.push.settled();
    const bobSub = receiver.subscription(`fbob-${++seq}`);
    await bob.http.push.subscribe.mutate({ endpoint: bobSub.endpoint, keys: bobSub.keys });
    await say(ada, toBob.id, "now you do");
    expect((await got(bobSub.name)).map((r) => (r.payload as { body: string }).body)).toEqual(["now you do"]);
    expect(receiver.problems).toEqual([]);
  });
});
