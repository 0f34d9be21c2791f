import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountProcedures, attempt, procedures, sampleInput } from "../test/access-matrix.ts";
import { registerUser, type TestServer, startTestServer } from "../test/harness.ts";

/**
 * The access matrix without a session: every procedure the router has, but
 * the public sign-in ones, answers UNAUTHORIZED over HTTP and WebSocket,
 * with valid input naming a private room and its message, and says nothing
 * about them. A subscription over HTTP is refused before anything else
 * (realtime/admission.ts: WebSocket only), so its HTTP code is that refusal.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.dispose());

describe("calls without a session", () => {
  it("are UNAUTHORIZED on every procedure but signing in, over HTTP and WebSocket, and leak nothing", async () => {
    const [owner, outsider] = await Promise.all([registerUser(server, "aowner"), registerUser(server, "aout")]);
    const room = await owner.http.rooms.create.mutate({ name: "anon-secret-room", description: "anon-secret-desc", isPrivate: true });
    const message = await owner.http.messages.send.mutate({ roomId: room.id, content: "anon-secret-msg", clientId: "a1" });
    const at = { roomId: room.id, messageId: message.id };
    const guarded = procedures.filter((p) => accountProcedures[p.path] !== "public");
    expect(guarded.map((p) => p.path)).toEqual(expect.arrayContaining(["dms.open", "users.search", "events.stream", "messages.edit", "rooms.get"]));

    for (const token of [null, "not-a-token"]) {
      const { results, replies } = await attempt(
        server,
        token,
        guarded.map((p) => ({ p, input: sampleInput(p, at, { owner, outsider }) })),
      );
      const expected = (type: string) => (type === "subscription" ? "METHOD_NOT_SUPPORTED/UNAUTHORIZED" : "UNAUTHORIZED/UNAUTHORIZED");
      expect([token, results]).toEqual([token, Object.fromEntries(guarded.map((p) => [p.path, expected(p.type)]))]);
      for (const secret of ["anon-secret", owner.username]) expect(replies).not.toContain(secret);
    }
    // Nothing was written on anyone's behalf.
    const history = await owner.http.messages.list.query({ roomId: room.id });
    expect(history.items.filter((m) => m.kind === "text").map((m) => [m.content, m.rev, m.reactions.length])).toEqual([["anon-secret-msg", 1, 0]]);
    expect((await owner.http.rooms.list.query()).map((r) => r.name)).toEqual(["general", "anon-secret-room"]);
  });
});
