import type { AppRouter } from "@parley/api";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import { inject } from "vitest";
import WebSocket from "ws";
import { type Api, type Endpoint, type Recorder, type TestUser, wsUrl } from "../test/harness.ts";
import { ServerProcess } from "../test/process.ts";
import { createTestDatabase, type RedisServer, startRedis } from "../test/services.ts";

/**
 * Several Parley processes (dist/main.js) over one PostgreSQL database and,
 * optionally, one Redis: the deployment of docs/DEPLOYING.md on one machine.
 */
export interface Cluster {
  nodes: ServerProcess[];
  redis: RedisServer | null;
  databaseUrl: string;
  dispose(): Promise<void>;
}

export async function startCluster(size: number, opts: { redis?: boolean; env?: Record<string, string> } = {}): Promise<Cluster> {
  const databaseUrl = await createTestDatabase(inject("pgAdminUrl"), "cluster");
  const redis = opts.redis === false ? null : await startRedis();
  const nodes = Array.from(
    { length: size },
    (_, i) =>
      new ServerProcess({
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_SIZE: "5",
        ...(redis ? { REDIS_URL: redis.url } : {}),
        NODE_ID: `node-${i}`,
        PRESENCE_HEARTBEAT_MS: "200",
        ...opts.env,
      }),
  );
  const [first, ...rest] = nodes;
  // The first node migrates; the others then find the schema in place.
  await first?.start();
  await Promise.all(rest.map((n) => n.start()));
  return {
    nodes,
    redis,
    databaseUrl,
    async dispose() {
      await Promise.all(nodes.map((n) => n[Symbol.asyncDispose]()));
      await redis?.stop();
    },
  };
}

export function node(c: Cluster, i: number): ServerProcess {
  const n = c.nodes[i];
  if (!n) throw new Error(`no node ${i}`);
  return n;
}

/**
 * A WebSocket client whose next (re)connection goes to `target.current`:
 * move it, or kill the node it is on, and it resumes elsewhere with the
 * last event id tRPC tracked.
 */
export interface RoamingClient {
  api: Api;
  target: { current: Endpoint };
  close(): Promise<void>;
}

export function roamingClient(start: Endpoint, token: string): RoamingClient {
  const target = { current: start };
  const client = createWSClient({
    url: () => wsUrl(target.current),
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({ token }),
    retryDelayMs: () => 100,
  });
  return { api: createTRPCClient<AppRouter>({ links: [wsLink({ client })] }), target, close: () => client.close() };
}

/**
 * Puts `other` in a room of `owner`'s (returns its id) and waits until `ownerStream` has seen
 * it: from then on the owner's node knows they are peers, and presence
 * changes of one reach the other (presence goes to people who share a room).
 */
export async function shareRoom(owner: TestUser, other: TestUser, ownerStream: Recorder): Promise<number> {
  const room = await owner.http.rooms.create.mutate({ name: `peers ${owner.id}-${other.id}` });
  await owner.http.rooms.addMember.mutate({ roomId: room.id, username: other.username });
  await ownerStream.waitFor((e) => e.type === "member.joined" && e.member.userId === other.id);
  return room.id;
}
