import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, registerUser, type TestServer, type TestUser, startTestServer } from "./test/harness.ts";
import { seededRandom } from "./test/random.ts";

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
beforeAll(async () => {
  server = await startTestServer();
  [alice, bob, carol] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "carol")]);
});
afterAll(() => server.dispose());

const systemTexts = async (u: TestUser, roomId: number) =>
  (await u.http.messages.list.query({ roomId })).items.filter((m) => m.kind === "system").map((m) => m.content);

describe("rooms", () => {
  it("makes the creator an admin and member, and lists public rooms to everyone", async () => {
    const room = await alice.http.rooms.create.mutate({ name: "general", description: "talk" });
    const mine = (await alice.http.rooms.list.query()).find((r) => r.id === room.id);
    expect(mine).toMatchObject({ name: "general", isMember: true, isAdmin: true, memberCount: 1, isPrivate: false });
    const theirs = (await bob.http.rooms.list.query()).find((r) => r.id === room.id);
    expect(theirs).toMatchObject({ isMember: false, isAdmin: false, memberCount: 1 });
  });

  it("lets anyone join a public room, with a system message", async () => {
    const room = await alice.http.rooms.create.mutate({ name: "joinable" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    expect((await bob.http.rooms.get.query({ roomId: room.id })).isMember).toBe(true);
    expect(await systemTexts(alice, room.id)).toContain(`${bob.username} joined`);
    const members = await alice.http.rooms.members.query({ roomId: room.id });
    expect(members.map((m) => [m.username, m.isAdmin])).toEqual([
      [alice.username, true],
      [bob.username, false],
    ]);
  });

  it("hides a private room from non-members on every procedure", async () => {
    const secret = await alice.http.rooms.create.mutate({ name: "secret", isPrivate: true });
    const roomId = secret.id;
    expect((await bob.http.rooms.list.query()).some((r) => r.id === roomId)).toBe(false);
    const calls = {
      get: codeOf(bob.http.rooms.get.query({ roomId })),
      members: codeOf(bob.http.rooms.members.query({ roomId })),
      history: codeOf(bob.http.messages.list.query({ roomId })),
      send: codeOf(bob.http.messages.send.mutate({ roomId, content: "hi", clientId: "x1" })),
      typing: codeOf(bob.http.rooms.typing.mutate({ roomId, isTyping: true })),
      join: codeOf(bob.http.rooms.join.mutate({ roomId })),
      leave: codeOf(bob.http.rooms.leave.mutate({ roomId })),
      update: codeOf(bob.http.rooms.update.mutate({ roomId, name: "mine" })),
      delete: codeOf(bob.http.rooms.delete.mutate({ roomId })),
      addMember: codeOf(bob.http.rooms.addMember.mutate({ roomId, username: bob.username })),
    };
    // Every call's outcome is captured at once (codeOf), so none rejects unobserved while another is awaited.
    for (const [name, p] of Object.entries(calls)) expect([name, await p]).toEqual([name, "NOT_FOUND"]);
    // …and is not told apart from a room that does not exist.
    expect(await codeOf(bob.http.rooms.get.query({ roomId: 999_999 }))).toBe("NOT_FOUND");
  });

  it("lets an admin add a member to a private room, who then sees it", async () => {
    const room = await alice.http.rooms.create.mutate({ name: "inner", isPrivate: true });
    await alice.http.rooms.addMember.mutate({ roomId: room.id, username: bob.username.toUpperCase() });
    expect((await bob.http.rooms.list.query()).find((r) => r.id === room.id)?.isMember).toBe(true);
    expect(await codeOf(alice.http.rooms.addMember.mutate({ roomId: room.id, username: bob.username }))).toBe("CONFLICT");
    expect(await codeOf(alice.http.rooms.addMember.mutate({ roomId: room.id, username: "no-such-user" }))).toBe("NOT_FOUND");
  });

  it("keeps admin actions for admins", async () => {
    const room = await alice.http.rooms.create.mutate({ name: "admins-only" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    await carol.http.rooms.join.mutate({ roomId: room.id });
    const roomId = room.id;
    for (const p of [
      codeOf(bob.http.rooms.update.mutate({ roomId, name: "x" })),
      codeOf(bob.http.rooms.delete.mutate({ roomId })),
      codeOf(bob.http.rooms.addMember.mutate({ roomId, username: "someone" })),
      codeOf(bob.http.rooms.removeMember.mutate({ roomId, userId: carol.id })),
      codeOf(bob.http.rooms.setAdmin.mutate({ roomId, userId: bob.id, isAdmin: true })),
    ]) {
      expect(await p).toBe("FORBIDDEN");
    }
    // A non-member of a public room can read it but not speak in it.
    const other = await registerUser(server, "outsider");
    expect(await codeOf(other.http.messages.list.query({ roomId }))).toBe("OK");
    expect(await codeOf(other.http.messages.send.mutate({ roomId, content: "hi", clientId: "o1" }))).toBe("FORBIDDEN");
  });

  it("updates, promotes, removes and deletes, each with a system message", async () => {
    const room = await alice.http.rooms.create.mutate({ name: "ops" });
    const roomId = room.id;
    await bob.http.rooms.join.mutate({ roomId });
    await carol.http.rooms.join.mutate({ roomId });
    const updated = await alice.http.rooms.update.mutate({ roomId, name: "ops-2", description: "new" });
    expect(updated).toMatchObject({ name: "ops-2", description: "new" });
    await alice.http.rooms.setAdmin.mutate({ roomId, userId: bob.id, isAdmin: true });
    expect((await bob.http.rooms.get.query({ roomId })).isAdmin).toBe(true);
    await bob.http.rooms.removeMember.mutate({ roomId, userId: carol.id });
    expect((await carol.http.rooms.get.query({ roomId })).isMember).toBe(false);
    expect(await systemTexts(alice, roomId)).toEqual([
      `${alice.username} created the room`,
      `${bob.username} joined`,
      `${carol.username} joined`,
      `${alice.username} renamed the room from "ops" to "ops-2"`,
      `${alice.username} made ${bob.username} an admin`,
      `${carol.username} was removed by ${bob.username}`,
    ]);
    await alice.http.rooms.delete.mutate({ roomId });
    expect(await codeOf(alice.http.rooms.get.query({ roomId }))).toBe("NOT_FOUND");
    expect((await bob.http.rooms.list.query()).some((r) => r.id === roomId)).toBe(false);
  });

  it("hands admin to the longest-standing member when the last admin leaves", async () => {
    const room = await alice.http.rooms.create.mutate({ name: "heir" });
    await carol.http.rooms.join.mutate({ roomId: room.id });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    await alice.http.rooms.leave.mutate({ roomId: room.id });
    const members = await bob.http.rooms.members.query({ roomId: room.id });
    expect(members.find((m) => m.userId === carol.id)?.isAdmin).toBe(true);
    expect(members.find((m) => m.userId === bob.id)?.isAdmin).toBe(false);
  });

  it("refuses to demote the last admin", async () => {
    const room = await alice.http.rooms.create.mutate({ name: "solo-admin" });
    expect(await codeOf(alice.http.rooms.setAdmin.mutate({ roomId: room.id, userId: alice.id, isAdmin: false }))).toBe("CONFLICT");
  });

  it("validates room input", async () => {
    expect(await codeOf(alice.http.rooms.create.mutate({ name: "   " }))).toBe("BAD_REQUEST");
    expect(await codeOf(alice.http.rooms.create.mutate({ name: "x".repeat(81) }))).toBe("BAD_REQUEST");
    expect(await codeOf(alice.http.rooms.get.query({ roomId: -1 }))).toBe("BAD_REQUEST");
  });

  it("keeps memberCount equal to the room's members through random joins, leaves, adds and removals", async () => {
    const { random } = seededRandom(1425);
    const owner = await registerUser(server, "mcowner");
    const people = await Promise.all(["mc1", "mc2", "mc3", "mc4"].map((n) => registerUser(server, n)));
    const roomsMade = [await owner.http.rooms.create.mutate({ name: "count-a" }), await owner.http.rooms.create.mutate({ name: "count-b", isPrivate: true })];
    const real = async (roomId: number) =>
      Number((await server.svc.db.selectFrom("room_members").select((eb) => eb.fn.countAll().as("n")).where("room_id", "=", roomId).executeTakeFirstOrThrow()).n);
    for (let step = 0; step < 40; step++) {
      const room = roomsMade[Math.floor(random() * roomsMade.length)];
      const who = people[Math.floor(random() * people.length)];
      if (!room || !who) continue;
      const op = Math.floor(random() * 3);
      // Refusals (already a member, not one, a private room) must change no count either.
      if (op === 0) await codeOf(room.isPrivate ? owner.http.rooms.addMember.mutate({ roomId: room.id, username: who.username }) : who.http.rooms.join.mutate({ roomId: room.id }));
      else if (op === 1) await codeOf(who.http.rooms.leave.mutate({ roomId: room.id }));
      else await codeOf(owner.http.rooms.removeMember.mutate({ roomId: room.id, userId: who.id }));
      const listed = (await owner.http.rooms.list.query()).filter((r) => roomsMade.some((m) => m.id === r.id));
      expect(listed.map((r) => [r.id, r.memberCount])).toEqual(await Promise.all(roomsMade.map(async (m) => [m.id, await real(m.id)])));
    }
  });
});
