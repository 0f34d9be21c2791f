import type { StreamEvent } from "@parley/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, httpApi, messageEvents, type Recorder, record, registerUser, type TestUser } from "../test/harness.ts";
import { type Cluster, node, type RoamingClient, roamingClient, shareRoom, startCluster } from "./cluster.ts";

// Two server processes over one PostgreSQL database and one Redis; nodes and Redis get killed.
let cluster: Cluster;
const clients: RoamingClient[] = [];
beforeAll(async () => {
  cluster = await startCluster(2);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await cluster?.dispose();
});

const isReady = (e: StreamEvent) => e.type === "ready";
const texts = (r: Recorder) => messageEvents(r.events).filter((m) => m.kind === "text");

function listen(user: TestUser, at: number) {
  const client = roamingClient(node(cluster, at), user.accessToken);
  clients.push(client);
  return { client, rec: record(client.api) };
}

/** Sends with retries on whichever node is up; a retry reuses the clientId, so it is stored once. */
async function sendAll(users: TestUser[], roomId: number, count: number, prefix: string, onSent: (n: number) => void) {
  const acked: number[] = [];
  for (let k = 0; k < count; k++) {
    for (let attempt = 0; ; attempt++) {
      const u = users[attempt % users.length] as TestUser;
      try {
        const m = await u.http.messages.send.mutate({ roomId, content: `${prefix}-${k}`, clientId: `${prefix}-${k}` });
        acked.push(m.id);
        break;
      } catch (err) {
        if (attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    onSent(k);
  }
  return acked;
}

describe("failures in a two-node cluster", () => {
  it("loses no acknowledged message when a node is killed, and its clients resume on the other", async () => {
    const [a, b] = [node(cluster, 0), node(cluster, 1)];
    // The same account through each node's HTTP API: a send that fails on A is retried on B.
    const senderOnA = await registerUser(a, "kill-s");
    const senderOnB = { ...senderOnA, http: httpApi(b, senderOnA.accessToken) };
    const reader = await registerUser(a, "kill-r");
    const room = await senderOnA.http.rooms.create.mutate({ name: "failover" });
    await reader.http.rooms.join.mutate({ roomId: room.id });
    const r = listen(reader, 0);
    await r.rec.waitFor(isReady);

    const acked = await sendAll([senderOnA, senderOnB], room.id, 60, "kill", (k) => {
      if (k === 20) {
        r.client.target.current = b;
        void a.stop("SIGKILL");
      }
    });
    expect(a.running).toBe(false);

    const stored = (await senderOnB.http.messages.list.query({ roomId: room.id, limit: 100 })).items.filter((m) => m.kind === "text");
    expect(stored.map((m) => m.id)).toEqual(acked);
    await eventually(() => texts(r.rec).length >= 60, 15_000);
    expect(texts(r.rec).map((m) => m.id)).toEqual(acked);
    await a.start();
  });

  it("moves the clients of a node stopped with SIGTERM to another node, resuming exactly", async () => {
    const [a, b] = [node(cluster, 0), node(cluster, 1)];
    const sender = await registerUser(b, "drain-s");
    const reader = await registerUser(a, "drain-r");
    const room = await sender.http.rooms.create.mutate({ name: "drain" });
    await reader.http.rooms.join.mutate({ roomId: room.id });
    const r = listen(reader, 0);
    await r.rec.waitFor(isReady);
    for (let k = 0; k < 5; k++) await sender.http.messages.send.mutate({ roomId: room.id, content: `d-${k}`, clientId: `d-${k}` });
    await eventually(() => texts(r.rec).length === 5);

    // The load balancer now sends new connections to B; A drains and tells its clients to reconnect.
    r.client.target.current = b;
    const stopping = a.stop("SIGTERM");
    for (let k = 5; k < 15; k++) await sender.http.messages.send.mutate({ roomId: room.id, content: `d-${k}`, clientId: `d-${k}` });
    await stopping;
    await eventually(() => texts(r.rec).length >= 15, 10_000);
    expect(texts(r.rec).map((m) => m.content)).toEqual(Array.from({ length: 15 }, (_, k) => `d-${k}`));
    expect(r.rec.events.filter((e) => e.type === "ready" || e.type === "resync")).toHaveLength(1);
    await a.start();
  });

  it("loses nothing when Redis restarts: nodes catch up from the database", async () => {
    const redis = cluster.redis;
    if (!redis) throw new Error("cluster without Redis");
    const [a, b] = [node(cluster, 0), node(cluster, 1)];
    const sender = await registerUser(a, "redis-s");
    const reader = await registerUser(b, "redis-r");
    const room = await sender.http.rooms.create.mutate({ name: "redis-restart" });
    await reader.http.rooms.join.mutate({ roomId: room.id });
    const r = listen(reader, 1);
    await r.rec.waitFor(isReady);

    let restarting: Promise<void> | null = null;
    const acked = await sendAll([sender], room.id, 40, "redis", (k) => {
      if (k === 10) restarting = redis.restart(500);
    });
    await restarting;
    await eventually(() => texts(r.rec).length >= 40, 15_000);
    expect(texts(r.rec).map((m) => m.id)).toEqual(acked);

    // After the restart the bus works again: a live event (never stored) crosses nodes.
    await eventually(async () => (await fetch(`${b.url}/readyz`)).ok, 10_000);
    await eventually(async () => (await fetch(`${a.url}/readyz`)).ok, 10_000);
    await sender.http.rooms.typing.mutate({ roomId: room.id, isTyping: true });
    await r.rec.waitFor((e) => e.type === "typing" && e.userId === sender.id, 5000);
  });

  it("takes the users of a node that died offline on the others, and records when they were last seen", async () => {
    const [a, b] = [node(cluster, 0), node(cluster, 1)];
    const watcher = await registerUser(a, "dead-w");
    const victim = await registerUser(b, "dead-v");
    const w = listen(watcher, 0);
    await w.rec.waitFor(isReady);
    const roomId = await shareRoom(watcher, victim, w.rec);
    const v = listen(victim, 1);
    await v.rec.waitFor(isReady);
    await w.rec.waitFor((e) => e.type === "presence" && e.userId === victim.id && e.online, 5000);

    v.client.target.current = { url: "http://127.0.0.1:9" }; // nowhere: the victim does not come back
    await b.stop("SIGKILL");
    await w.rec.waitFor((e) => e.type === "presence" && e.userId === victim.id && !e.online, 10_000);
    expect((await watcher.http.users.online.query()).some((u) => u.id === victim.id)).toBe(false);
    // The node that held the victim's socket died without saying so: the survivor records last_seen.
    await eventually(async () => {
      const members = await watcher.http.rooms.members.query({ roomId });
      return (members.find((m) => m.userId === victim.id)?.lastSeen ?? null) !== null;
    }, 5000);
    await b.start();
  });
});
