import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { codeOf, type Recorder, record, registerUser, type TestServer, type TestUser, startTestServer, type WsApi, wsApi } from "./test/harness.ts";

/**
 * Room rules at their edges: updates that change nothing, text that shows
 * nothing, names that read in another order than stored, rooms nobody can
 * administer, and the limits on creating and listing rooms.
 */

let server: TestServer;
const open: (WsApi | Recorder)[] = [];
beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000", ROOM_CREATE_BURST: "1000" });
});
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
});
afterAll(() => server.dispose());

function listen(u: TestUser): Recorder {
  const c = wsApi(server, u.accessToken);
  const r = record(c.api);
  open.push(c, r);
  return r;
}

/** Each alone shows nothing: default-ignorable code points, whitespace, controls, the blank Braille pattern. */
const INVISIBLE = [
  "\u200b", // zero-width space
  "\u200c\u200d", // zero-width non-joiner, joiner
  "\u2060", // word joiner
  "\ufeff", // BOM
  "\u00ad", // soft hyphen
  "\u202e", // right-to-left override
  "\u2066\u2069", // left-to-right isolate, pop
  "\u200e\u200f\u061c", // LRM, RLM, ALM
  "\u034f", // combining grapheme joiner
  "\u115f\u1160\u3164\uffa0", // Hangul fillers
  "\ufe0f", // variation selector
  "\u{e0041}\u{e007f}", // tag characters
  "\u180e", // Mongolian vowel separator
  "\u2800", // Braille pattern blank
  "\u0007\u001b", // controls
  " \u200b\t\u3000\u2060 ",
];

describe("rooms.update", () => {
  it("refuses an update with nothing to change with BAD_REQUEST, and still serves", async () => {
    const owner = await registerUser(server, "upd");
    const room = await owner.http.rooms.create.mutate({ name: "unchanged" });
    expect(await codeOf(owner.http.rooms.update.mutate({ roomId: room.id }))).toBe("BAD_REQUEST");
    expect(await codeOf(owner.http.rooms.update.mutate({ roomId: room.id, name: undefined }))).toBe("BAD_REQUEST");
    expect(await owner.http.rooms.get.query({ roomId: room.id })).toMatchObject({ name: "unchanged" });
  });

  it("writes no event when the values are already those", async () => {
    const owner = await registerUser(server, "same");
    const room = await owner.http.rooms.create.mutate({ name: "same", description: "d" });
    const stream = listen(owner);
    await stream.waitFor((e) => e.type === "ready");
    await owner.http.rooms.update.mutate({ roomId: room.id, name: "same", description: "d", isPrivate: false });
    await owner.http.rooms.update.mutate({ roomId: room.id, name: "changed" });
    // The second update's event is the sync point: the first one wrote nothing before it.
    await stream.waitFor((e) => e.type === "room.updated" && e.room.name === "changed");
    expect(stream.events.filter((e) => e.type === "room.updated").length).toBe(1);
  });
});

