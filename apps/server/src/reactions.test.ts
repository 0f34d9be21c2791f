import type { StreamEvent } from "@parley/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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

let server: TestServer;
const open: (WsApi | Recorder)[] = [];
const listen = (u: TestUser, lastEventId?: string | null) => {
  const c = wsApi(server, u.accessToken);
  const r = record(c.api, lastEventId);
  open.push(r, c);
  return r;
};

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
});
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
});
afterAll(() => server.dispose());

/** 55 different emoji, each one code point. */
const EMOJI = [..."😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗😚😙😋😛😜🤪😝🤑🤗🤭🤫🤔🤐🤨😐😑😶😏😒🙄😬🤥😌😔😪🤤😴😷🤒🤕🤢🤮🤧🥵🥶🥴😵"];

let seq = 0;
/** A room of `owner` with `members` joined (private: added), and one message of the owner in it. */
async function setup(owner: TestUser, members: TestUser[], opts: { isPrivate?: boolean } = {}) {
  seq++;
  const room = await owner.http.rooms.create.mutate({ name: `react-${seq}`, isPrivate: opts.isPrivate ?? false });
  for (const m of members) {
    if (opts.isPrivate) await owner.http.rooms.addMember.mutate({ roomId: room.id, username: m.username });
    else await m.http.rooms.join.mutate({ roomId: room.id });
  }
  const message = await owner.http.messages.send.mutate({ roomId: room.id, content: `react to me ${seq}`, clientId: `rt-${seq}` });
  return { roomId: room.id, messageId: message.id };
}

/** Sends a message that marks a point in the stream: whatever came before it has been delivered. */
async function marker(u: TestUser, roomId: number, r: Recorder) {
  seq++;
  const content = `marker ${seq}`;
  await u.http.messages.send.mutate({ roomId, content, clientId: `mark-${seq}` });
  await r.waitFor((e) => e.type === "message.created" && e.message.content === content);
}

const reactionEvents = (r: Recorder, messageId: number) =>
  r.events.filter((e): e is Extract<StreamEvent, { type: "reaction.added" | "reaction.removed" }> =>
    (e.type === "reaction.added" || e.type === "reaction.removed") && e.messageId === messageId,
  );

const stored = (messageId: number) =>
  server.svc.db.selectFrom("reactions").select(["emoji", "user_id"]).where("message_id", "=", messageId).orderBy("created_at").execute();

async function messageOf(u: TestUser, roomId: number, messageId: number) {
  const m = (await u.http.messages.list.query({ roomId, limit: 100 })).items.find((x) => x.id === messageId);
  if (!m) throw new Error(`message ${messageId} not in history`);
  return m;
}

