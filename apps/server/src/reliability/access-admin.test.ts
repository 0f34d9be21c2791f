import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountProcedures, attempt, procedures, sampleInput, serverAdminPaths } from "../test/access-matrix.ts";
import { codeOf, httpApi, registerUser, signInAdmin, type TestServer, type TestUser, startTestServer } from "../test/harness.ts";
import { openWire } from "../test/wire.ts";

/**
 * The server-admin procedures in the access matrix (issue 18): a member gets
 * FORBIDDEN on every one, over HTTP and WebSocket, and a deactivated
 * account's token (already issued, its socket already open) gets
 * UNAUTHORIZED on every procedure there is. Across nodes:
 * cluster/deactivation.test.ts.
 */

let server: TestServer;
let admin: TestUser;
beforeAll(async () => {
  server = await startTestServer();
  admin = await signInAdmin(server);
});
afterAll(() => server.dispose());

const paths = (list: { p: { path: string } }[]) => list.map((c) => c.p.path);

describe("server-admin procedures", () => {
  it("are each classified, and FORBIDDEN to a member over HTTP and WebSocket", async () => {
    expect(serverAdminPaths.length).toBeGreaterThanOrEqual(11);
    // Every admin.* and invites.* procedure of the router is in the list: none can skip this test.
    expect(procedures.filter((p) => /^(admin|invites)\./.test(p.path)).map((p) => p.path).sort()).toEqual([...serverAdminPaths].sort());
    const [owner, outsider] = await Promise.all([registerUser(server, "amember"), registerUser(server, "aother")]);
    const room = await owner.http.rooms.create.mutate({ name: "admin-matrix" });
    const message = await owner.http.messages.send.mutate({ roomId: room.id, content: "hello", clientId: "am1" });
    const calls = procedures
      .filter((p) => serverAdminPaths.includes(p.path))
      .map((p) => ({ p, input: sampleInput(p, { roomId: room.id, messageId: message.id }, { owner, outsider }) }));
    const { results, replies } = await attempt(server, outsider.accessToken, calls);
    expect(results).toEqual(Object.fromEntries(paths(calls).map((path) => [path, "FORBIDDEN/FORBIDDEN"])));
    expect(replies).not.toContain("root@example.com");
    // Nothing changed: the member is still a member, the owner still active, no invite exists, nothing was audited.
    const users = await admin.http.admin.users.list.query({ query: "amember" });
    expect(users.items.map((u) => [u.username, u.role, u.deactivatedAt])).toEqual([[owner.username, "member", null]]);
    expect(await admin.http.invites.list.query()).toEqual([]);
    expect((await admin.http.admin.audit.list.query()).items).toEqual([]);
  });

  it("answer a server admin", async () => {
    expect((await admin.http.admin.users.list.query()).items[0]).toMatchObject({ username: "root", role: "admin", deactivatedAt: null });
    expect(await admin.http.admin.settings.get.query()).toEqual({ registration: "open", emailDomains: [] });
    const wire = openWire(server, { token: admin.accessToken });
    const reply = await wire.call("query", "admin.audit.list", {});
    wire.close();
    expect(reply.error).toBeUndefined();
  });
});

