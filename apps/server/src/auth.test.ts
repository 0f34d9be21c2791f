import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationsFor, openPostgres, openSqlite, type ParleyDb } from "@parley/db";
import { Migrator } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "./config.ts";
import { startServer } from "./server.ts";
import { codeOf, eventually, httpApi, registerUser, sleep, type TestServer, startTestServer, wsApi } from "./test/harness.ts";
import { createTestDatabase } from "./test/services.ts";
import { openWire, wireCode } from "./test/wire.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.dispose());

const sleepUntil = (at: number) => sleep(Math.max(0, at - Date.now()));
const refreshOver = (s: TestServer, refreshToken: string) => httpApi(s).auth.refresh.mutate({ refreshToken });

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
    const r = await refreshOver(server, u.refreshToken);
    // The holder has since used its new token too, so the old one cannot be a retry of a lost reply.
    const r2 = await refreshOver(server, r.refreshToken);
    expect(await codeOf(refreshOver(server, u.refreshToken))).toBe("UNAUTHORIZED");
    // The thief's replay also kills the legitimate holder's tokens.
    expect(await codeOf(refreshOver(server, r2.refreshToken))).toBe("UNAUTHORIZED");
    expect(await codeOf(httpApi(server, r2.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
  });

  it("with REFRESH_REUSE_GRACE=0, reusing the previous refresh token at once revokes the session", async () => {
    const strict = await startTestServer({ REFRESH_REUSE_GRACE: "0" });
    try {
      const u = await registerUser(strict, "strict");
      const r = await refreshOver(strict, u.refreshToken);
      expect(await codeOf(refreshOver(strict, u.refreshToken))).toBe("UNAUTHORIZED");
      expect(await codeOf(refreshOver(strict, r.refreshToken))).toBe("UNAUTHORIZED");
      expect(await codeOf(httpApi(strict, r.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
    } finally {
      await strict.dispose();
    }
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

describe("a refresh whose reply was lost (the client retries with the same token)", () => {
  it("within the grace period returns fresh tokens that work, and keeps the session", async () => {
    const u = await registerUser(server, "lost");
    const ws = wsApi(server, u.accessToken);
    expect((await ws.api.auth.me.query()).id).toBe(u.id);
    const lost = await refreshOver(server, u.refreshToken);
    const retried = await refreshOver(server, u.refreshToken);
    expect(retried.refreshToken).not.toBe(lost.refreshToken);
    expect(retried.refreshToken).not.toBe(u.refreshToken);
    expect((await httpApi(server, retried.accessToken).auth.me.query()).id).toBe(u.id);
    // Not revoked: the session's open socket and its first access token still work, and the new refresh token rotates.
    expect((await ws.api.auth.me.query()).id).toBe(u.id);
    expect((await u.http.auth.me.query()).id).toBe(u.id);
    const next = await refreshOver(server, retried.refreshToken);
    expect((await httpApi(server, next.accessToken).auth.me.query()).id).toBe(u.id);
    await ws.close();
  });

  it("a retry lost again can be retried again", async () => {
    const u = await registerUser(server, "lost2");
    await refreshOver(server, u.refreshToken);
    await refreshOver(server, u.refreshToken);
    const third = await refreshOver(server, u.refreshToken);
    expect((await httpApi(server, third.accessToken).auth.me.query()).id).toBe(u.id);
    expect((await refreshOver(server, third.refreshToken)).user.id).toBe(u.id);
  });

  it("kills the refresh token the lost reply carried: presenting it later revokes the session", async () => {
    const u = await registerUser(server, "dead");
    const lost = await refreshOver(server, u.refreshToken);
    const retried = await refreshOver(server, u.refreshToken);
    // Whoever holds the unseen token (a thief who replayed first, say) is caught when they use it.
    expect(await codeOf(refreshOver(server, lost.refreshToken))).toBe("UNAUTHORIZED");
    expect(await codeOf(refreshOver(server, retried.refreshToken))).toBe("UNAUTHORIZED");
    expect(await codeOf(httpApi(server, retried.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
  });

  it("revokes the session when the successor was already used", async () => {
    const u = await registerUser(server, "used");
    const r = await refreshOver(server, u.refreshToken);
    const ws = wsApi(server, r.accessToken);
    expect((await ws.api.auth.me.query()).id).toBe(u.id);
    const before = server.svc.connections.count();
    const r2 = await refreshOver(server, r.refreshToken);
    expect(await codeOf(refreshOver(server, u.refreshToken))).toBe("UNAUTHORIZED");
    expect(await codeOf(refreshOver(server, r2.refreshToken))).toBe("UNAUTHORIZED");
    expect(await codeOf(httpApi(server, r2.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
    await eventually(() => server.svc.connections.count() === before - 1);
    await ws.close();
  });

  it("after the grace period, reuse revokes the session", async () => {
    const brief = await startTestServer({ REFRESH_REUSE_GRACE: "1s" });
    try {
      const u = await registerUser(brief, "late");
      const r = await refreshOver(brief, u.refreshToken);
      await sleep(1200);
      expect(await codeOf(refreshOver(brief, u.refreshToken))).toBe("UNAUTHORIZED");
      expect(await codeOf(refreshOver(brief, r.refreshToken))).toBe("UNAUTHORIZED");
      expect(await codeOf(httpApi(brief, r.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
    } finally {
      await brief.dispose();
    }
  });
});

describe("a database from before refresh-token successors (migration 0002)", () => {
  const onPostgres = process.env.PARLEY_TEST_DB === "postgres";
  const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

  /** A session as 0001 stored it: `current` unused, and `previous` (if given) used a moment ago. */
  async function oldSession(handle: ParleyDb, userId: number, previous: boolean) {
    const now = Date.now();
    const id = randomBytes(16).toString("hex");
    const current = randomBytes(32).toString("base64url");
    const spent = randomBytes(32).toString("base64url");
    await handle.db.insertInto("sessions").values({ id, user_id: userId, created_at: now, expires_at: now + 86_400_000, revoked_at: null }).execute();
    const rows: { token_hash: string; session_id: string; created_at: number; used_at: number | null }[] = [
      { token_hash: sha256(current), session_id: id, created_at: now, used_at: null },
    ];
    if (previous) rows.push({ token_hash: sha256(spent), session_id: id, created_at: now - 1000, used_at: now });
    await handle.db.insertInto("refresh_tokens").values(rows).execute();
    return { current, spent };
  }

  it("migrates with its sessions, which still refresh (and a used token from before has no known successor)", async () => {
    const root = mkdtempSync(join(tmpdir(), "parley-upgrade-"));
    const url = onPostgres ? await createTestDatabase(inject("pgAdminUrl"), "upgrade") : join(root, "chat.db");
    const handle = onPostgres ? openPostgres({ url }) : openSqlite({ filename: url });
    let upgraded: TestServer | null = null;
    try {
      const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrationsFor(handle.dialect) } });
      const to0001 = await migrator.migrateTo("0001_initial");
      expect(to0001.error).toBeUndefined();
      const user = await handle.db
        .insertInto("users")
        .values({ username: "old", username_key: "old", email: "old@example.com", password_hash: "x", created_at: Date.now(), last_seen: null })
        .returning("id")
        .executeTakeFirstOrThrow();
      const userId = Number(user.id);
      const kept = await oldSession(handle, userId, false);
      const replayed = await oldSession(handle, userId, true);
      await handle.close();

      upgraded = await startTestServer({ DATABASE_URL: url }, root);
      const r = await refreshOver(upgraded, kept.current);
      expect((await httpApi(upgraded, r.accessToken).auth.me.query()).id).toBe(userId);
      // Rotated after the upgrade, so the successor is known: a retry within the grace period works.
      const retried = await refreshOver(upgraded, kept.current);
      expect((await refreshOver(upgraded, retried.refreshToken)).user.id).toBe(userId);
      // Used before the upgrade, so nothing says which token replaced it: reuse revokes as it always did.
      expect(await codeOf(refreshOver(upgraded, replayed.spent))).toBe("UNAUTHORIZED");
      expect(await codeOf(refreshOver(upgraded, replayed.current))).toBe("UNAUTHORIZED");
    } finally {
      await upgraded?.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("token expiry on an open socket", () => {
  // JWT exp and iat are whole seconds: a token lives between TTL − 1 and TTL seconds after it is issued.
  const ttlSeconds = 5;
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ ACCESS_TOKEN_TTL: `${ttlSeconds}s` });
  });
  afterAll(() => short.dispose());

  it("stops an expired token from working on an already-open socket", async () => {
    const u = await registerUser(short, "exp");
    const ws = wsApi(short, u.accessToken);
    expect((await ws.api.auth.me.query()).id).toBe(u.id);
    await eventually(() => short.svc.connections.count() === 0, ttlSeconds * 1000 + 2000);
    // The client reconnects with the same (now expired) token and is refused.
    expect(await codeOf(ws.api.auth.me.query())).toBe("UNAUTHORIZED");
    await ws.close();
  });

  it("keeps the socket when the token is refreshed on it", async () => {
    const u = await registerUser(short, "keep");
    // The socket always (re)connects with the first token: had it been closed and reopened at any point
    // after that token expired, it would be refused, so calls that pass below ran on the first socket.
    const ws = wsApi(short, u.accessToken);
    expect((await ws.api.auth.me.query()).id).toBe(u.id);
    const r1 = await ws.api.auth.refresh.mutate({ refreshToken: u.refreshToken });
    // Issued 2 s after r1's issue second (exp − TTL), the next token expires at least 2 s after r1 —
    // and r1 still has about 3 s to live.
    await sleepUntil(r1.accessTokenExpiresAt - ttlSeconds * 1000 + 2050);
    const r2 = await ws.api.auth.refresh.mutate({ refreshToken: r1.refreshToken });
    expect(r2.accessTokenExpiresAt - r1.accessTokenExpiresAt).toBeGreaterThanOrEqual(2000);
    // Past the first two tokens' expiry (the socket would have been closed with 4002 at r1's), before r2's.
    await sleepUntil(r1.accessTokenExpiresAt + 250);
    expect((await ws.api.auth.me.query()).id).toBe(u.id);
    expect(short.svc.connections.count()).toBe(1);
    await ws.close();
  });
});

describe("a token that outlives setTimeout's range", () => {
  it("does not close the socket at once when the access token expires more than 2^31 − 1 ms from now", async () => {
    // Configuration refuses such a TTL (config.test.ts); this proves the timer itself copes,
    // so no other path to a long expiry can close every socket at once.
    const root = mkdtempSync(join(tmpdir(), "parley-longttl-"));
    const config = loadConfig({ NODE_ENV: "test", PORT: "0", HOST: "127.0.0.1", DATABASE_URL: join(root, "chat.db"), SECRET_KEY: "x".repeat(48) }, () => {});
    const running = await startServer({ ...config, accessTokenTtlSeconds: 30 * 86_400 }, pino({ level: "silent" }));
    try {
      const u = await registerUser(running, "longttl");
      const wire = openWire(running, { token: u.accessToken });
      expect(wireCode(await wire.call("query", "auth.me"))).toBe("OK");
      // An overflowed timer fires after 1 ms; a reply well after that shows the socket survived it.
      await sleep(100);
      expect(wireCode(await wire.call("query", "auth.me"))).toBe("OK");
      expect(wire.ws.readyState).toBe(wire.ws.OPEN);
      wire.close();
    } finally {
      await running.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