describe("messages.react and messages.unreact", () => {
  it("adds a member's reaction, and every member hears it with the count and the first ten", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "ra"), registerUser(server, "rb")]);
    const { roomId, messageId } = await setup(alice, [bob]);
    const a = listen(alice);
    await a.waitFor((e) => e.type === "ready");
    const r = await bob.http.messages.react.mutate({ messageId, emoji: "👍" });
    expect(r).toEqual({ roomId, messageId, emoji: "👍", count: 1, userIds: [bob.id], me: true, changed: true });
    const ev = await a.waitFor((e) => e.type === "reaction.added" && e.messageId === messageId);
    expect(ev).toMatchObject({ type: "reaction.added", roomId, messageId, emoji: "👍", userId: bob.id, count: 1, userIds: [bob.id] });
    const again = await alice.http.messages.react.mutate({ messageId, emoji: "👍" });
    expect(again).toMatchObject({ count: 2, userIds: [bob.id, alice.id], me: true, changed: true });
    await a.waitFor((e) => e.type === "reaction.added" && e.messageId === messageId && e.userId === alice.id);
  });

  it("says in each reaction event where the emoji now stands, in history's order (first reaction first)", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "oa"), registerUser(server, "ob")]);
    const { roomId, messageId } = await setup(alice, [bob]);
    const a = listen(alice);
    await a.waitFor((e) => e.type === "ready");
    await bob.http.messages.react.mutate({ messageId, emoji: "👍" });
    await alice.http.messages.react.mutate({ messageId, emoji: "🎉" });
    await alice.http.messages.react.mutate({ messageId, emoji: "👍" });
    // 👍's first reaction becomes Alice's, later than 🎉's: it moves to the end.
    await bob.http.messages.unreact.mutate({ messageId, emoji: "👍" });
    await alice.http.messages.unreact.mutate({ messageId, emoji: "🎉" });
    await marker(alice, roomId, a);
    expect(reactionEvents(a, messageId).map((e) => `${e.type} ${e.emoji} ${e.index}`)).toEqual([
      "reaction.added 👍 0",
      "reaction.added 🎉 1",
      "reaction.added 👍 0",
      "reaction.removed 👍 1",
      "reaction.removed 🎉 null",
    ]);
  });

  it("emits nothing for a repeated react or an unreact of what is not there", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "ia"), registerUser(server, "ib")]);
    const { roomId, messageId } = await setup(alice, [bob]);
    const a = listen(alice);
    await a.waitFor((e) => e.type === "ready");
    await bob.http.messages.react.mutate({ messageId, emoji: "🎉" });
    const repeat = await bob.http.messages.react.mutate({ messageId, emoji: ":tada:" });
    expect(repeat).toMatchObject({ count: 1, userIds: [bob.id], me: true, changed: false });
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => bob.http.messages.react.mutate({ messageId, emoji: "🎉" })));
    expect(concurrent.every((c) => !c.changed && c.count === 1)).toBe(true);
    const nothing = await bob.http.messages.unreact.mutate({ messageId, emoji: "🚀" });
    expect(nothing).toMatchObject({ emoji: "🚀", count: 0, userIds: [], me: false, changed: false });
    // The marker comes after all of the above in the log: had any of them emitted, it would be there by now.
    await marker(alice, roomId, a);
    expect(reactionEvents(a, messageId).map((e) => `${e.type} ${e.emoji} ${e.userId}`)).toEqual([`reaction.added 🎉 ${bob.id}`]);
    expect(await stored(messageId)).toHaveLength(1);
  });

  it("removes a reaction once, and emits its removal with what is left", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "ua"), registerUser(server, "ub")]);
    const { roomId, messageId } = await setup(alice, [bob]);
    await alice.http.messages.react.mutate({ messageId, emoji: "❤️" });
    await bob.http.messages.react.mutate({ messageId, emoji: "❤️" });
    const a = listen(alice);
    await a.waitFor((e) => e.type === "ready");
    const r = await bob.http.messages.unreact.mutate({ messageId, emoji: "❤" });
    expect(r).toEqual({ roomId, messageId, emoji: "❤️", count: 1, userIds: [alice.id], me: false, changed: true });
    expect(await bob.http.messages.unreact.mutate({ messageId, emoji: "❤️" })).toMatchObject({ changed: false, count: 1 });
    await marker(alice, roomId, a);
    expect(reactionEvents(a, messageId)).toEqual([
      expect.objectContaining({ type: "reaction.removed", emoji: "❤️", userId: bob.id, count: 1, userIds: [alice.id] }),
    ]);
    const last = await alice.http.messages.unreact.mutate({ messageId, emoji: ":heart:" });
    expect(last).toMatchObject({ count: 0, userIds: [], changed: true });
    expect((await messageOf(alice, roomId, messageId)).reactions).toEqual([]);
  });

  it("stores a :shortcode: and the emoji with or without U+FE0F as one reaction; a skin tone is another", async () => {
    const [alice, bob, carol] = await Promise.all([registerUser(server, "sa"), registerUser(server, "sb"), registerUser(server, "sc")]);
    const { roomId, messageId } = await setup(alice, [bob, carol]);
    expect((await alice.http.messages.react.mutate({ messageId, emoji: ":thumbsup:" })).emoji).toBe("👍");
    expect((await bob.http.messages.react.mutate({ messageId, emoji: "👍\uFE0F" })).emoji).toBe("👍");
    expect((await carol.http.messages.react.mutate({ messageId, emoji: ":+1:" })).changed).toBe(true);
    expect((await alice.http.messages.react.mutate({ messageId, emoji: "👍" })).changed).toBe(false);
    expect((await alice.http.messages.react.mutate({ messageId, emoji: "☺" })).emoji).toBe("☺\uFE0F");
    expect((await bob.http.messages.react.mutate({ messageId, emoji: "☺\uFE0F" })).count).toBe(2);
    expect((await carol.http.messages.react.mutate({ messageId, emoji: "👍🏽" })).count).toBe(1);
    const m = await messageOf(alice, roomId, messageId);
    expect(m.reactions.map((r) => [r.emoji, r.count])).toEqual([
      ["👍", 3],
      ["☺\uFE0F", 2],
      ["👍🏽", 1],
    ]);
    expect(new Set((await stored(messageId)).map((r) => r.emoji))).toEqual(new Set(["👍", "☺\uFE0F", "👍🏽"]));
  });

  it("refuses anything but one emoji, with a message saying so, and stores nothing", async () => {
    const alice = await registerUser(server, "va");
    const { messageId } = await setup(alice, []);
    const cases: [string, RegExp][] = [
      ["hello", /Not an emoji/],
      ["👍👍", /Not an emoji/],
      ["👍 🎉", /Not an emoji/],
      ["👍\u200D❤️", /Not an emoji/],
      ["🏽", /Not an emoji/],
      ["a", /Not an emoji/],
      [":definitely_not_an_emoji:", /Unknown emoji shortcode :definitely_not_an_emoji:/],
      ["", /Pick an emoji/],
      ["   ", /Pick an emoji/],
      ["x".repeat(81), /not one emoji/],
    ];
    for (const [emoji, message] of cases) {
      for (const call of [alice.http.messages.react.mutate, alice.http.messages.unreact.mutate]) {
        const err = await call({ messageId, emoji }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, JSON.stringify(emoji)).toMatchObject({ data: { code: "BAD_REQUEST" }, message: expect.stringMatching(message) });
      }
    }
    expect(await stored(messageId)).toEqual([]);
  });

  it("lets a message carry at most 50 different emoji, however they race; more people may add to them", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "ca"), registerUser(server, "cb")]);
    const { roomId, messageId } = await setup(alice, [bob]);
    const results = await Promise.all(EMOJI.map((emoji) => codeOf(alice.http.messages.react.mutate({ messageId, emoji }))));
    expect(results.filter((c) => c === "OK")).toHaveLength(50);
    expect(results.filter((c) => c === "CONFLICT")).toHaveLength(EMOJI.length - 50);
    const accepted = EMOJI.filter((_, i) => results[i] === "OK");
    const refused = EMOJI.filter((_, i) => results[i] !== "OK");
    const first = refused[0] ?? "";
    await expect(bob.http.messages.react.mutate({ messageId, emoji: first })).rejects.toThrow(/at most 50 different emoji/);
    // An emoji already there takes any number of people.
    expect(await bob.http.messages.react.mutate({ messageId, emoji: accepted[0] ?? "" })).toMatchObject({ count: 2, changed: true });
    // Once one is gone entirely, there is room for another.
    await alice.http.messages.unreact.mutate({ messageId, emoji: accepted[1] ?? "" });
    expect(await codeOf(bob.http.messages.react.mutate({ messageId, emoji: first }))).toBe("OK");
    expect((await messageOf(alice, roomId, messageId)).reactions).toHaveLength(50);
  });

  it("shows in history each emoji's count, its first ten people in order, and whether the viewer reacted", async () => {
    const people = await Promise.all(Array.from({ length: 12 }, (_, i) => registerUser(server, `h${i}`)));
    const [owner, ...rest] = people;
    if (!owner) throw new Error("no users");
    const { roomId, messageId } = await setup(owner, rest);
    for (const u of rest) await u.http.messages.react.mutate({ messageId, emoji: "🔥" });
    await owner.http.messages.react.mutate({ messageId, emoji: "👀" });
    const asOwner = await messageOf(owner, roomId, messageId);
    expect(asOwner.reactions).toEqual([
      { emoji: "🔥", count: 11, me: false, userIds: rest.slice(0, 10).map((u) => u.id) },
      { emoji: "👀", count: 1, me: true, userIds: [owner.id] },
    ]);
    // The eleventh is not among the ten shown, but still sees their own reaction.
    const eleventh = rest[10];
    if (!eleventh) throw new Error("too few users");
    const asEleventh = await messageOf(eleventh, roomId, messageId);
    expect(asEleventh.reactions[0]).toMatchObject({ emoji: "🔥", count: 11, me: true });
    expect(asEleventh.reactions[0]?.userIds).not.toContain(eleventh.id);
  });
});