describe("text that shows nothing", () => {
  it("refuses room names, descriptions and messages made only of invisible characters, and stores nothing", async () => {
    const owner = await registerUser(server, "inv");
    const room = await owner.http.rooms.create.mutate({ name: "visible" });
    const roomsBefore = (await owner.http.rooms.list.query()).length;
    const results: string[] = [];
    for (const [i, text] of INVISIBLE.entries()) {
      const label = JSON.stringify(text);
      results.push(`${label} create name: ${await codeOf(owner.http.rooms.create.mutate({ name: text }))}`);
      results.push(`${label} rename: ${await codeOf(owner.http.rooms.update.mutate({ roomId: room.id, name: text }))}`);
      // Whitespace alone (the BOM counts, as for String.prototype.trim) trims to an empty description, which is allowed.
      if (text.trim() !== "") {
        results.push(`${label} create description: ${await codeOf(owner.http.rooms.create.mutate({ name: `n${i}`, description: text }))}`);
        results.push(`${label} describe: ${await codeOf(owner.http.rooms.update.mutate({ roomId: room.id, description: text }))}`);
      }
      results.push(`${label} send: ${await codeOf(owner.http.messages.send.mutate({ roomId: room.id, content: text, clientId: `inv${i}` }))}`);
    }
    expect(results.filter((r) => !r.endsWith("BAD_REQUEST"))).toEqual([]);
    expect((await owner.http.rooms.list.query()).length).toBe(roomsBefore);
    expect(await owner.http.rooms.get.query({ roomId: room.id })).toMatchObject({ name: "visible", description: "" });
    const texts = (await owner.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text");
    expect(texts).toEqual([]);
  });

  it("refuses NUL in names, descriptions and messages (PostgreSQL cannot store it), and stores nothing", async () => {
    const owner = await registerUser(server, "nul");
    const room = await owner.http.rooms.create.mutate({ name: "nul-free" });
    const codes = [
      await codeOf(owner.http.rooms.create.mutate({ name: "a\u0000b" })),
      await codeOf(owner.http.rooms.update.mutate({ roomId: room.id, description: "a\u0000b" })),
      await codeOf(owner.http.messages.send.mutate({ roomId: room.id, content: "a\u0000b", clientId: "nul1" })),
    ];
    expect(codes).toEqual(["BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST"]);
    const texts = (await owner.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text");
    expect(texts).toEqual([]);
  });

  it("keeps text where invisible characters sit among visible ones, and an empty description", async () => {
    const owner = await registerUser(server, "vis");
    const family = "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}";
    const room = await owner.http.rooms.create.mutate({ name: `${family} \u063a\u0631\u0641\u0629`, description: "" });
    expect(room.name).toBe(`${family} \u063a\u0631\u0641\u0629`);
    const sent = await owner.http.messages.send.mutate({ roomId: room.id, content: "a\u200bb \u202eright", clientId: "v1" });
    expect(sent.content).toBe("a\u200bb \u202eright");
    const described = await owner.http.rooms.update.mutate({ roomId: room.id, description: "\u05e9\u05dc\u05d5\u05dd \u2067x\u2069" });
    expect(described.description).toBe("\u05e9\u05dc\u05d5\u05dd \u2067x\u2069");
  });

  it("refuses bidi embeddings, overrides, isolates and marks in room names", async () => {
    const owner = await registerUser(server, "bidi");
    const room = await owner.http.rooms.create.mutate({ name: "plain" });
    const names = ["invoice\u202egpj.exe", "a\u202ab", "a\u202bb\u202c", "a\u202db", "x\u2066y\u2069", "x\u2067y", "x\u2068y\u2069", "x\u200ey", "x\u200fy", "x\u061cy"];
    const results: string[] = [];
    for (const name of names) {
      results.push(`${JSON.stringify(name)} create: ${await codeOf(owner.http.rooms.create.mutate({ name }))}`);
      results.push(`${JSON.stringify(name)} rename: ${await codeOf(owner.http.rooms.update.mutate({ roomId: room.id, name }))}`);
    }
    expect(results.filter((r) => !r.endsWith("BAD_REQUEST"))).toEqual([]);
    expect((await owner.http.rooms.get.query({ roomId: room.id })).name).toBe("plain");
  });
});

describe("a room always has someone who can administer it", () => {
  it("makes the next member to join an emptied public room its admin, with the event that says so", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "empty-a"), registerUser(server, "empty-b")]);
    const room = await alice.http.rooms.create.mutate({ name: "left behind" });
    await alice.http.rooms.leave.mutate({ roomId: room.id });
    expect(await alice.http.rooms.get.query({ roomId: room.id })).toMatchObject({ memberCount: 0 });
    const stream = listen(bob);
    await stream.waitFor((e) => e.type === "ready");
    await bob.http.rooms.join.mutate({ roomId: room.id });
    await stream.waitFor((e) => e.type === "member.admin" && e.roomId === room.id && e.userId === bob.id && e.isAdmin);
    expect(await bob.http.rooms.get.query({ roomId: room.id })).toMatchObject({ isMember: true, isAdmin: true });
    // …and can administer it.
    await bob.http.rooms.update.mutate({ roomId: room.id, description: "mine now" });
  });

  it("promotes the longest-standing member when the only admin leaves others behind", async () => {
    const [alice, bob, carol] = await Promise.all([registerUser(server, "heir-a"), registerUser(server, "heir-b"), registerUser(server, "heir-c")]);
    const room = await alice.http.rooms.create.mutate({ name: "succession" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    await carol.http.rooms.join.mutate({ roomId: room.id });
    const stream = listen(carol);
    await stream.waitFor((e) => e.type === "ready");
    await alice.http.rooms.leave.mutate({ roomId: room.id });
    await stream.waitFor((e) => e.type === "member.left" && e.userId === alice.id);
    expect(stream.events.some((e) => e.type === "member.admin" && e.userId === bob.id && e.isAdmin)).toBe(true);
    const members = await carol.http.rooms.members.query({ roomId: room.id });
    expect(members.map((m) => [m.userId, m.isAdmin])).toEqual([
      [bob.id, true],
      [carol.id, false],
    ]);
  });

  it("deletes a private room its last member leaves, with room.deleted to the leaver", async () => {
    const alice = await registerUser(server, "last-out");
    const room = await alice.http.rooms.create.mutate({ name: "lonely", isPrivate: true });
    const stream = listen(alice);
    await stream.waitFor((e) => e.type === "ready");
    await alice.http.rooms.leave.mutate({ roomId: room.id });
    await stream.waitFor((e) => e.type === "room.deleted" && e.roomId === room.id);
    expect(await codeOf(alice.http.rooms.get.query({ roomId: room.id }))).toBe("NOT_FOUND");
    const row = await server.svc.db.selectFrom("rooms").select("deleted_at").where("id", "=", room.id).executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    // History stays (soft delete), as for a room an admin deletes.
    const messages = await server.svc.db.selectFrom("messages").select("id").where("room_id", "=", room.id).execute();
    expect(messages.length).toBeGreaterThan(0);
  });
});