describe("a deactivated account", () => {
  it("is UNAUTHORIZED on every procedure with a token issued before, on its open socket and on a new one, and cannot sign in", async () => {
    const [victim, other] = await Promise.all([registerUser(server, "deact"), registerUser(server, "deactpeer")]);
    const room = await victim.http.rooms.create.mutate({ name: "deact-room" });
    const message = await victim.http.messages.send.mutate({ roomId: room.id, content: "my words stay", clientId: "d1" });
    await other.http.rooms.join.mutate({ roomId: room.id });
    const open = openWire(server, { token: victim.accessToken });
    expect((await open.call("query", "auth.me")).error).toBeUndefined();

    const done = await admin.http.admin.users.deactivate.mutate({ userId: victim.id });
    expect(done.deactivatedAt).not.toBeNull();
    // The socket that was open is closed as a logout (4001), so the client stops retrying with that session.
    expect((await open.closed).code).toBe(4001);

    const guarded = procedures.filter((p) => accountProcedures[p.path] !== "public");
    const { results } = await attempt(
      server,
      victim.accessToken,
      guarded.map((p) => ({ p, input: sampleInput(p, { roomId: room.id, messageId: message.id }, { owner: other, outsider: victim }) })),
    );
    const expected = (type: string) => (type === "subscription" ? "METHOD_NOT_SUPPORTED/UNAUTHORIZED" : "UNAUTHORIZED/UNAUTHORIZED");
    expect(results).toEqual(Object.fromEntries(guarded.map((p) => [p.path, expected(p.type)])));
    expect(await codeOf(httpApi(server).auth.login.mutate({ username: victim.username, password: "correct horse" }))).toBe("UNAUTHORIZED");
    expect(await codeOf(httpApi(server).auth.refresh.mutate({ refreshToken: victim.refreshToken }))).toBe("UNAUTHORIZED");

    // Their messages stay, marked as from a deactivated account.
    const history = await other.http.messages.list.query({ roomId: room.id });
    expect(history.items.find((m) => m.id === message.id)?.sender).toEqual({ id: victim.id, username: victim.username, displayName: null, isBot: false, overrideName: null, deactivated: true });

    // Reactivated, they sign in again (the old sessions stay revoked).
    await admin.http.admin.users.reactivate.mutate({ userId: victim.id });
    expect(await codeOf(httpApi(server, victim.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
    const back = await httpApi(server).auth.login.mutate({ username: victim.username, password: "correct horse" });
    expect((await httpApi(server, back.accessToken).messages.list.query({ roomId: room.id })).items.find((m) => m.id === message.id)?.sender).toEqual({
      id: victim.id,
      username: victim.username,
      displayName: null,
      isBot: false,
      overrideName: null,
    });
    const actions = (await admin.http.admin.audit.list.query()).items.map((a) => [a.action, a.actor.username, a.target]);
    expect(actions.slice(0, 2)).toEqual([
      ["user.reactivate", "root", { type: "user", id: String(victim.id) }],
      ["user.deactivate", "root", { type: "user", id: String(victim.id) }],
    ]);
  });
});

describe("server roles", () => {
  it("make the first account of a fresh server its admin, and anyone named in PARLEY_ADMINS", async () => {
    const fresh = await startTestServer({ PARLEY_ADMINS: "Boss-Lady, other" }, undefined, {}, { seedAdmin: false });
    try {
      const register = (username: string) =>
        httpApi(fresh).auth.register.mutate({ username, email: `${username}@example.com`, password: "correct horse" });
      const first = await register("founder");
      const second = await register("joiner");
      const named = await register("boss-lady");
      expect([first.user.role, second.user.role, named.user.role]).toEqual(["admin", "member", "admin"]);
      expect(await codeOf(httpApi(fresh, second.accessToken).admin.users.list.query())).toBe("FORBIDDEN");
      expect(await codeOf(httpApi(fresh, named.accessToken).admin.users.list.query())).toBe("OK");
    } finally {
      await fresh.dispose();
    }
  });

  it("change at once, and a server keeps one active admin", async () => {
    const u = await registerUser(server, "promoted");
    const wire = openWire(server, { token: u.accessToken });
    expect((await wire.call("query", "admin.settings.get")).error?.data?.code).toBe("FORBIDDEN");
    await admin.http.admin.users.setRole.mutate({ userId: u.id, role: "admin" });
    // The same socket, the same token: the role is read on every call.
    expect((await wire.call("query", "admin.settings.get")).error).toBeUndefined();
    await admin.http.admin.users.setRole.mutate({ userId: u.id, role: "member" });
    expect((await wire.call("query", "admin.settings.get")).error?.data?.code).toBe("FORBIDDEN");
    wire.close();
    expect(await codeOf(admin.http.admin.users.setRole.mutate({ userId: admin.id, role: "member" }))).toBe("CONFLICT");
    expect(await codeOf(admin.http.admin.users.deactivate.mutate({ userId: admin.id }))).toBe("CONFLICT");
  });

  it("let a server admin delete any message and manage any room, orphaned or private, and audit it", async () => {
    const owner = await registerUser(server, "orphaner");
    const secret = await owner.http.rooms.create.mutate({ name: "not-for-admins", isPrivate: true });
    const said = await owner.http.messages.send.mutate({ roomId: secret.id, content: "to be moderated", clientId: "o1" });
    const lobby = await owner.http.rooms.create.mutate({ name: "orphaned-lobby" });
    await owner.http.rooms.leave.mutate({ roomId: lobby.id });

    // Managing a private room does not make its history readable.
    expect(await codeOf(admin.http.messages.list.query({ roomId: secret.id }))).toBe("NOT_FOUND");
    expect((await admin.http.messages.delete.mutate({ messageId: said.id })).deletedAt).not.toBeNull();
    await admin.http.rooms.update.mutate({ roomId: secret.id, description: "moderated" });
    // The orphaned room (no members, so no admin) can be given one.
    await admin.http.rooms.addMember.mutate({ roomId: lobby.id, username: owner.username });
    expect((await owner.http.rooms.members.query({ roomId: lobby.id })).map((m) => [m.userId, m.isAdmin])).toEqual([[owner.id, true]]);
    await admin.http.rooms.delete.mutate({ roomId: lobby.id });
    expect(await codeOf(owner.http.rooms.get.query({ roomId: lobby.id }))).toBe("NOT_FOUND");

    const actions = (await admin.http.admin.audit.list.query({ limit: 3 })).items.map((a) => [a.action, a.target.type, a.detail.asServerAdmin ?? a.detail.by]);
    expect(actions).toEqual([
      ["room.delete", "room", true],
      ["room.update", "room", true],
      ["message.delete", "message", "server admin"],
    ]);
  });
});