describe("messages.reactions", () => {
  it("pages through everyone who reacted, in order, with no gap or overlap", async () => {
    const people = await Promise.all(Array.from({ length: 23 }, (_, i) => registerUser(server, `p${i}`)));
    const [owner, ...rest] = people;
    if (!owner) throw new Error("no users");
    const { messageId } = await setup(owner, rest);
    // Two at a time: some share a millisecond, so the order's tie-break (the user id) is walked too.
    for (let i = 0; i < people.length; i += 2) {
      await Promise.all(people.slice(i, i + 2).map((u) => u.http.messages.react.mutate({ messageId, emoji: "✅" })));
    }
    const expected = (await server.svc.db
      .selectFrom("reactions")
      .select("user_id")
      .where("message_id", "=", messageId)
      .orderBy("created_at")
      .orderBy("user_id")
      .execute()).map((r) => Number(r.user_id));
    expect(expected).toHaveLength(23);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { userId: number; username: string; reactedAt: number }[]; nextCursor: string | null } =
        await owner.http.messages.reactions.query({ messageId, emoji: ":white_check_mark:", cursor, limit: 5 });
      seen.push(...page.items.map((i) => i.userId));
      for (const i of page.items) expect(i.username).toBe(people.find((p) => p.id === i.userId)?.username);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(seen).toEqual(expected);
    expect(pages).toBe(5);
    expect(await owner.http.messages.reactions.query({ messageId, emoji: "🦄" })).toEqual({ items: [], nextCursor: null });
    expect(await codeOf(owner.http.messages.reactions.query({ messageId, emoji: "✅", cursor: "garbage" }))).toBe("BAD_REQUEST");
    expect(await codeOf(owner.http.messages.reactions.query({ messageId, emoji: "not one" }))).toBe("BAD_REQUEST");
  });
});

