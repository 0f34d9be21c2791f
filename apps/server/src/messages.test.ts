import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, registerUser, type TestServer, type TestUser, startTestServer } from "./test/harness.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let roomId: number;
beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
  [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
  roomId = (await alice.http.rooms.create.mutate({ name: "chat" })).id;
  await bob.http.rooms.join.mutate({ roomId });
});
afterAll(() => server.dispose());

// Through the server's own database handle, so the suite runs on SQLite and PostgreSQL alike.
const storedWithClientId = async (clientId: string) =>
  (await server.svc.db.selectFrom("messages").select("id").where("client_id", "=", clientId).execute()).length;

describe("messages", () => {
  it("stores a message and returns it with its sender", async () => {
    // Leading spaces are the writer's (indented code); blank lines before and trailing whitespace are not kept.
    const m = await alice.http.messages.send.mutate({ roomId, content: "\n  \n  hello  \n", clientId: "m-1" });
    expect(m).toMatchObject({ roomId, kind: "text", content: "  hello", sender: { id: alice.id, username: alice.username }, clientId: "m-1" });
  });

  it("stores a clientId once however often it is sent, sequentially or concurrently", async () => {
    const first = await alice.http.messages.send.mutate({ roomId, content: "once", clientId: "idem-1" });
    const again = await alice.http.messages.send.mutate({ roomId, content: "once", clientId: "idem-1" });
    expect(again).toEqual(first);
    const burst = await Promise.all(
      Array.from({ length: 5 }, () => alice.http.messages.send.mutate({ roomId, content: "burst", clientId: "idem-2" })),
    );
    expect(new Set(burst.map((m) => m.id)).size).toBe(1);
    expect(await storedWithClientId("idem-2")).toBe(1);
    // Another user's identical clientId is their own message.
    const bobs = await bob.http.messages.send.mutate({ roomId, content: "mine", clientId: "idem-1" });
    expect(bobs.id).not.toBe(first.id);
  });

  it("refuses to reuse a clientId in another room", async () => {
    const other = await alice.http.rooms.create.mutate({ name: "other" });
    await alice.http.messages.send.mutate({ roomId, content: "x", clientId: "moved" });
    expect(await codeOf(alice.http.messages.send.mutate({ roomId: other.id, content: "x", clientId: "moved" }))).toBe("CONFLICT");
  });

  it("accepts 4,000 characters and refuses 4,001 or an empty message", async () => {
    expect(await codeOf(alice.http.messages.send.mutate({ roomId, content: "a".repeat(4000), clientId: "max" }))).toBe("OK");
    expect(await codeOf(alice.http.messages.send.mutate({ roomId, content: "😀".repeat(4000), clientId: "emoji" }))).toBe("OK");
    expect(await codeOf(alice.http.messages.send.mutate({ roomId, content: "a".repeat(4001), clientId: "over" }))).toBe("BAD_REQUEST");
    expect(await codeOf(alice.http.messages.send.mutate({ roomId, content: " \n\t ", clientId: "blank" }))).toBe("BAD_REQUEST");
    expect((await storedWithClientId("over")) + (await storedWithClientId("blank"))).toBe(0);
  });

  it("stores a message that looks like markup as plain text", async () => {
    const xss = `<img src=x onerror="alert(1)"><script>alert(2)</script>`;
    const m = await alice.http.messages.send.mutate({ roomId, content: xss, clientId: "xss" });
    expect(m.content).toBe(xss);
  });

  it("pages back through 120 messages with no gap or overlap", async () => {
    const room = await alice.http.rooms.create.mutate({ name: "long" });
    const sent: number[] = [];
    for (let i = 0; i < 120; i++) {
      sent.push((await alice.http.messages.send.mutate({ roomId: room.id, content: `n${i}`, clientId: `long-${i}` })).id);
    }
    const seen: number[] = [];
    let before: number | null = null;
    let pages = 0;
    do {
      const page = await alice.http.messages.list.query({ roomId: room.id, before, limit: 50 });
      const ids = page.items.map((m) => m.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      seen.unshift(...ids);
      before = page.nextCursor;
      pages++;
    } while (before !== null);
    // 1 system message ("created the room") + 120.
    expect(seen.length).toBe(121);
    expect(seen.slice(1)).toEqual(sent);
    expect(pages).toBe(3);
    const latest = await alice.http.messages.list.query({ roomId: room.id });
    expect(latest.items).toHaveLength(50);
    expect(latest.items.at(-1)?.content).toBe("n119");
    expect(await codeOf(alice.http.messages.list.query({ roomId: room.id, limit: 101 }))).toBe("BAD_REQUEST");
  });
});

describe("send rate limit", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ SEND_RATE_BURST: "5", SEND_RATE_PER_SEC: "1" });
  });
  afterAll(() => limited.dispose());

  it("answers a flood with TOO_MANY_REQUESTS, stores nothing extra, and leaves other users alone", async () => {
    const [a, b] = await Promise.all([registerUser(limited, "flood"), registerUser(limited, "calm")]);
    const r = await a.http.rooms.create.mutate({ name: "flood" });
    await b.http.rooms.join.mutate({ roomId: r.id });
    const codes = [];
    for (let i = 0; i < 8; i++) codes.push(await codeOf(a.http.messages.send.mutate({ roomId: r.id, content: `f${i}`, clientId: `f${i}` })));
    expect(codes.filter((c) => c === "OK")).toHaveLength(5);
    expect(codes.slice(5)).toEqual(["TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
    // A retry of an acknowledged message still answers (idempotency before the limit).
    expect(await codeOf(a.http.messages.send.mutate({ roomId: r.id, content: "f0", clientId: "f0" }))).toBe("OK");
    expect(await codeOf(b.http.messages.send.mutate({ roomId: r.id, content: "hi", clientId: "b0" }))).toBe("OK");
    const texts = (await a.http.messages.list.query({ roomId: r.id })).items.filter((m) => m.kind === "text");
    expect(texts.map((m) => m.content)).toEqual(["f0", "f1", "f2", "f3", "f4", "hi"]);
  });
});
