import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, httpApi, registerUser } from "../test/harness.ts";
import { openWire, type WireClose, type WireSocket, wireCode } from "../test/wire.ts";
import { type Cluster, node, startCluster } from "./cluster.ts";

/**
 * Revoking a personal access token (issue 17) reaches every node: two server
 * processes over one PostgreSQL database and one Redis. A token has its own
 * session, so the revocation takes the logout's way (realtime/revocations.ts).
 */

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(2);
});
afterAll(async () => {
  await cluster?.dispose();
});

const closedWithin = (wire: WireSocket, ms: number): Promise<WireClose> =>
  Promise.race([wire.closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open ${ms} ms later`)), ms))]);

describe("token revocation across nodes", () => {
  it("revoking a token on node 1 closes its sockets on both nodes within a second; another token keeps working", async () => {
    const [a, b] = [node(cluster, 0), node(cluster, 1)];
    const u = await registerUser(a, "xpat");
    const doomed = await u.http.tokens.create.mutate({ name: "doomed", scopes: ["read"] });
    const kept = await u.http.tokens.create.mutate({ name: "kept", scopes: ["read"] });
    const wires = [openWire(a, { token: doomed.token }), openWire(b, { token: doomed.token })];
    for (const w of wires) expect(wireCode(await w.call("query", "auth.me"))).toBe("OK");
    const keptOnB = openWire(b, { token: kept.token });
    expect(wireCode(await keptOnB.call("query", "auth.me"))).toBe("OK");

    const t0 = Date.now();
    await u.http.tokens.revoke.mutate({ id: doomed.id });
    const closes = await Promise.all(wires.map((w) => closedWithin(w, 3000)));
    expect(closes.map((c) => c.code)).toEqual([4001, 4001]);
    expect(Date.now() - t0).toBeLessThan(1000);

    expect(await codeOf(httpApi(b, doomed.token).auth.me.query())).toBe("UNAUTHORIZED");
    expect(wireCode(await keptOnB.call("query", "auth.me"))).toBe("OK");
    keptOnB.close();
  });
});
