import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpApi, registerUser, sleep, type TestServer, startTestServer } from "./test/harness.ts";
import { openWire, wireCode } from "./test/wire.ts";

/**
 * Every way a socket gains or changes a session registers it under that
 * session (issue 11, finding 7): signing in with `auth.refresh` on a socket
 * opened without a token, and moving a socket to another session by
 * refreshing that session's token on it. Logout must close them all.
 */

const PASSWORD = "correct horse";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ WS_AUTH_TIMEOUT_MS: "500", MAX_SOCKETS_PER_USER: "2" });
});
afterAll(() => server.dispose());

describe("sockets signed in by auth.refresh", () => {
  it("a socket opened without a token and refreshed on it is closed by logout (4001)", async () => {
    const u = await registerUser(server, "anonref");
    const wire = openWire(server);
    expect(wireCode(await wire.call("query", "auth.me"))).toBe("UNAUTHORIZED");
    const refreshed = await wire.call("mutation", "auth.refresh", { refreshToken: u.refreshToken });
    expect(wireCode(refreshed)).toBe("OK");
    expect(wireCode(await wire.call("query", "auth.me"))).toBe("OK");
    const t0 = Date.now();
    await u.http.auth.logout.mutate();
    const closed = await wire.closed;
    expect(closed.code).toBe(4001);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("is signed in for good: the unauthenticated-socket timeout does not close it", async () => {
    const u = await registerUser(server, "anonkeep");
    const wire = openWire(server);
    expect(wireCode(await wire.call("mutation", "auth.refresh", { refreshToken: u.refreshToken }))).toBe("OK");
    // Past WS_AUTH_TIMEOUT_MS (500 ms): a reply now shows the socket was not closed with 4003.
    await sleep(800);
    expect(wireCode(await wire.call("query", "auth.me"))).toBe("OK");
    wire.close();
  });

  it("counts towards the per-user socket cap", async () => {
    const u = await registerUser(server, "anoncap");
    const a = openWire(server, { token: u.accessToken });
    const b = openWire(server, { token: u.accessToken });
    expect(wireCode(await a.call("query", "auth.me"))).toBe("OK");
    expect(wireCode(await b.call("query", "auth.me"))).toBe("OK");
    const third = openWire(server);
    const login = await httpApi(server).auth.login.mutate({ username: u.username, password: PASSWORD });
    await third.call("mutation", "auth.refresh", { refreshToken: login.refreshToken }).catch(() => null);
    expect((await third.closed).code).toBe(4008);
    a.close();
    b.close();
  });
});

describe("a socket moved to another session by auth.refresh", () => {
  it("is closed by the logout of the session it moved to, and no longer by the one it left", async () => {
    const u = await registerUser(server, "moved");
    const other = await httpApi(server).auth.login.mutate({ username: u.username, password: PASSWORD });
    const wire = openWire(server, { token: u.accessToken });
    expect(wireCode(await wire.call("query", "auth.me"))).toBe("OK");
    const moved = await wire.call("mutation", "auth.refresh", { refreshToken: other.refreshToken });
    expect(wireCode(moved)).toBe("OK");
    const movedTo = (moved.result?.data as { accessToken?: string } | undefined)?.accessToken ?? "";

    // Logging out the session it left does not touch it: a reply after that logout's close would have gone out.
    await u.http.auth.logout.mutate();
    expect(wireCode(await wire.call("query", "auth.me"))).toBe("OK");

    const t0 = Date.now();
    await httpApi(server, movedTo).auth.logout.mutate();
    expect((await wire.closed).code).toBe(4001);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