describe("limits on creating and listing rooms", () => {
  it("refuses rooms.create past the per-user burst with TOO_MANY_REQUESTS, other users unaffected", async () => {
    const s = await startTestServer({ ROOM_CREATE_BURST: "3", ROOM_CREATE_PER_HOUR: "1", DEFAULT_ROOM: "" });
    try {
      const [alice, bob] = await Promise.all([registerUser(s, "burst-a"), registerUser(s, "burst-b")]);
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) codes.push(await codeOf(alice.http.rooms.create.mutate({ name: `r${i}` })));
      expect(codes).toEqual(["OK", "OK", "OK", "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
      expect((await alice.http.rooms.list.query()).length).toBe(3);
      expect(await codeOf(bob.http.rooms.create.mutate({ name: "bob's" }))).toBe("OK");
    } finally {
      await s.dispose();
    }
  });

  it("pages rooms.list in id order; without input it still returns the list", async () => {
    const [alice, bob] = await Promise.all([registerUser(server, "page-a"), registerUser(server, "page-b")]);
    const created: number[] = [];
    for (let i = 0; i < 7; i++) created.push((await alice.http.rooms.create.mutate({ name: `page ${i}`, isPrivate: i % 3 === 0 })).id);
    const all = (await bob.http.rooms.list.query()).map((r) => r.id);
    const pages: number[][] = [];
    let after: number | undefined;
    for (;;) {
      const page = await bob.http.rooms.list.query({ limit: 2, ...(after === undefined ? {} : { after }) });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(2);
      pages.push(page.map((r) => r.id));
      after = page[page.length - 1]?.id;
    }
    expect(pages.flat()).toEqual(all);
    // Bob sees the public ones only, in both.
    expect(all.filter((id) => created.includes(id))).toEqual(created.filter((_, i) => i % 3 !== 0));
    expect(await codeOf(bob.http.rooms.list.query({ limit: 0 }))).toBe("BAD_REQUEST");
    expect(await codeOf(bob.http.rooms.list.query({ limit: 501 }))).toBe("BAD_REQUEST");
  });
});

