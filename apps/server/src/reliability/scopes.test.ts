import type { TokenScope } from "@parley/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { procedures, sampleInput } from "../test/access-matrix.ts";
import { codeOf, httpApi, registerUser, type TestServer, type TestUser, startTestServer } from "../test/harness.ts";
import { mayCall, procedureScopes, scopeVerdict, unscoped } from "../test/scope-matrix.ts";
import { openWire, wireCode } from "../test/wire.ts";

/**
 * The scope matrix (issue 17), generated from the router as the access
 * matrix is: every procedure called with a personal access token of each
 * scope, over HTTP and over WebSocket. Outside its scopes a call is
 * FORBIDDEN (with the scope refusal, before any input or access check);
 * inside them it is never refused for its scope (it may still fail for
 * another reason: NOT_FOUND on a sample id, CONFLICT…).
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
});
afterAll(() => server.dispose());

async function tokenFor(u: TestUser, scopes: TokenScope[]): Promise<string> {
  return (await u.http.tokens.create.mutate({ name: `scopes ${scopes.join("+")}`, scopes })).token;
}

const CASES: TokenScope[][] = [["read"], ["write"], ["rooms"], ["admin"], ["read", "write"]];

describe("the scope matrix", () => {
  it("names the scope of every procedure of the router", () => {
    expect(unscoped()).toEqual([]);
    expect(Object.keys(procedureScopes).filter((path) => !procedures.some((p) => p.path === path))).toEqual([]);
  });

  it.each(CASES.map((s) => [s.join("+"), s] as const))("a token with %s is refused exactly the procedures outside its scopes, over HTTP and WebSocket", async (_, scopes) => {
    const [owner, other] = await Promise.all([registerUser(server, "sowner"), registerUser(server, "sother")]);
    const room = await owner.http.rooms.create.mutate({ name: `scoped ${scopes.join("+")}` });
    const message = await owner.http.messages.send.mutate({ roomId: room.id, content: "scoped message", clientId: "s1" });
    const token = await tokenFor(owner, scopes);
    const wire = openWire(server, { token });
    const at = { roomId: room.id, messageId: message.id };
    // Logout ends the token's session: it has a test of its own below.
    const called = procedures.filter((p) => procedureScopes[p.path] !== "public" && p.path !== "auth.logout");
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    try {
      for (const p of called) {
        const v = await scopeVerdict(server, token, wire, p, sampleInput(p, at, { owner, outsider: other }));
        const allowed = mayCall(scopes, p.path);
        // Subscriptions are refused over HTTP before anything else (WebSocket only).
        const httpWant = p.type === "subscription" ? "METHOD_NOT_SUPPORTED" : allowed ? "allowed" : "scope";
        got[p.path] = `${v.http === "scope" || v.http === "METHOD_NOT_SUPPORTED" ? v.http : "allowed"}/${v.ws === "scope" ? "scope" : "allowed"}`;
        want[p.path] = `${httpWant}/${allowed ? "allowed" : "scope"}`;
      }
    } finally {
      wire.close();
    }
    expect(got).toEqual(want);
  });

  it("logout with a token ends that token's session, and needs admin", async () => {
    const owner = await registerUser(server, "slogout");
    for (const scopes of CASES) {
      const viaHttp = await tokenFor(owner, scopes);
      const api = httpApi(server, viaHttp);
      const allowed = mayCall(scopes, "auth.logout");
      expect([scopes, await codeOf(api.auth.logout.mutate())]).toEqual([scopes, allowed ? "OK" : "FORBIDDEN"]);
      expect([scopes, await codeOf(api.auth.me.query())]).toEqual([scopes, allowed ? "UNAUTHORIZED" : mayCall(scopes, "auth.me") ? "OK" : "FORBIDDEN"]);

      const wire = openWire(server, { token: await tokenFor(owner, scopes) });
      if (allowed) {
        // The socket belongs to the session it ends: it is closed (the reply may or may not make it first).
        void wire.call("mutation", "auth.logout").catch(() => null);
        expect((await wire.closed).code).toBe(4001);
      } else {
        expect(wireCode(await wire.call("mutation", "auth.logout"))).toBe("FORBIDDEN");
        wire.close();
      }
    }
    // The owner's own signed-in session is untouched.
    expect(await codeOf(owner.http.auth.me.query())).toBe("OK");
  });
});
