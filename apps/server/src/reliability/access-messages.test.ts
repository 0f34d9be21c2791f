import type { Message } from "@parley/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attempt, messageProcedures, messageSamples, roomSamples, threadProcedures } from "../test/access-matrix.ts";
import { registerUser, type TestServer, type TestUser, startTestServer } from "../test/harness.ts";

/**
 * The access matrix for procedures that name a message, not a room
 * (test/access-matrix.ts finds them in the router): the server reads the
 * room from the message, and a caller who may not see that room gets
 * NOT_FOUND, exactly as for a message that does not exist, over HTTP and
 * WebSocket, with nothing of the message in the refusal. Also the thread
 * variants of the room procedures: a `threadId` names a message too.
 */

let server: TestServer;
let owner: TestUser;
let member: TestUser;
let outsider: TestUser;
/** The private room, its members' messages, the DM's message and a public room's. */
let world: { roomId: number; root: Message; own: Message; reply: Message; dmId: number; dmMessage: Message; publicId: number; publicMessage: Message };

/** Every text of the private room and the DM, none of which a refusal may contain. */
const SECRETS = ["m-secret-room", "m-secret-desc", "m-secret-root", "m-secret-own", "m-secret-reply", "m-secret-dm", "m-secret-after"];

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
  [owner, member, outsider] = await Promise.all([registerUser(server, "mowner"), registerUser(server, "mmember"), registerUser(server, "moutsider")]);
  const room = await owner.http.rooms.create.mutate({ name: "m-secret-room", description: "m-secret-desc", isPrivate: true });
  await owner.http.rooms.addMember.mutate({ roomId: room.id, username: member.username });
  const say = (u: TestUser, roomId: number, content: string, threadId?: number) =>
    u.http.messages.send.mutate({ roomId, content, clientId: `m-${content.replace(/\W/g, "_")}`, threadId });
  const root = await say(owner, room.id, "m-secret-root");
  // An edit, so the root has a revision to (not) read.
  await owner.http.messages.edit.mutate({ messageId: root.id, content: "m-secret-root, edited" });
  const own = await say(member, room.id, "m-secret-own");
  const reply = await say(member, room.id, "m-secret-reply", root.id);
  for (const m of [root, own]) await member.http.messages.react.mutate({ messageId: m.id, emoji: "👍" });
  const dm = await owner.http.dms.open.mutate({ userIds: [member.id] });
  const dmMessage = await say(owner, dm.id, "m-secret-dm");
  await member.http.messages.react.mutate({ messageId: dmMessage.id, emoji: "👍" });
  // The member, with a message and reactions of their own in the room, is removed.
  await owner.http.rooms.removeMember.mutate({ roomId: room.id, userId: member.id });
  // What the room says after the removal is news the removed member must not get.
  await owner.http.messages.edit.mutate({ messageId: root.id, content: "m-secret-root, m-secret-after" });
  const open = await owner.http.rooms.create.mutate({ name: "m-public" });
  const publicMessage = await say(owner, open.id, "public words");
  await owner.http.messages.react.mutate({ messageId: publicMessage.id, emoji: "👍" });
  world = { roomId: room.id, root, own, reply, dmId: dm.id, dmMessage, publicId: open.id, publicMessage };
});
afterAll(() => server.dispose());

type Targets = Record<string, { id: number }>;
/** Each message procedure on each target message, as `u`: codes by target, then path. */
async function tryMessages(u: TestUser, targets: Targets) {
  const results: Record<string, Record<string, string>> = {};
  let replies = "";
  for (const [label, m] of Object.entries(targets)) {
    const calls = messageProcedures.map((p) => ({ p, input: messageSamples[p.path]?.(m.id) }));
    const r = await attempt(server, u.accessToken, calls);
    results[label] = r.results;
    replies += r.replies;
  }
  return { results, replies };
}
const every = (targets: Targets, code: (path: string) => string) =>
  Object.fromEntries(Object.keys(targets).map((label) => [label, Object.fromEntries(messageProcedures.map((p) => [p.path, code(p.path)]))]));

