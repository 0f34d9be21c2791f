import type { AppRouter } from "@parley/api";
import { createTRPCClient, httpBatchStreamLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpApi, registerUser, type TestServer, type TestUser, startTestServer, wsApi } from "./test/harness.ts";

/**
 * `rooms.list` is served from JSON text built by the database on SQLite (api pre-encoded.ts, db
 * queries/rooms-json.ts) and from objects on PostgreSQL (this file runs in both projects). Whichever
 * way a client calls it (our WebSocket encoder, tRPC's HTTP adapter, its jsonl batch stream), the
 * rooms it gets are the same.
 */

let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
});
afterAll(() => server.dispose());

describe("rooms.list over every transport", () => {
  it("gives the same items over the WebSocket, HTTP and the batch stream, DM members and read state included", async () => {
    const a = httpApi(server, alice.accessToken);
    const pub = await a.rooms.create.mutate({ name: "wire-public", description: 'with "quotes"\nand a line' });
    await a.rooms.create.mutate({ name: "wire-private", isPrivate: true });
    const b = httpApi(server, bob.accessToken);
    await b.rooms.join.mutate({ roomId: pub.id });
    await a.messages.send.mutate({ roomId: pub.id, content: `hello @${bob.username}`, clientId: "w-1" });
    const dm = await b.dms.open.mutate({ userIds: [alice.id] });
    await b.messages.send.mutate({ roomId: dm.id, content: "psst", clientId: "w-2" });
    await a.rooms.setNotifications.mutate({ roomId: pub.id, level: "all", muted: true });

    const ws = wsApi(server, alice.accessToken);
    const stream = createTRPCClient<AppRouter>({
      links: [httpBatchStreamLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${alice.accessToken}` } })],
    });
    try {
      const overHttp = await a.rooms.list.query();
      const overWs = await ws.api.rooms.list.query();
      const overStream = await stream.rooms.list.query();
      expect(overWs).toStrictEqual(overHttp);
      expect(overStream).toStrictEqual(overHttp);
      // What alice sees: both her rooms and the DM named by its members, with its unread message.
      const names = overWs.map((r) => r.name);
      expect(names).toContain("wire-public");
      expect(names).toContain("wire-private");
      const dmItem = overWs.find((r) => r.id === dm.id);
      expect(dmItem?.members?.map((m) => m.id).sort()).toStrictEqual([alice.id, bob.id].sort());
      expect(dmItem).toMatchObject({ kind: "dm", isMember: true, unreadCount: 1, mentionCount: 1, badgeCount: 1 });
      const pubItem = overWs.find((r) => r.id === pub.id);
      expect(pubItem).toMatchObject({ description: 'with "quotes"\nand a line', muted: true, notifyLevel: "all", memberCount: 2, unreadCount: 0 });
      expect(pubItem && "members" in pubItem).toBe(false);
      // Bob's page: his mention in the public room counts, and alice's private room is not in it.
      const bobs = await b.rooms.list.query({ limit: 500 });
      expect(bobs.map((r) => r.name)).not.toContain("wire-private");
      expect(bobs.find((r) => r.id === pub.id)).toMatchObject({ isMember: true, mentionCount: 1 });
      // Paging: after the public room, the page starts past it.
      const after = await ws.api.rooms.list.query({ after: pub.id, limit: 1 });
      expect(after.length).toBe(1);
      expect(after[0]?.id).toBeGreaterThan(pub.id);
    } finally {
      await ws.close();
    }
  });
});
