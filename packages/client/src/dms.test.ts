import { describe, expect, test } from "vitest";
import { useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import { ChaosProxy } from "./test/proxy.ts";

const t = useDisposer();

describe("openDm", () => {
  test("gives both people the same room, where messages reach the other", async () => {
    const s = await t.server();
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    const a = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(s.url, bob));
    await Promise.all([a.ready, b.ready]);
    const joined: number[] = [];
    b.events.on("member.joined", (e) => e.room.kind === "dm" && joined.push(e.roomId));
    const seen: string[] = [];
    b.events.on("message.created", (e) => seen.push(`${e.roomId}:${e.message.content}`));

    const dm = await a.openDm([bob.user.id]);
    expect(dm).toMatchObject({ kind: "dm", memberCount: 2 });
    expect(dm.members.map((m) => m.username).sort()).toEqual([alice.user.username, bob.user.username].sort());
    expect((await b.openDm([alice.user.id])).id).toBe(dm.id);
    await waitFor(() => joined.includes(dm.id), 5000, "bob told of the DM");
    await a.send(dm.id, "just between us");
    await waitFor(() => seen.includes(`${dm.id}:just between us`), 5000, "bob gets the DM");
  });

  test("is asked again when the connection drops before the answer, and still opens one room", async () => {
    const s = await t.server();
    const proxy = new ChaosProxy(() => s.port);
    await proxy.listen();
    t.add(() => proxy[Symbol.asyncDispose]());
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    const a = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(proxy.url, bob));
    await Promise.all([a.ready, b.ready]);

    // The server opens the room, but its answer never reaches bob; then the link is cut.
    proxy.stalled = true;
    const opening = b.openDm([alice.user.id]);
    const dmsOfAlice = async () => (await a.api.rooms.list.query()).filter((r) => r.kind === "dm");
    for (const deadline = Date.now() + 5000; (await dmsOfAlice()).length === 0; ) {
      if (Date.now() > deadline) throw new Error("timed out waiting for the DM to open on the server");
      await new Promise((r) => setTimeout(r, 20));
    }
    proxy.dropAll();
    proxy.stalled = false;

    const dm = await opening;
    expect((await dmsOfAlice()).map((r) => r.id)).toEqual([dm.id]);
    expect(proxy.drops).toBeGreaterThanOrEqual(1);
  });
});