describe("reaction access", () => {
  it("is NOT_FOUND for a missing message, a private room's outsider, a removed member and a deleted room", async () => {
    const [alice, bob, eve] = await Promise.all([registerUser(server, "xa"), registerUser(server, "xb"), registerUser(server, "xe")]);
    const { roomId, messageId } = await setup(alice, [bob], { isPrivate: true });
    await alice.http.messages.react.mutate({ messageId, emoji: "👍" });
    // In turn: a member's react must land before their unreact.
    const codes = async (u: TestUser, id: number) => [
      await codeOf(u.http.messages.react.mutate({ messageId: id, emoji: "👍" })),
      await codeOf(u.http.messages.unreact.mutate({ messageId: id, emoji: "👍" })),
      await codeOf(u.http.messages.reactions.query({ messageId: id, emoji: "👍" })),
    ];
    const notFound = ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND"];
    expect(await codes(alice, 99_999_999)).toEqual(notFound);
    expect(await codes(eve, messageId)).toEqual(notFound);
    expect(await codes(bob, messageId)).toEqual(["OK", "OK", "OK"]);
    await alice.http.rooms.removeMember.mutate({ roomId, userId: bob.id });
    expect(await codes(bob, messageId)).toEqual(notFound);
    await alice.http.rooms.delete.mutate({ roomId });
    expect(await codes(alice, messageId)).toEqual(notFound);
    // Only Alice's reaction is left: nobody else got one in.
    expect((await stored(messageId)).map((r) => Number(r.user_id))).toEqual([alice.id]);
  });

  it("is FORBIDDEN to react in a public room one has not joined (or has left), but its reactors can be read", async () => {
    const [alice, carol] = await Promise.all([registerUser(server, "fa"), registerUser(server, "fc")]);
    const { roomId, messageId } = await setup(alice, [carol]);
    await alice.http.messages.react.mutate({ messageId, emoji: "👍" });
    await carol.http.rooms.leave.mutate({ roomId });
    expect(await codeOf(carol.http.messages.react.mutate({ messageId, emoji: "👍" }))).toBe("FORBIDDEN");
    expect(await codeOf(carol.http.messages.unreact.mutate({ messageId, emoji: "👍" }))).toBe("FORBIDDEN");
    expect((await carol.http.messages.reactions.query({ messageId, emoji: "👍" })).items.map((i) => i.userId)).toEqual([alice.id]);
  });

  it("is UNAUTHORIZED without a session", async () => {
    const alice = await registerUser(server, "na");
    const { messageId } = await setup(alice, []);
    const anon = httpApi(server);
    expect(await codeOf(anon.messages.react.mutate({ messageId, emoji: "👍" }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anon.messages.unreact.mutate({ messageId, emoji: "👍" }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anon.messages.reactions.query({ messageId, emoji: "👍" }))).toBe("UNAUTHORIZED");
  });

  it("refuses reactions on a deleted message, which has none", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "da"), registerUser(server, "db")]);
    const { messageId } = await setup(alice, [bob]);
    await bob.http.messages.react.mutate({ messageId, emoji: "👍" });
    // As a delete leaves it (messages.delete is another part of this issue): a tombstone.
    await server.svc.db.updateTable("messages").set({ deleted_at: Date.now(), content: "" }).where("id", "=", messageId).execute();
    for (const call of [alice.http.messages.react.mutate, bob.http.messages.unreact.mutate]) {
      await expect(call({ messageId, emoji: "👍" })).rejects.toMatchObject({ data: { code: "BAD_REQUEST" }, message: "That message was deleted" });
    }
    expect(await alice.http.messages.reactions.query({ messageId, emoji: "👍" })).toEqual({ items: [], nextCursor: null });
  });
});

