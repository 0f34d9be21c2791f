import { randomUUID } from "node:crypto";
import type { RouterOutputs } from "@parley/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploaded } from "./test/files.ts";
import { type Api, codeOf, registerUser, type TestServer, type TestUser, startTestServer } from "./test/harness.ts";

/**
 * Message search (issue 15): every operator (a match, a non-match, and with
 * another operator), who may find what, deleted and edited text, CJK and
 * substrings, paging, `messages.around` and `messages.list` `after`. Runs
 * on SQLite and, in the "@parley/server:postgres" project, on PostgreSQL.
 */

type Search = RouterOutputs["messages"]["search"];

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let general: number;
let secret: number;

const send = async (u: TestUser, roomId: number, content: string, threadId?: number) =>
  u.http.messages.send.mutate({ roomId, content, clientId: randomUUID(), ...(threadId ? { threadId } : {}) });
const search = (u: TestUser | Api, query: string, extra: { roomId?: number; limit?: number; cursor?: string | null; sort?: "newest" | "relevance" } = {}) =>
  ("http" in u ? u.http : u).messages.search.query({ query, ...extra });
const ids = (r: Search) => r.items.map((i) => i.message.id);

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { data?: { code?: string }; message: string };
    return { code: err.data?.code ?? "none", message: err.message };
  }
  throw new Error("no error");
}

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000" });
  [alice, bob, carol] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "carol")]);
  general = (await alice.http.rooms.create.mutate({ name: `general-${alice.id}` })).id;
  await bob.http.rooms.join.mutate({ roomId: general });
  secret = (await alice.http.rooms.create.mutate({ name: `secret-${alice.id}`, isPrivate: true })).id;
  await alice.http.rooms.addMember.mutate({ roomId: secret, username: bob.username });
});
afterAll(() => server.dispose());

describe("words, phrases, exclusions and substrings", () => {
  let room: number;
  const m: Record<string, number> = {};
  beforeAll(async () => {
    room = (await alice.http.rooms.create.mutate({ name: `words-${alice.id}` })).id;
    for (const [key, content] of Object.entries({
      deploy: "The deploy failed again",
      deployed: "We deployed the fix",
      cafe: "Meet at the CAFÉ tomorrow",
      phrase: "the red car is fast",
      reversed: "a car that is red",
      json: "Edit db.json and restart",
      jsonish: "db json are two words",
      cjk: "明日は東京タワーに行きます",
      cpp: "I write C++ daily",
      cedilla: "Ç+ va",
    })) {
      m[key] = (await send(alice, room, content)).id;
    }
  });
  const find = async (q: string) => ids(await search(alice, q, { roomId: room })).sort((a, b) => a - b);
  const of = (...keys: string[]) => keys.map((k) => m[k] ?? -1).sort((a, b) => a - b);

  it("matches all words, folding case and diacritics, with a prefix on the last while typing", async () => {
    expect(await find("deploy failed ")).toEqual(of("deploy"));
    expect(await find("deploy")).toEqual(of("deploy", "deployed"));
    expect(await find("deploy ")).toEqual(of("deploy"));
    expect(await find("cafe")).toEqual(of("cafe"));
    expect(await find("café tomorrow")).toEqual(of("cafe"));
    expect(await find("deploy cafe ")).toEqual([]);
  });

  it("matches exact phrases and excludes", async () => {
    expect(await find('"red car"')).toEqual(of("phrase"));
    expect(await find("red car ")).toEqual(of("phrase", "reversed"));
    expect(await find('car -"red car"')).toEqual(of("reversed"));
    expect(await find("deploy -fix")).toEqual(of("deploy"));
    expect(await find("the -car ")).toEqual(of("deploy", "deployed", "cafe"));
  });

  it("finds substrings such as db.json and C++, and CJK inside a sentence", async () => {
    expect(await find("db.json")).toEqual(of("json"));
    expect(await find("json ")).toEqual(of("json", "jsonish"));
    expect(await find("C++")).toEqual(of("cpp"));
    // Shorter than a trigram: still folded for case and diacritics.
    expect(await find("ç+")).toEqual(of("cpp", "cedilla"));
    expect(await find("+ v")).toEqual(of("cedilla"));
    expect(await find("東京")).toEqual(of("cjk"));
    expect(await find("東京タワー")).toEqual(of("cjk"));
    expect(await find("京都")).toEqual([]);
    expect(await find("東京 -db.json")).toEqual(of("cjk"));
    expect(await find("restart -db.json")).toEqual([]);
  });

  it("highlights what matched in the original text", async () => {
    const r = await search(alice, "cafe", { roomId: room });
    const hit = r.items[0];
    expect(hit?.message.content.slice(hit.highlights[0]?.start, hit.highlights[0]?.end)).toBe("CAFÉ");
    expect(hit?.room.id).toBe(room);
    const cjk = (await search(alice, "東京", { roomId: room })).items[0];
    expect(cjk?.highlights).toEqual([{ start: 3, end: 5 }]);
  });
});

