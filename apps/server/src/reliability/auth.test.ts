import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, httpApi, registerUser, type TestServer, startTestServer, wsApi } from "../test/harness.ts";
import { openWire, wireCode } from "../test/wire.ts";

/**
 * Authentication attacks (OWASP ASVS 5, V6/V9): forged and misused tokens,
 * revoked sessions, password truncation, brute force. The basics (register,
 * login, rotation, logout) are in ../auth.test.ts.
 */

const SECRET = "test-secret-key-that-is-long-enough-0123456789"; // the harness's key
const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

function jwtWith(header: Record<string, unknown>, payload: Record<string, unknown>, signer: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer(input)}`;
}
const hmac = (alg: "sha256" | "sha512", key: string) => (input: string) => createHmac(alg, key).update(input).digest("base64url");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.dispose());

describe("forged and misused access tokens", () => {
  it("refuses alg none, other algorithms, a wrong key, expired, not-yet-valid and refresh tokens, over HTTP and WebSocket", async () => {
    const u = await registerUser(server, "jwt");
    const [, body] = u.accessToken.split(".");
    const real = JSON.parse(Buffer.from(body ?? "", "base64url").toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged: Record<string, string> = {
      "alg none": jwtWith({ alg: "none", typ: "JWT" }, real, () => ""),
      "alg None, signature kept": jwtWith({ alg: "None", typ: "JWT" }, real, hmac("sha256", SECRET)),
      HS512: jwtWith({ alg: "HS512", typ: "JWT" }, real, hmac("sha512", SECRET)),
      RS256: jwtWith({ alg: "RS256", typ: "JWT" }, real, (i) => sign("sha256", Buffer.from(i), privateKey).toString("base64url")),
      "wrong key": jwtWith({ alg: "HS256", typ: "JWT" }, real, hmac("sha256", `${SECRET}x`)),
      expired: jwtWith({ alg: "HS256", typ: "JWT" }, { ...real, iat: now - 7200, exp: now - 3600 }, hmac("sha256", SECRET)),
      "not yet valid": jwtWith({ alg: "HS256", typ: "JWT" }, { ...real, nbf: now + 3600 }, hmac("sha256", SECRET)),
      "wrong audience": jwtWith({ alg: "HS256", typ: "JWT" }, { ...real, aud: "someone-else" }, hmac("sha256", SECRET)),
      "wrong issuer": jwtWith({ alg: "HS256", typ: "JWT" }, { ...real, iss: "evil" }, hmac("sha256", SECRET)),
      "refresh typ": jwtWith({ alg: "HS256", typ: "JWT" }, { ...real, typ: "refresh" }, hmac("sha256", SECRET)),
      "no session": jwtWith({ alg: "HS256", typ: "JWT" }, { ...real, sid: "made-up" }, hmac("sha256", SECRET)),
      "other user": jwtWith({ alg: "HS256", typ: "JWT" }, { ...real, sub: String(u.id + 1000) }, hmac("sha256", SECRET)),
      "refresh token as access token": u.refreshToken,
      empty: "",
    };
    // The control: our own signing of the real claims is accepted, so each refusal is the attack's doing.
    const control = jwtWith({ alg: "HS256", typ: "JWT" }, real, hmac("sha256", SECRET));
    expect(await codeOf(httpApi(server, control).auth.me.query())).toBe("OK");

    const results: Record<string, string> = {};
    for (const [name, token] of Object.entries(forged)) {
      const overHttp = await codeOf(httpApi(server, token).auth.me.query());
      const wire = openWire(server, { token });
      const overWs = wireCode(await wire.call("query", "auth.me"));
      const sub = wire.subscribe("events.stream");
      const stream = wireCode(await wire.waitFor((m) => m.id === sub));
      wire.close();
      results[name] = `${overHttp}/${overWs}/${stream}`;
    }
    expect(results).toEqual(Object.fromEntries(Object.keys(forged).map((k) => [k, "UNAUTHORIZED/UNAUTHORIZED/UNAUTHORIZED"])));
  });
});

describe("revoked sessions", () => {
  it("logout stops the token and closes that session's open socket (4001) within 5 s, leaving other sessions alone", async () => {
    const u = await registerUser(server, "logout");
    const other = await httpApi(server).auth.login.mutate({ username: u.username, password: "correct horse" });
    const mine = openWire(server, { token: u.accessToken });
    const theirs = openWire(server, { token: other.accessToken });
    expect(wireCode(await mine.call("query", "auth.me"))).toBe("OK");
    expect(wireCode(await theirs.call("query", "auth.me"))).toBe("OK");
    const t0 = Date.now();
    await u.http.auth.logout.mutate();
    const closed = await mine.closed;
    expect(closed.code).toBe(4001);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await codeOf(u.http.auth.me.query())).toBe("UNAUTHORIZED");
    expect(wireCode(await theirs.call("query", "auth.me"))).toBe("OK");
    theirs.close();
  });

  it("a reused refresh token revokes the session and closes its socket within 5 s", async () => {
    const u = await registerUser(server, "reuse");
    const rotated = await httpApi(server).auth.refresh.mutate({ refreshToken: u.refreshToken });
    // The holder used its new token too, so the old one cannot be a retry of a lost reply (REFRESH_REUSE_GRACE).
    await httpApi(server).auth.refresh.mutate({ refreshToken: rotated.refreshToken });
    const wire = openWire(server, { token: rotated.accessToken });
    expect(wireCode(await wire.call("query", "auth.me"))).toBe("OK");
    const t0 = Date.now();
    expect(await codeOf(httpApi(server).auth.refresh.mutate({ refreshToken: u.refreshToken }))).toBe("UNAUTHORIZED");
    expect((await wire.closed).code).toBe(4001);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await codeOf(httpApi(server, rotated.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
    const again = openWire(server, { token: rotated.accessToken });
    expect(wireCode(await again.call("query", "auth.me"))).toBe("UNAUTHORIZED");
    again.close();
  });

  it("a revoked session stays revoked after a restart", async () => {
    const restartable = await startTestServer();
    try {
      const u = await registerUser(restartable, "revoked");
      await u.http.auth.logout.mutate();
      const next = await restartable.restart();
      try {
        expect(await codeOf(httpApi(next, u.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
        expect(await codeOf(httpApi(next).auth.refresh.mutate({ refreshToken: u.refreshToken }))).toBe("UNAUTHORIZED");
      } finally {
        await next.dispose();
      }
    } finally {
      await restartable.dispose().catch(() => {});
    }
  });
});

describe("passwords", () => {
  it("never truncates at login: the first 72 bytes of a password plus more do not sign in", async () => {
    const password = "p".repeat(72);
    const r = await httpApi(server).auth.register.mutate({ username: "trunc72", email: "trunc72@example.com", password });
    expect(r.user.username).toBe("trunc72");
    expect(await codeOf(httpApi(server).auth.login.mutate({ username: "trunc72", password }))).toBe("OK");
    expect(await codeOf(httpApi(server).auth.login.mutate({ username: "trunc72", password: `${password}extra` }))).toBe("UNAUTHORIZED");
  });

  it("hashes with bcrypt at cost 10 or more in production", async () => {
    const prod = await startTestServer({ NODE_ENV: "production" });
    try {
      const u = await registerUser(prod, "prodcost");
      const row = await prod.svc.db.selectFrom("users").select("password_hash").where("id", "=", u.id).executeTakeFirst();
      const hash = row?.password_hash ?? "";
      expect(hash).toMatch(/^\$2[aby]\$\d\d\$/);
      expect(Number(hash.slice(4, 6))).toBeGreaterThanOrEqual(10);
    } finally {
      await prod.dispose();
    }
  });
});

describe("brute force", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ LOGIN_FAILURES_PER_USER: "3", LOGIN_FAILURES_PER_IP: "8" });
  });
  afterAll(() => limited.dispose());

  it("answers repeated failures for one username with TOO_MANY_REQUESTS, the same for known and unknown names", async () => {
    const u = await registerUser(limited, "brute");
    const api = httpApi(limited);
    const attempt = async (username: string, password: string) => {
      try {
        await api.auth.login.mutate({ username, password });
        return "OK";
      } catch (e) {
        return `${(e as { data?: { code?: string } }).data?.code}: ${(e as Error).message}`;
      }
    };
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 4; i++) {
      known.push(await attempt(u.username, `wrong-${i}-pass`));
      unknown.push(await attempt("no-such-user", `wrong-${i}-pass`));
    }
    expect(known.slice(0, 3).every((r) => r.startsWith("UNAUTHORIZED"))).toBe(true);
    expect(known[3]).toMatch(/^TOO_MANY_REQUESTS/);
    // Existence does not leak: the same replies, word for word.
    expect(unknown).toEqual(known);
    // Even the right password is refused while locked; the limit is per username, case-insensitively.
    expect(await attempt(u.username.toUpperCase(), "correct horse")).toMatch(/^TOO_MANY_REQUESTS/);
  });

  it("answers repeated failures from one address across usernames with TOO_MANY_REQUESTS", async () => {
    const fresh = await startTestServer({ LOGIN_FAILURES_PER_USER: "100", LOGIN_FAILURES_PER_IP: "5" });
    try {
      const u = await registerUser(fresh, "ipvictim");
      const codes: string[] = [];
      for (let i = 0; i < 6; i++) codes.push(await codeOf(httpApi(fresh).auth.login.mutate({ username: `spray${i}`, password: "password1" })));
      expect(codes).toEqual(["UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED", "TOO_MANY_REQUESTS"]);
      expect(await codeOf(httpApi(fresh).auth.login.mutate({ username: u.username, password: "correct horse" }))).toBe("TOO_MANY_REQUESTS");
      // Over WebSocket the same limiter applies.
      const ws = wsApi(fresh, null);
      expect(await codeOf(ws.api.auth.login.mutate({ username: u.username, password: "correct horse" }))).toBe("TOO_MANY_REQUESTS");
      await ws.close();
    } finally {
      await fresh.dispose();
    }
  });

  it("behind a trusted proxy limits each client's address, and without one ignores X-Forwarded-For", async () => {
    // A failed login as the address in X-Forwarded-For (what a reverse proxy appends).
    const failFrom = async (server: TestServer, forwardedFor: string) => {
      const res = await fetch(`${server.url}/trpc/auth.login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body: JSON.stringify({ username: `nobody-${forwardedFor}`, password: "password1" }),
      });
      const body = (await res.json()) as { error?: { data?: { code?: string } } };
      return body.error?.data?.code ?? "OK";
    };
    const proxied = await startTestServer({ TRUST_PROXY: "1", LOGIN_FAILURES_PER_USER: "100", LOGIN_FAILURES_PER_IP: "3" });
    try {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push(await failFrom(proxied, "198.51.100.7, 203.0.113.1"));
      expect(codes).toEqual(["UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED", "TOO_MANY_REQUESTS"]);
      // Another client behind the same proxy is not locked out; what a client claims further left does not count.
      expect(await failFrom(proxied, "203.0.113.2")).toBe("UNAUTHORIZED");
      expect(await failFrom(proxied, "10.9.9.9, 203.0.113.1")).toBe("TOO_MANY_REQUESTS");
    } finally {
      await proxied.dispose();
    }
    const direct = await startTestServer({ LOGIN_FAILURES_PER_USER: "100", LOGIN_FAILURES_PER_IP: "3" });
    try {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push(await failFrom(direct, `203.0.113.${10 + i}`));
      // Without TRUST_PROXY a client cannot pick a new address per attempt.
      expect(codes).toEqual(["UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED", "TOO_MANY_REQUESTS"]);
    } finally {
      await direct.dispose();
    }
  });

  it("does not count successful logins", async () => {
    const u = await registerUser(limited, "fine");
    for (let i = 0; i < 5; i++) expect(await codeOf(httpApi(limited).auth.login.mutate({ username: u.username, password: "correct horse" }))).toBe("OK");
  });
});
