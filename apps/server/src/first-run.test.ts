import { afterEach, describe, expect, it } from "vitest";
import { record, registerUser, type TestServer, startTestServer, wsApi } from "./test/harness.ts";

let server: TestServer | null = null;
afterEach(async () => {
  await server?.dispose();
  server = null;
});

describe("first run", () => {
  it("the first account finds a public #general, made with it, and every later account joins it live", async () => {
    server = await startTestServer();
    const first = await registerUser(server, "first");
    const rooms = await first.http.rooms.list.query();
    expect(rooms.map((r) => [r.name, r.isPrivate, r.isMember, r.isAdmin])).toEqual([["general", false, true, true]]);
    const general = rooms[0];
    if (!general) throw new Error("no room");

    const ws = wsApi(server, first.accessToken);
    const seen = record(ws.api);
    try {
      // Positive sync point: the stream is live once it delivers `ready`.
      await seen.waitFor((e) => e.type === "ready");
      const second = await registerUser(server, "second");
      const joined = await seen.waitFor((e) => e.type === "member.joined" && e.member.userId === second.id);
      expect(joined).toMatchObject({ roomId: general.id });
      expect((await second.http.rooms.list.query()).map((r) => [r.id, r.isMember])).toEqual([[general.id, true]]);
      const members = await first.http.rooms.members.query({ roomId: general.id });
      expect(members.map((m) => m.username)).toEqual([first.username, second.username]);
    } finally {
      seen.stop();
      await ws.close();
    }
  });

  it("a #general its admin deleted is not made again, and nobody is put in it", async () => {
    server = await startTestServer();
    const first = await registerUser(server, "owner");
    const [general] = await first.http.rooms.list.query();
    if (!general) throw new Error("no room");
    await first.http.rooms.delete.mutate({ roomId: general.id });
    const later = await registerUser(server, "later");
    expect(await later.http.rooms.list.query()).toEqual([]);
  });

  it("DEFAULT_ROOM names the room, and an empty one turns it off", async () => {
    server = await startTestServer({ DEFAULT_ROOM: "lobby" });
    const a = await registerUser(server, "lob");
    expect((await a.http.rooms.list.query()).map((r) => r.name)).toEqual(["lobby"]);
    await server.dispose();
    server = await startTestServer({ DEFAULT_ROOM: "" });
    const b = await registerUser(server, "none");
    expect(await b.http.rooms.list.query()).toEqual([]);
  });
});