describe("filters", () => {
  let room: number;
  let other: number;
  let dm: number;
  const m: Record<string, number> = {};
  beforeAll(async () => {
    room = (await alice.http.rooms.create.mutate({ name: `Filters-${alice.id}` })).id;
    other = (await alice.http.rooms.create.mutate({ name: `other-${alice.id}` })).id;
    await bob.http.rooms.join.mutate({ roomId: room });
    await bob.http.rooms.join.mutate({ roomId: other });
    dm = (await alice.http.dms.open.mutate({ userIds: [bob.id] })).id;
    m.aliceHere = (await send(alice, room, "filterword from alice")).id;
    m.bobHere = (await send(bob, room, "filterword from bob https://example.com/x")).id;
    m.bobOther = (await send(bob, other, "filterword elsewhere")).id;
    m.dm = (await send(bob, dm, `filterword in private @${alice.username}`)).id;
    m.reply = (await send(alice, room, "filterword in a thread", m.aliceHere)).id;
    m.code = (await send(bob, room, `filterword \`@${alice.username}\` in code`)).id;
  });
  const find = async (u: TestUser, q: string) => ids(await search(u, q)).sort((a, b) => a - b);
  const of = (...keys: string[]) => keys.map((k) => m[k] ?? -1).sort((a, b) => a - b);
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

  it("from: a user, combined with in:", async () => {
    expect(await find(alice, `filterword from:${bob.username}`)).toEqual(of("bobHere", "bobOther", "dm", "code"));
    expect(await find(alice, `filterword from:${carol.username}`)).toEqual([]);
    expect(await find(alice, `from:${bob.username} in:other-${alice.id}`)).toEqual(of("bobOther"));
  });

  it("in: a room by name (any case) and in:@user for a DM", async () => {
    expect(await find(alice, `filterword in:filters-${alice.id}`)).toEqual(of("aliceHere", "bobHere", "reply", "code"));
    expect(await find(alice, `elsewhere in:filters-${alice.id}`)).toEqual([]);
    expect(await find(alice, `filterword in:@${bob.username}`)).toEqual(of("dm"));
    expect(await find(bob, `private in:@${alice.username}`)).toEqual(of("dm"));
  });

  it("before:, after: and on: a day", async () => {
    expect(await find(alice, `filterword on:${today} from:${alice.username}`)).toEqual(of("aliceHere", "reply"));
    expect(await find(alice, `filterword before:${today}`)).toEqual([]);
    expect(await find(alice, `filterword after:${yesterday} in:other-${alice.id}`)).toEqual(of("bobOther"));
    expect(await find(alice, `filterword after:${today}`)).toEqual([]);
  });

  it("has:link, is:thread and mentions:me (outside code)", async () => {
    expect(await find(alice, "filterword has:link")).toEqual(of("bobHere"));
    expect(await find(alice, `has:link from:${alice.username}`)).toEqual([]);
    expect(await find(alice, "filterword is:thread")).toEqual(of("aliceHere", "reply"));
    expect(await find(alice, `is:thread from:${bob.username}`)).toEqual([]);
    expect(await find(alice, "mentions:me")).toEqual(of("dm"));
    expect(await find(alice, `mentions:me in:other-${alice.id}`)).toEqual([]);
    expect(await find(bob, "mentions:me filterword")).toEqual([]);
  });

  it("names that resolve to nothing are BAD_REQUEST, not an empty result", async () => {
    expect(await errorOf(search(alice, "from:nobody-at-all"))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("at character 1") });
    expect((await errorOf(search(alice, "x in:no-such-room"))).message).toContain("no room named");
    expect((await errorOf(search(alice, `x in:@${carol.username}`))).message).toContain("no direct messages");
    expect((await errorOf(search(carol, `x in:filters-${alice.id}`))).code).toBe("BAD_REQUEST");
  });
});

