import type { StreamEvent } from "@parley/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, messageEvents, type Recorder, record, registerUser, sleep, type TestUser } from "../test/harness.ts";
import { syncPoint } from "../test/sync.ts";
import { type Cluster, node, type RoamingClient, roamingClient, shareRoom, startCluster } from "./cluster.ts";

// Three server processes over one PostgreSQL database and one Redis.
let cluster: Cluster;
const clients: RoamingClient[] = [];
beforeAll(async () => {
  cluster = await startCluster(3);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await cluster?.dispose();
});

const isReady = (e: StreamEvent) => e.type === "ready";
const texts = (r: Recorder) => messageEvents(r.events).filter((m) => m.kind === "text");

function listen(user: TestUser, at: number, lastEventId?: string | null) {
  const client = roamingClient(node(cluster, at), user.accessToken);
  clients.push(client);
  return { client, rec: record(client.api, lastEventId) };
}

describe("a cluster of three nodes", () => {
  it("delivers messages sent on any node to subscribers on every node, all in the log's order", async () => {
    const [a, b, c] = [node(cluster, 0), node(cluster, 1), node(cluster, 2)];
    const users = await Promise.all([a, a, b, b, c].map((n, i) => registerUser(n, `order${i}`)));
    const [owner, ...rest] = users;
    if (!owner) throw new Error("no users");
    const room = await owner.http.rooms.create.mutate({ name: "across" });
    for (const u of rest) await u.http.rooms.join.mutate({ roomId: room.id });
    const recs = [listen(users[0] as TestUser, 0).rec, listen(users[2] as TestUser, 1).rec, listen(users[4] as TestUser, 2).rec];
    for (const r of recs) await r.waitFor(isReady);

    // Senders use the HTTP API of "their" node: users[i] was registered there.
    await Promise.all(
      users.map(async (u, i) => {
        for (let k = 0; k < 20; k++) await u.http.messages.send.mutate({ roomId: room.id, content: `${i}-${k}`, clientId: `o-${i}-${k}` });
      }),
    );
    const history = (await users[4]?.http.messages.list.query({ roomId: room.id, limit: 100 }))?.items ?? [];
    const expected = history.filter((m) => m.kind === "text").map((m) => m.id);
    expect(expected).toHaveLength(100);
    for (const r of recs) {
      await eventually(() => texts(r).length >= 100, 10_000);
      expect(texts(r).map((m) => m.id)).toEqual(expected);
    }
  });

  it("resumes a client on another node from its last event, with nothing lost or repeated", async () => {
    const alice = await registerUser(node(cluster, 0), "roam-a");
    const room = await alice.http.rooms.create.mutate({ name: "roam" });
    const first = listen(alice, 0);
    await first.rec.waitFor(isReady);
    for (let k = 0; k < 5; k++) await alice.http.messages.send.mutate({ roomId: room.id, content: `before-${k}`, clientId: `rb-${k}` });
    await eventually(() => texts(first.rec).length === 5);
    const last = first.rec.lastId();
    first.rec.stop();
    await first.client.close();

    // While the client is away, messages keep arriving through another node.
    const bobOnB = await registerUser(node(cluster, 1), "roam-b");
    await bobOnB.http.rooms.join.mutate({ roomId: room.id });
    for (let k = 0; k < 10; k++) await bobOnB.http.messages.send.mutate({ roomId: room.id, content: `away-${k}`, clientId: `ra-${k}` });

    const second = listen(alice, 2, last);
    await eventually(() => texts(second.rec).length >= 10, 10_000);
    await bobOnB.http.messages.send.mutate({ roomId: room.id, content: "live", clientId: "ra-live" });
    await eventually(() => texts(second.rec).length >= 11, 10_000);
    expect(texts(second.rec).map((m) => m.content)).toEqual([...Array.from({ length: 10 }, (_, k) => `away-${k}`), "live"]);
  });

  it("relays typing between members on different nodes", async () => {
    const [alice, bob] = [await registerUser(node(cluster, 0), "type-a"), await registerUser(node(cluster, 2), "type-b")];
    const room = await alice.http.rooms.create.mutate({ name: "typing" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const b = listen(bob, 2);
    await b.rec.waitFor(isReady);
    await alice.http.rooms.typing.mutate({ roomId: room.id, isTyping: true });
    const e = await b.rec.waitFor((x) => x.type === "typing" && x.userId === alice.id, 5000);
    expect(e).toMatchObject({ type: "typing", roomId: room.id, isTyping: true });
  });

  it("keeps a user connected to two nodes online until both sockets close", async () => {
    const watcher = await registerUser(node(cluster, 2), "watch");
    const carol = await registerUser(node(cluster, 0), "two-homes");
    const w = listen(watcher, 2);
    await w.rec.waitFor(isReady);
    await shareRoom(watcher, carol, w.rec);
    const onlineSeenFromC = async () => (await watcher.http.users.online.query()).some((u) => u.id === carol.id);

    const onA = listen(carol, 0);
    const onB = listen(carol, 1);
    await Promise.all([onA.rec.waitFor(isReady), onB.rec.waitFor(isReady)]);
    await w.rec.waitFor((e) => e.type === "presence" && e.userId === carol.id && e.online, 5000);
    expect(await onlineSeenFromC()).toBe(true);

    await onA.client.close();
    await sleep(4000); // time must pass: beyond the 3 s grace period an offline would have been published
    // …and a marker after it settles that it would have been delivered by now.
    await syncPoint(watcher, w.rec);
    expect(await onlineSeenFromC()).toBe(true);
    expect(w.rec.events.some((e) => e.type === "presence" && e.userId === carol.id && !e.online)).toBe(false);

    await onB.client.close();
    await w.rec.waitFor((e) => e.type === "presence" && e.userId === carol.id && !e.online, 8000);
    expect(await onlineSeenFromC()).toBe(false);
  });
});
