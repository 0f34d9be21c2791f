import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, httpApi, registerUser } from "../test/harness.ts";
import { openWire, type WireClose, type WireSocket, wireCode } from "../test/wire.ts";
import { type Cluster, node, startCluster } from "./cluster.ts";

/**
 * Logout reaches every node (issue 11, finding 6): two server processes over
 * one PostgreSQL database and one Redis. The revocation is announced on the
 * bus; a node that missed the announcement finds it in the database.
 */

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(2);
});
afterAll(async () => {
  await cluster?.dispose();
});

const sessionOf = (accessToken: string): string => {
  const payload = JSON.parse(Buffer.from(accessToken.split(".")[1] ?? "", "base64url").toString()) as { sid?: string };
  if (!payload.sid) throw new Error("no sid in the access token");
  return payload.sid;
};

/** The socket's close, or an error naming the deadline if it stays open. */
const closedWithin = (wire: WireSocket, ms: number): Promise<WireClose> =>
  Promise.race([
    wire.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open ${ms} ms later`)), ms)),
  ]);

describe("revocation across nodes", () => {
  it("logout on node 1 closes the same session's socket on node 2 within a second, and its calls fail", async () => {
    const [a, b] = [node(cluster, 0), node(cluster, 1)];
    const u = await registerUser(a, "xlogout");
    const onB = openWire(b, { token: u.accessToken });
    expect(wireCode(await onB.call("query", "auth.me"))).toBe("OK");
    // Another session of the same user on node 2 is left alone.
    const other = await httpApi(b).auth.login.mutate({ username: u.username, password: "correct horse" });
    const otherOnB = openWire(b, { token: other.accessToken });
    expect(wireCode(await otherOnB.call("query", "auth.me"))).toBe("OK");

    const t0 = Date.now();
    await u.http.auth.logout.mutate();
    const closed = await closedWithin(onB, 3000);
    expect(closed.code).toBe(4001);
    expect(Date.now() - t0).toBeLessThan(1000);

    const again = openWire(b, { token: u.accessToken });
    expect(wireCode(await again.call("query", "auth.me"))).toBe("UNAUTHORIZED");
    again.close();
    expect(await codeOf(httpApi(b, u.accessToken).auth.me.query())).toBe("UNAUTHORIZED");
    expect(wireCode(await otherOnB.call("query", "auth.me"))).toBe("OK");
    otherOnB.close();
  });

  it("a revocation no node announced (written straight to the database) still closes the session's sockets on every node within a second", async () => {
    const [a, b] = [node(cluster, 0), node(cluster, 1)];
    const u = await registerUser(a, "xsilent");
    const wires = [openWire(a, { token: u.accessToken }), openWire(b, { token: u.accessToken })];
    for (const w of wires) expect(wireCode(await w.call("query", "auth.me"))).toBe("OK");

    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const t0 = Date.now();
      const r = await db.query("update sessions set revoked_at = $1 where id = $2", [Date.now(), sessionOf(u.accessToken)]);
      expect(r.rowCount).toBe(1);
      const closes = await Promise.all(wires.map((w) => closedWithin(w, 3000)));
      expect(closes.map((c) => c.code)).toEqual([4001, 4001]);
      // The nodes look every 500 ms: within a second, with room for a loaded machine.
      expect(Date.now() - t0).toBeLessThan(1500);
    } finally {
      await db.end();
    }
  });
});