/** What the owner sees is what the setup made: no refused call changed anything. */
async function untouched() {
  const history = await owner.http.messages.list.query({ roomId: world.roomId });
  const byId = new Map(history.items.map((m) => [m.id, m]));
  expect(byId.get(world.root.id)).toMatchObject({ content: "m-secret-root, m-secret-after", rev: 3, deletedAt: null, thread: { replyCount: 1 } });
  expect(byId.get(world.root.id)?.reactions).toMatchObject([{ emoji: "👍", count: 1, userIds: [member.id] }]);
  expect(byId.get(world.own.id)).toMatchObject({ content: "m-secret-own", rev: 1, deletedAt: null, reactions: [{ count: 1 }] });
  expect(await owner.http.messages.revisions.query({ messageId: world.root.id })).toHaveLength(2);
  const thread = await owner.http.messages.list.query({ roomId: world.roomId, threadId: world.root.id });
  expect(thread.items.map((m) => m.content)).toEqual(["m-secret-root, m-secret-after", "m-secret-reply"]);
  const dm = await owner.http.messages.list.query({ roomId: world.dmId });
  expect(dm.items.filter((m) => m.kind === "text").map((m) => [m.content, m.rev, m.reactions.length])).toEqual([["m-secret-dm", 1, 1]]);
  const pub = await owner.http.messages.list.query({ roomId: world.publicId });
  expect(pub.items.find((m) => m.id === world.publicMessage.id)).toMatchObject({ content: "public words", rev: 1, deletedAt: null });
  expect(pub.items.find((m) => m.id === world.publicMessage.id)?.reactions).toMatchObject([{ count: 1, userIds: [owner.id] }]);
}

describe("the message procedures, on a message the caller may not see", () => {
  it("are NOT_FOUND to a private room's non-member, over HTTP and WebSocket, as for a message that does not exist", async () => {
    const targets = { root: world.root, own: world.own, reply: world.reply, missing: { id: world.root.id + 1_000_000 } };
    const { results, replies } = await tryMessages(outsider, targets);
    expect(results).toEqual(every(targets, () => "NOT_FOUND/NOT_FOUND"));
    for (const secret of SECRETS) expect(replies).not.toContain(secret);
    await untouched();
  });

  it("are NOT_FOUND to a removed member, even on their own message and their own reaction", async () => {
    const targets = { root: world.root, own: world.own, reply: world.reply };
    const { results, replies } = await tryMessages(member, targets);
    expect(results).toEqual(every(targets, () => "NOT_FOUND/NOT_FOUND"));
    // They knew the rest; not what was said once they were gone.
    expect(replies).not.toContain("m-secret-after");
    await untouched();
  });

  it("are NOT_FOUND to a DM outsider", async () => {
    const targets = { dm: world.dmMessage };
    const { results, replies } = await tryMessages(outsider, targets);
    expect(results).toEqual(every(targets, () => "NOT_FOUND/NOT_FOUND"));
    for (const secret of [...SECRETS, owner.username, member.username]) expect(replies).not.toContain(secret);
    await untouched();
  });

  it("are FORBIDDEN writes to a public room's non-member, who may read its reactors as its history, but not its revisions", async () => {
    const targets = { public: world.publicMessage };
    const { results } = await tryMessages(outsider, targets);
    expect(results).toEqual(every(targets, (path) => (path === "messages.reactions" ? "OK/OK" : "FORBIDDEN/FORBIDDEN")));
    await untouched();
  });
});

describe("the thread variants of the room procedures", () => {
  const tryThread = async (u: TestUser, roomId: number, threadId: number) => {
    const cast = { owner, outsider: u };
    const calls = threadProcedures.map((p) => ({ p, input: { ...(roomSamples[p.path]?.(roomId, cast) as object), threadId } }));
    return attempt(server, u.accessToken, calls);
  };
  const notFound = () => Object.fromEntries(threadProcedures.map((p) => [p.path, "NOT_FOUND/NOT_FOUND"]));

  it("are NOT_FOUND with a private room's thread to its non-member and its removed member, and with a DM's to its outsider", async () => {
    const cases: [string, TestUser, number, number][] = [
      ["non-member", outsider, world.roomId, world.root.id],
      ["removed member", member, world.roomId, world.root.id],
      ["DM outsider", outsider, world.dmId, world.dmMessage.id],
    ];
    for (const [who, u, roomId, threadId] of cases) {
      const { results, replies } = await tryThread(u, roomId, threadId);
      expect([who, results]).toEqual([who, notFound()]);
      for (const secret of who === "removed member" ? ["m-secret-after"] : SECRETS) expect(replies).not.toContain(secret);
    }
    await untouched();
  });
});
