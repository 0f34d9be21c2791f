import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser, type TestServer, startTestServer } from "./test/harness.ts";

/** `users.exportMine` (issue 18): a user's own data, and nobody else's. */

let server: TestServer;
beforeAll(async () => {
  // No #general (issue 13): the export lists exactly the rooms the test made.
  server = await startTestServer({ DEFAULT_ROOM: "" });
});
afterAll(() => server.dispose());

describe("users.exportMine", () => {
  it("gives the caller their account, rooms, messages with edits and reactions, and nothing of anyone else", async () => {
    const [me, other] = await Promise.all([registerUser(server, "mine"), registerUser(server, "theirs")]);
    const room = await other.http.rooms.create.mutate({ name: "shared room" });
    await me.http.rooms.join.mutate({ roomId: room.id });
    const mine = await me.http.messages.send.mutate({ roomId: room.id, content: "my first words", clientId: "x1" });
    await me.http.messages.edit.mutate({ messageId: mine.id, content: "my words, edited" });
    const theirs = await other.http.messages.send.mutate({ roomId: room.id, content: "their words", clientId: "x2" });
    await me.http.messages.react.mutate({ messageId: theirs.id, emoji: "👍" });
    const secret = await other.http.rooms.create.mutate({ name: "their private room", isPrivate: true });
    await other.http.messages.send.mutate({ roomId: secret.id, content: "their secret", clientId: "x3" });

    const data = await me.http.users.exportMine.query();
    expect(data.user).toMatchObject({ id: me.id, username: me.username, email: `${me.username}@example.com` });
    expect(data.rooms.map((r) => [r.id, r.name, r.isAdmin])).toEqual([[room.id, "shared room", false]]);
    expect(data.messages.map((m) => [m.id, m.content, m.revisions.map((v) => v.content)])).toEqual([[mine.id, "my words, edited", ["my first words"]]]);
    expect(data.reactions).toEqual([{ messageId: theirs.id, emoji: "👍", createdAt: expect.any(Number) }]);
    expect(data.nextCursor).toBeNull();
    const text = JSON.stringify(data);
    for (const absent of ["their words", "their secret", "their private room", "$2", "password"]) expect(text).not.toContain(absent);
  });
});
