import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpApi, startTestServer, type TestServer, wsUrl } from "./test/harness.ts";

/**
 * `messages.send` over WebSocket is served by a lean endpoint instead of
 * tRPC's adapter and middleware chain (api realtime/send-endpoint.ts). Two
 * servers, one with it and one without, get the same frames in the same
 * order; every reply must be the same bytes (after the wall-clock fields are
 * blanked), successes and every kind of refusal alike.
 */

interface World {
  server: TestServer;
  alice: string;
  bob: string;
}

async function world(leanSend: boolean): Promise<World> {
  const server = await startTestServer({ SEND_RATE_BURST: "40", SEND_RATE_PER_SEC: "0.0001" }, undefined, { leanSend });
  const api = httpApi(server);
  const a = await api.auth.register.mutate({ username: "alice", email: "alice@example.com", password: "correct horse" });
  const b = await api.auth.register.mutate({ username: "bob", email: "bob@example.com", password: "correct horse" });
  const alice = httpApi(server, a.accessToken);
  await alice.rooms.create.mutate({ name: "public" }); // room 1
  await alice.rooms.create.mutate({ name: "private", isPrivate: true }); // room 2
  await alice.rooms.create.mutate({ name: "second" }); // room 3
  return { server, alice: a.accessToken, bob: b.accessToken };
}

/** Sends each frame on a fresh socket authenticated with `token`, in order, and returns the replies in order. */
async function exchange(server: TestServer, token: string, frames: string[]): Promise<string[]> {
  const ws = new WebSocket(`${wsUrl(server)}?connectionParams=1`);
  const replies: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => {
      ws.send(JSON.stringify({ method: "connectionParams", data: { token } }));
      resolve();
    });
    ws.once("error", reject);
  });
  try {
    for (const frame of frames) {
      const reply = new Promise<string>((resolve) => ws.once("message", (d) => resolve(d.toString())));
      ws.send(frame);
      replies.push(await reply);
    }
  } finally {
    ws.close();
  }
  return replies;
}

const send = (id: number | string, input: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, ...extra, method: "mutation", params: { path: "messages.send", input } });

/** Blanks the wall-clock fields, the only ones two servers may differ in. */
const normalise = (reply: string) => reply.replace(/"(createdAt|editedAt)":\d+/g, '"$1":0');

const kindOf = (reply: string) => {
  const m = JSON.parse(reply) as { result?: unknown; error?: { data: { code: string; zodError: unknown } } };
  return m.result ? "data" : `${m.error?.data.code}${m.error?.data.zodError ? " (zod)" : ""}`;
};

let lean: World;
let trpc: World;
beforeAll(async () => {
  lean = await world(true);
  trpc = await world(false);
});
afterAll(async () => {
  await lean?.server.dispose();
  await trpc?.server.dispose();
});

describe("the lean messages.send endpoint", () => {
  it("answers exactly as tRPC does, for stored messages and for every refusal", async () => {
    const aliceFrames = [
      send(1, { roomId: 1, content: "hello", clientId: "c-1" }),
      send(2, { roomId: 1, content: "hello again", clientId: "c-1" }), // a retry: the stored original
      send("s-3", { roomId: 1, content: "  trimmed  ", clientId: "c-3" }, { jsonrpc: "2.0" }),
      send(4, { roomId: 1, content: "a".repeat(4001), clientId: "c-4" }), // too long
      send(5, { roomId: 1, content: " \n ", clientId: "c-5" }), // blank
      send(6, { roomId: 1, content: "x", clientId: "bad id!" }),
      send(7, { roomId: "1", content: "x" }),
      send(8, "not an object"),
      send(9, null),
      send(10, { roomId: 999, content: "x", clientId: "c-10" }), // no such room
      send(11, { roomId: 3, content: "x", clientId: "c-1" }), // clientId used in another room
      send(12, { roomId: 2, content: "private", clientId: "c-12" }),
      send(13, { roomId: 1, content: "<b>markup</b> & \u2028 😀", clientId: "c-13" }),
      send(14, { roomId: 1, content: "x", clientId: "c-14" }, { jsonrpc: "1.0" }), // not JSON-RPC 2.0: tRPC's own refusal
      // lastEventId is for subscriptions; tRPC merges it into the input, and so must whoever serves this.
      JSON.stringify({ id: 15, method: "mutation", params: { path: "messages.send", input: { roomId: 1, content: "y", clientId: "c-15" }, lastEventId: "3" } }),
      // Thread replies (message 4 is c-1's "hello"): plain, also to the room, to a reply, and refused ones.
      send(16, { roomId: 1, content: "in a thread", clientId: "c-16", threadId: 4 }),
      send(17, { roomId: 1, content: "to everyone", clientId: "c-17", threadId: 4, alsoToRoom: true }),
      send(18, { roomId: 1, content: "nested", clientId: "c-18", threadId: 9 }), // c-16's reply: attaches to 4
      send(19, { roomId: 1, content: "x", clientId: "c-19", alsoToRoom: true }), // alsoToRoom without a thread
      send(20, { roomId: 1, content: "x", clientId: "c-20", threadId: 999 }), // no such message
      send(21, { roomId: 3, content: "x", clientId: "c-21", threadId: 4 }), // a message of another room
      send(22, { roomId: 1, content: "again", clientId: "c-16", threadId: 4 }), // a retried reply
    ];
    const bobFrames = [
      send(1, { roomId: 1, content: "not a member", clientId: "b-1" }), // public, not joined: FORBIDDEN
      send(2, { roomId: 2, content: "hidden", clientId: "b-2" }), // private: NOT_FOUND
      send(3, { roomId: 1, content: "hello", clientId: "c-1" }), // alice's clientId is not bob's
    ];
    // Over the send rate (burst 40, next token in hours): the later ones are TOO_MANY_REQUESTS.
    const flood = Array.from({ length: 45 }, (_, i) => send(100 + i, { roomId: 3, content: `f${i}`, clientId: `f-${i}` }));

    const kinds = new Set<string>();
    for (const [frames, token] of [
      [aliceFrames, "alice"],
      [bobFrames, "bob"],
      [[send(1, { roomId: 1, content: "x", clientId: "n-1" })], "nobody"],
      [flood, "alice"],
    ] as const) {
      const tokenOf = (w: World) => (token === "alice" ? w.alice : token === "bob" ? w.bob : "not-a-token");
      const got = (await exchange(lean.server, tokenOf(lean), [...frames])).map(normalise);
      const want = (await exchange(trpc.server, tokenOf(trpc), [...frames])).map(normalise);
      expect(got).toEqual(want);
      for (const reply of got) kinds.add(kindOf(reply));
    }
    // The comparison would prove little if the replies were all alike.
    expect([...kinds].sort()).toEqual(
      ["BAD_REQUEST (zod)", "CONFLICT", "FORBIDDEN", "NOT_FOUND", "PARSE_ERROR", "TOO_MANY_REQUESTS", "UNAUTHORIZED", "data"].sort(),
    );
  });
});