describe("has:file", () => {
  let room: number;
  const m: Record<string, number> = {};
  const attach = async (u: TestUser, content: string) => {
    const file = await uploaded(server, u.accessToken, new TextEncoder().encode(content || "bytes"), { name: "notes.txt", contentType: "text/plain" });
    return (await u.http.messages.send.mutate({ roomId: room, content, clientId: randomUUID(), attachments: [file.id] })).id;
  };
  beforeAll(async () => {
    room = (await alice.http.rooms.create.mutate({ name: `files-${alice.id}` })).id;
    await bob.http.rooms.join.mutate({ roomId: room });
    m.plain = (await send(alice, room, "quarterly report draft")).id;
    m.aliceFile = await attach(alice, "quarterly report attached");
    m.bobFile = await attach(bob, "quarterly numbers");
    m.bare = await attach(bob, "");
    m.deleted = await attach(alice, "quarterly report old");
    await alice.http.messages.delete.mutate({ messageId: m.deleted });
  });
  const find = async (q: string) => ids(await search(alice, q, { roomId: room })).sort((a, b) => a - b);
  const of = (...keys: string[]) => keys.map((k) => m[k] ?? -1).sort((a, b) => a - b);

  it("finds messages with an attachment, alone (even with no text) or with words", async () => {
    expect(await find("has:file")).toEqual(of("aliceFile", "bobFile", "bare"));
    expect(await find("quarterly report has:file")).toEqual(of("aliceFile"));
    expect(await find("draft has:file")).toEqual([]);
    expect(await find("draft")).toEqual(of("plain"));
  });

  it("combines with from:, -exclude and has:link", async () => {
    expect(await find(`has:file from:${bob.username}`)).toEqual(of("bobFile", "bare"));
    expect(await find(`has:file from:${carol.username}`)).toEqual([]);
    expect(await find("quarterly has:file -numbers")).toEqual(of("aliceFile"));
    expect(await find("has:file has:link")).toEqual([]);
  });

  it("is found only by who may read the room", async () => {
    expect(ids(await search(carol, "has:file quarterly"))).toEqual([]);
  });
});

describe("who finds what", () => {
  it("an outsider finds nothing of a private room, even naming it", async () => {
    const id = (await send(alice, secret, "launchcode zebra")).id;
    expect(ids(await search(bob, "launchcode"))).toEqual([id]);
    expect(ids(await search(carol, "launchcode"))).toEqual([]);
    expect(await codeOf(search(carol, "launchcode", { roomId: secret }))).toBe("NOT_FOUND");
  });

  it("a removed member stops finding at once", async () => {
    const room = (await alice.http.rooms.create.mutate({ name: `removal-${alice.id}`, isPrivate: true })).id;
    await alice.http.rooms.addMember.mutate({ roomId: room, username: carol.username });
    const id = (await send(alice, room, "removalword here")).id;
    expect(ids(await search(carol, "removalword"))).toEqual([id]);
    await alice.http.rooms.removeMember.mutate({ roomId: room, userId: carol.id });
    expect(ids(await search(carol, "removalword"))).toEqual([]);
    expect(await codeOf(search(carol, "removalword", { roomId: room }))).toBe("NOT_FOUND");
  });

  it("a DM is not found by an outsider; a public room is searched only by its members unless named", async () => {
    const dm = (await alice.http.dms.open.mutate({ userIds: [bob.id] })).id;
    const id = (await send(alice, dm, "dmsecret words")).id;
    expect(ids(await search(bob, "dmsecret"))).toEqual([id]);
    expect(ids(await search(carol, "dmsecret"))).toEqual([]);
    expect(await codeOf(search(carol, "dmsecret", { roomId: dm }))).toBe("NOT_FOUND");
    const pub = (await send(alice, general, "publicword")).id;
    expect(ids(await search(carol, "publicword"))).toEqual([]);
    expect(ids(await search(carol, "publicword", { roomId: general }))).toEqual([pub]);
  });

  it("deleted messages and edited-away text never match; the new text does", async () => {
    const gone = (await send(alice, general, "vanishing ink")).id;
    const edited = (await send(alice, general, "original wording")).id;
    await alice.http.messages.delete.mutate({ messageId: gone });
    await alice.http.messages.edit.mutate({ messageId: edited, content: "replacement phrasing" });
    expect(ids(await search(alice, "vanishing"))).toEqual([]);
    expect(ids(await search(alice, "ink "))).toEqual([]);
    expect(ids(await search(alice, "original"))).toEqual([]);
    expect(ids(await search(alice, "replacement"))).toEqual([edited]);
    // Edited twice, back and forth: the index follows every version.
    await alice.http.messages.edit.mutate({ messageId: edited, content: "original wording" });
    expect(ids(await search(alice, "original"))).toEqual([edited]);
    expect(ids(await search(alice, "replacement"))).toEqual([]);
  });
});

