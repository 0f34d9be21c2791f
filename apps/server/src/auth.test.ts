import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, eventually, httpApi, registerUser, type TestServer, startTestServer, wsApi } from "./test/harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.dispose());

describe("accounts", () => {
  it("registers a user and returns tokens", async () => {
    const r = await httpApi(server).auth.register.mutate({ username: "Alice_1", email: "Alice1@Example.com", password: "password123" });
    expect(r.user).toMatchObject({ username: "Alice_1", email: "alice1@example.com" });
    expect(r.accessToken.split(".")).toHaveLength(3);
    expect(r.refreshToken.length).toBeGreaterThan(30);
    const me = await httpApi(server, r.accessToken).auth.me.query();
    expect(me.id).toBe(r.user.id);
  });

  it("rejects a username taken case-insensitively, and a taken e-mail, with CONFLICT", async () => {
    await httpApi(server).auth.register.mutate({ username: "bobby", email: "bobby@example.com", password: "password123" });
    expect(await codeOf(httpApi(server).auth.register.mutate({ username: "BOBBY", email: "b2@example.com", password: "password123" }))).toBe(
      "CONFLICT",
    );
    expect(await codeOf(httpApi(server).auth.register.mutate({ username: "bobby2", email: "BOBBY@example.com", password: "password123" }))).toBe(
      "CONFLICT",
    );
  });

  it("answers bad registration input with BAD_REQUEST and per-field zod errors", async () => {
    try {
      await httpApi(server).auth.register.mutate({ username: "a b", email: "nope", password: "short" });
      expect.unreachable();
    } catch (e) {
      const data = (e as { data: { code: string; zodError: { fieldErrors: Record<string, string[]> } } }).data;
      expect(data.code).toBe("BAD_REQUEST");
      expect(Object.keys(data.zodError.fieldErrors).sort()).toEqual(["email", "password", "username"]);
    }
  });

  it("rejects passwords over 72 bytes instead of truncating them", async () => {
    const long = "é".repeat(37); // 74 bytes, 37 characters
    expect(await codeOf(httpApi(server).auth.register.mutate({ username: "longpw", email: "lp@example.com", password: long }))).toBe(
      "BAD_REQUEST",
    );
    const exact = "a".repeat(72);
    expect(await codeOf(httpApi(server).auth.register.mutate({ username: "exactpw", email: "ep@example.com", password: exact }))).toBe("OK");
  });

  it("rejects usernames with bidi controls, zero-width characters or confusables", async () => {
    for (const username of ["ad\u202Emin", "ad\u200Bmin", "аdmin" /* Cyrillic а */, "x"]) {
      expect(await codeOf(httpApi(server).auth.register.mutate({ username, email: `${Math.random()}@e.com`, password: "password123" }))).toBe(
        "BAD_REQUEST",
      );
    }
  });

  it("logs in with the username or the e-mail, and refuses a wrong password", async () => {
    const u = await registerUser(server, "login");
    const byName = await httpApi(server).auth.login.mutate({ username: u.username.toUpperCase(), password: "correct horse" });
    expect(byName.user.id).toBe(u.id);
    const byMail = await httpApi(server).auth.login.mutate({ username: `${u.username}@example.com`, password: "correct horse" });
    expect(byMail.user.id).toBe(u.id);
    expect(await codeOf(httpApi(server).auth.login.mutate({ username: u.username, password: "wrong horse" }))).toBe("UNAUTHORIZED");
  });

  it("says the same thing for an unknown user as for a wrong password", async () => {
    const api = httpApi(server);
    const unknown = await api.auth.login.mutate({ username: "nobody-here", password: "whatever1" }).catch((e: Error) => e.message);
    const u = await registerUser(server, "same");
    const wrong = await api.auth.login.mutate({ username: u.username, password: "whatever1" }).catch((e: Error) => e.message);
    expect(unknown).toBe(wrong);
  });

  it("answers calls without a valid token with UNAUTHORIZED, over HTTP and WebSocket", async () => {
    expect(await codeOf(httpApi(server).rooms.list.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(httpApi(server, "not-a-token").rooms.list.query())).toBe("UNAUTHORIZED");
    const ws = wsApi(server, "garbage");
    expect(await codeOf(ws.api.auth.me.query())).toBe("UNAUTHORIZED");
    await ws.close();
  });
});

describe("sessions", () => {
  it("rotates the refresh token and the new access token works", async () => {
    const u = await registerUser(server, "rot");
    const r = await httpApi(server).auth.refresh.mutate({ refreshToken: u.refreshToken });
    expect(r.refreshToken).not.toBe(u.refreshToken);
    expect((await httpApi(server, r.accessToken).auth.me.query()).id).toBe(u.id);
  });

  it("revokes the whole session when an old refresh token is reused", async () => {
    const u = await registerUser(server, "reuse");
    const r = await httpApi(server).auth.refresh.mutate({ refreshToken: u.refreshToken });
    expect(await codeOf(httpApi(server).auth.refresh.mutate({ refreshToken: u.refreshToken }))).toBe("UNAUTHORIZED");
    // The thief's replay also kills the legitimate holder's tokens.
    expect(await codeOf(httpApi(server).auth.refresh.mutate({ refreshToken: r.refreshToken }))).toBe("UNAUTHORIZED");
    expect(await codeOf(httpApi(server, r.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
  });

  it("logout revokes the session and closes its open sockets", async () => {
    const u = await registerUser(server, "bye");
    const ws = wsApi(server, u.accessToken);
    expect((await ws.api.auth.me.query()).id).toBe(u.id);
    const sockets = () => server.svc.connections.count();
    const before = sockets();
    await u.http.auth.logout.mutate();
    await eventually(() => sockets() === before - 1);
    expect(await codeOf(u.http.auth.me.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(httpApi(server).auth.refresh.mutate({ refreshToken: u.refreshToken }))).toBe("UNAUTHORIZED");
    await ws.close();
  });
});

describe("token expiry on an open socket", () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ ACCESS_TOKEN_TTL: "2s" });
  });
  afterAll(() => short.dispose());

  it("stops an expired token from working on an already-open socket", async () => {
    const u = await registerUser(short, "exp");
    const ws = wsApi(short, u.accessToken);
    expect((await ws.api.auth.me.query()).id).toBe(u.id);
    await eventually(() => short.svc.connections.count() === 0, 5000);
    // The client reconnects with the same (now expired) token and is refused.
    expect(await codeOf(ws.api.auth.me.query())).toBe("UNAUTHORIZED");
    await ws.close();
  });

  it("keeps the socket when the token is refreshed on it", async () => {
    const u = await registerUser(short, "keep");
    let token = u.accessToken;
    const ws = wsApi(short, () => token);
    await ws.api.auth.me.query();
    const r = await ws.api.auth.refresh.mutate({ refreshToken: u.refreshToken });
    token = r.accessToken;
    await new Promise((res) => setTimeout(res, 1200));
    const r2 = await ws.api.auth.refresh.mutate({ refreshToken: r.refreshToken });
    token = r2.accessToken;
    await new Promise((res) => setTimeout(res, 1200));
    // Past the first token's expiry, the same socket still serves calls.
    expect((await ws.api.auth.me.query()).id).toBe(u.id);
    expect(short.svc.connections.count()).toBe(1);
    await ws.close();
  });
});