describe("reaction events", () => {
  it("never reach a non-member of a private room, live or replaying from the start", async () => {
    const [alice, bob, eve] = await Promise.all([registerUser(server, "ea"), registerUser(server, "eb"), registerUser(server, "ee")]);
    const lobby = await alice.http.rooms.create.mutate({ name: `lobby-${seq}` });
    await eve.http.rooms.join.mutate({ roomId: lobby.id });
    const live = listen(eve);
    const member = listen(bob);
    await Promise.all([live.waitFor((e) => e.type === "ready"), member.waitFor((e) => e.type === "ready")]);
    const { roomId, messageId } = await setup(alice, [bob], { isPrivate: true });
    await bob.http.messages.react.mutate({ messageId, emoji: "🤫" });
    await alice.http.messages.react.mutate({ messageId, emoji: "🤫" });
    await bob.http.messages.unreact.mutate({ messageId, emoji: "🤫" });
    await member.waitFor((e) => e.type === "reaction.removed" && e.messageId === messageId);
    // Eve's marker is written after every reaction above.
    await marker(alice, lobby.id, live);
    const secret = (e: StreamEvent) => ("roomId" in e && e.roomId === roomId) || ("messageId" in e && e.messageId === messageId);
    expect(live.events.filter(secret)).toEqual([]);
    const replay = listen(eve, "0");
    await replay.waitFor((e) => e.type === "message.created" && e.message.roomId === lobby.id && e.message.content.startsWith("marker"));
    expect(replay.events.filter(secret)).toEqual([]);
    // The member got all three, in order.
    expect(reactionEvents(member, messageId).map((e) => [e.type, e.userId, e.count])).toEqual([
      ["reaction.added", bob.id, 1],
      ["reaction.added", alice.id, 2],
      ["reaction.removed", bob.id, 1],
    ]);
  });
});