describe("paging", () => {
  it("walks every match newest first with no gap or overlap, and by relevance too", async () => {
    const room = (await alice.http.rooms.create.mutate({ name: `paging-${alice.id}` })).id;
    const sent: number[] = [];
    for (let i = 0; i < 37; i++) sent.push((await send(alice, room, i % 3 === 0 ? `pageword pageword ${i}` : `pageword ${i}`)).id);
    await send(alice, room, "unrelated");
    for (const sort of ["newest", "relevance"] as const) {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: Search = await search(alice, "pageword", { roomId: room, limit: 5, cursor, sort });
        seen.push(...ids(r));
        cursor = r.nextCursor;
        pages++;
      } while (cursor !== null && pages < 20);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((a, b) => a - b)).toEqual(sent);
      if (sort === "newest") expect(seen).toEqual([...sent].reverse());
      expect(pages).toBe(8);
    }
  });

  it("refuses a malformed query or cursor with BAD_REQUEST", async () => {
    expect(await errorOf(search(alice, 'say "hello'))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("at character 5") });
    expect((await errorOf(search(alice, "   "))).code).toBe("BAD_REQUEST");
    expect((await errorOf(search(alice, "x", { cursor: "r5" }))).code).toBe("BAD_REQUEST");
    expect((await errorOf(search(alice, "x", { cursor: "nope" }))).code).toBe("BAD_REQUEST");
  });
});

describe("messages.around and messages.list after", () => {
  it("centres a page on a message with cursors both ways", async () => {
    const room = (await alice.http.rooms.create.mutate({ name: `around-${alice.id}` })).id;
    const sent: number[] = [];
    for (let i = 0; i < 30; i++) sent.push((await send(alice, room, `m${i}`)).id);
    const target = sent[15] ?? 0;
    const page = await alice.http.messages.around.query({ roomId: room, messageId: target, limit: 11 });
    expect(page.items.map((m) => m.id)).toEqual(sent.slice(10, 21));
    expect(page.anchorId).toBe(target);
    const older = await alice.http.messages.list.query({ roomId: room, before: page.prevCursor, limit: 100 });
    const newer = await alice.http.messages.list.query({ roomId: room, after: page.nextCursor, limit: 100 });
    const all = (await alice.http.messages.list.query({ roomId: room, limit: 100 })).items.map((m) => m.id);
    expect([...older.items, ...page.items, ...newer.items].map((m) => m.id)).toEqual(all);
    const forward = await alice.http.messages.list.query({ roomId: room, after: sent[0], limit: 10 });
    expect(forward.items.map((m) => m.id)).toEqual(sent.slice(1, 11));
    expect(forward.nextCursor).toBe(sent[10]);
    const end = await alice.http.messages.around.query({ roomId: room, messageId: sent[29] ?? 0, limit: 5 });
    expect(end.nextCursor).toBeNull();
    expect(await codeOf(alice.http.messages.around.query({ roomId: general, messageId: target }))).toBe("NOT_FOUND");
    expect(await codeOf(carol.http.messages.around.query({ roomId: secret, messageId: target }))).toBe("NOT_FOUND");
  });
});
