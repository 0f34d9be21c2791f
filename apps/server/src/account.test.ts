import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, httpApi, record, registerUser, type TestServer, startTestServer, wsApi } from "./test/harness.ts";
import { openWire, wireCode } from "./test/wire.ts";

/** Issue 13: one's profile, password and sessions. */

const PASSWORD = "correct horse";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.dispose());

const signIn = (username: string, password = PASSWORD) => httpApi(server).auth.login.mutate({ username, password });

describe("profile", () => {
  it("sets a display name and status, shown in me and the public profile (no e-mail), told live to people who share a room", async () => {
    const [ann, ben] = await Promise.all([registerUser(server, "prof-a"), registerUser(server, "prof-b")]);
    const room = await ann.http.rooms.create.mutate({ name: "prof-room" });
    await ben.http.rooms.join.mutate({ roomId: room.id });
    const ws = wsApi(server, ben.accessToken);
    const seen = record(ws.api);
    try {
      await seen.waitFor((e) => e.type === "ready");
      const me = await ann.http.users.updateProfile.mutate({ displayName: "  Ann Lee ", statusText: "On holiday 🌴" });
      expect(me).toMatchObject({ id: ann.id, username: ann.username, displayName: "Ann Lee", statusText: "On holiday 🌴" });
      const live = await seen.waitFor((e) => e.type === "user.updated" && e.roomId === room.id);
      expect(live).toMatchObject({ user: { id: ann.id, displayName: "Ann Lee", statusText: "On holiday 🌴" } });
      expect(JSON.stringify(live)).not.toContain("@example.com");
      expect(await ann.http.auth.me.query()).toMatchObject({ displayName: "Ann Lee", statusText: "On holiday 🌴" });
      const card = await ben.http.users.profile.query({ userId: ann.id });
      expect(card).toEqual({ id: ann.id, username: ann.username, displayName: "Ann Lee", statusText: "On holiday 🌴", isBot: false, avatarUrl: null, online: false, lastSeen: null });
      // "" clears the display name (the username shows again) and leaves the status as it was.
      expect(await ann.http.users.updateProfile.mutate({ displayName: "" })).toMatchObject({ displayName: null, statusText: "On holiday 🌴" });
    } finally {
      seen.stop();
      await ws.close();
    }
  });

  it("refuses names and statuses that would mislead or break, with BAD_REQUEST, changing nothing", async () => {
    const u = await registerUser(server, "prof-bad");
    for (const input of [{}, { displayName: "x".repeat(65) }, { displayName: "gpj\u202Eexe" }, { statusText: "\u200B" }, { statusText: "a\u0000b" }, { statusText: "y".repeat(141) }]) {
      expect(await codeOf(u.http.users.updateProfile.mutate(input)), JSON.stringify(input)).toBe("BAD_REQUEST");
    }
    expect(await u.http.auth.me.query()).toMatchObject({ displayName: null, statusText: "" });
    expect(await codeOf(u.http.users.profile.query({ userId: 987654 }))).toBe("NOT_FOUND");
  });
});

describe("profile limits", () => {
  it("refuses an eleventh change in a row with TOO_MANY_REQUESTS (each is told in every room), other users unaffected", async () => {
    const [u, other] = await Promise.all([registerUser(server, "prof-lim"), registerUser(server, "prof-lim2")]);
    const codes: string[] = [];
    for (let i = 0; i < 11; i++) codes.push(await codeOf(u.http.users.updateProfile.mutate({ statusText: `status ${i}` })));
    expect(codes).toEqual([...Array<string>(10).fill("OK"), "TOO_MANY_REQUESTS"]);
    expect((await u.http.auth.me.query()).statusText).toBe("status 9");
    expect(await codeOf(other.http.users.updateProfile.mutate({ statusText: "fine" }))).toBe("OK");
  });
});

describe("password and sessions", () => {
  it("a password change revokes every other session: its socket closes (4001) and its tokens stop working; this one stays", async () => {
    const u = await registerUser(server, "pw");
    const other = await signIn(u.username);
    const otherSocket = openWire(server, { token: other.accessToken });
    await otherSocket.opened;
    expect(wireCode(await otherSocket.call("query", "auth.me"))).toBe("OK");

    expect(await codeOf(u.http.auth.changePassword.mutate({ currentPassword: "wrong horse", newPassword: "new battery staple" }))).toBe("FORBIDDEN");
    expect(await codeOf(u.http.auth.changePassword.mutate({ currentPassword: PASSWORD, newPassword: "short" }))).toBe("BAD_REQUEST");
    expect(await u.http.auth.changePassword.mutate({ currentPassword: PASSWORD, newPassword: "new battery staple" })).toEqual({ revokedSessions: 1 });

    expect((await otherSocket.closed).code).toBe(4001);
    expect(await codeOf(httpApi(server, other.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(httpApi(server).auth.refresh.mutate({ refreshToken: other.refreshToken }))).toBe("UNAUTHORIZED");
    expect((await u.http.auth.me.query()).id).toBe(u.id);
    expect(await codeOf(signIn(u.username))).toBe("UNAUTHORIZED");
    expect((await signIn(u.username, "new battery staple")).user.id).toBe(u.id);
  });

  it("lists one's live sessions, newest first, marks this one, and signs out another; someone else's is NOT_FOUND", async () => {
    const u = await registerUser(server, "sess");
    const laptop = await signIn(u.username);
    const listed = await u.http.auth.sessions.query();
    expect(listed).toHaveLength(2);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    expect(listed[0]?.createdAt).toBeGreaterThanOrEqual(listed[1]?.createdAt ?? Number.POSITIVE_INFINITY);
    const laptopSession = listed.find((s) => !s.current);
    if (!laptopSession) throw new Error("no session");
    expect(laptopSession.lastActiveAt).toBeGreaterThanOrEqual(laptopSession.createdAt);

    const stranger = await registerUser(server, "sess-x");
    expect(await codeOf(stranger.http.auth.revokeSession.mutate({ id: laptopSession.id }))).toBe("NOT_FOUND");
    expect((await httpApi(server, laptop.accessToken).auth.me.query()).id).toBe(u.id);

    expect(await u.http.auth.revokeSession.mutate({ id: laptopSession.id })).toEqual({ ok: true });
    expect(await codeOf(httpApi(server, laptop.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
    expect((await u.http.auth.sessions.query()).map((s) => s.current)).toEqual([true]);
    expect(await codeOf(u.http.auth.revokeSession.mutate({ id: laptopSession.id }))).toBe("NOT_FOUND");
  });
});
