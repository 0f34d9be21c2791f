import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { registerUser, type TestServer, type TestUser, startTestServer } from "./test/harness.ts";
import { ServerProcess } from "./test/process.ts";
import { openWire, type WireMessage, type WireSocket, wireCode } from "./test/wire.ts";

/**
 * Batching must not turn one client into gigabytes: batches are capped on
 * HTTP and WebSocket, a batched HTTP response has a byte budget, and a
 * socket whose replies pile up unread is cut off like a slow stream reader
 * (socket-guard.ts), while everyone else keeps being served.
 */

const BUDGET = 1024 * 1024;
const PAGE = 100;
// ~4 KB per message: a page of 100 is ~400 KB of JSON.
const body = "x".repeat(3990);

let server: TestServer;
let owner: TestUser;
let roomId: number;
const sockets: WireSocket[] = [];

/** A room holding one full page of ~4 KB messages. */
async function seedRoom(user: TestUser): Promise<number> {
  const room = await user.http.rooms.create.mutate({ name: `batch${Date.now() % 100000}` });
  for (let i = 0; i < PAGE; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, j) => user.http.messages.send.mutate({ roomId: room.id, content: `${i + j} ${body}`, clientId: `seed-${i + j}` })),
    );
  }
  return room.id;
}

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000", MAX_BUFFERED_BYTES: String(BUDGET) });
  owner = await registerUser(server, "batch");
  roomId = await seedRoom(owner);
});
afterEach(() => {
  for (const w of sockets.splice(0)) w.close();
});
afterAll(() => server.dispose());

const listInput = () => ({ roomId, limit: PAGE });
const batchUrl = (n: number) => {
  const paths = Array.from({ length: n }, () => "messages.list").join(",");
  const input = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, listInput()]));
  return `${server.url}/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`;
};
type Reply = { result?: unknown; error?: { message: string; data?: { code?: string } } };
const replyCode = (r: Reply | undefined) => (r?.error ? (r.error.data?.code ?? "?") : "OK");

describe("batches over HTTP", () => {
  it("a batch of more than MAX_BATCH_SIZE (100) calls is refused with BAD_REQUEST before any of them runs", async () => {
    const res = await fetch(batchUrl(101), { headers: { authorization: `Bearer ${owner.accessToken}` } });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.length).toBeLessThan(10_000);
    expect(text).toContain("BAD_REQUEST");
  });

  it("a batched response stays within its byte budget: calls past it get PAYLOAD_TOO_LARGE, the rest their data", async () => {
    const res = await fetch(batchUrl(10), { headers: { authorization: `Bearer ${owner.accessToken}` } });
    const text = await res.text();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(BUDGET + 10_000);
    const replies = JSON.parse(text) as Reply[];
    const codes = replies.map(replyCode);
    expect(codes).toContain("OK");
    expect(codes.filter((c) => c !== "OK").every((c) => c === "PAYLOAD_TOO_LARGE")).toBe(true);
    expect(codes).toContain("PAYLOAD_TOO_LARGE");
  });

  it("a single call is not held to the batch budget", async () => {
    const page = await owner.http.messages.list.query(listInput());
    expect(page.items).toHaveLength(PAGE);
  });
});

describe("batches over WebSocket", () => {
  it("a frame of more than MAX_BATCH_SIZE (100) calls gets BAD_REQUEST for each id, and the socket keeps serving", async () => {
    const w = openWire(server, { token: owner.accessToken });
    sockets.push(w);
    await w.opened;
    const ids = Array.from({ length: 101 }, (_, i) => 500 + i);
    w.send(JSON.stringify(ids.map((id) => ({ id, method: "query", params: { path: "messages.list", input: listInput() } }))));
    const replies = await Promise.all(ids.map((id) => w.waitFor((m: WireMessage) => m.id === id)));
    expect(replies.map(wireCode)).toEqual(Array(101).fill("BAD_REQUEST"));
    expect(wireCode(await w.call("query", "auth.me"))).toBe("OK");
  });
});

describe("a client that sends calls and never reads the replies", () => {
  /** Peak resident memory of a process so far (VmHWM), in MiB. */
  const peakRssMiB = (pid: number | undefined) => {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  };

  it("is cut off, server memory stays bounded, and another user's /healthz and sends answer throughout", { timeout: 180_000 }, async () => {
    await using proc = new ServerProcess({ MAX_BUFFERED_BYTES: String(BUDGET) });
    await proc.start();
    const [attacker, victim] = await Promise.all([registerUser(proc, "flood"), registerUser(proc, "victim")]);
    if (!attacker || !victim) throw new Error("no users");
    const room = await seedRoom(attacker);
    const victimRoom = await victim.http.rooms.create.mutate({ name: "quiet" });
    const v = openWire(proc, { token: victim.accessToken });
    sockets.push(v);
    // Warm up (JIT, SQLite cache) with a reading client before the baseline.
    const warm = openWire(proc, { token: attacker.accessToken });
    sockets.push(warm);
    for (let i = 0; i < 5; i++) expect(wireCode(await warm.call("query", "messages.list", { roomId: room, limit: PAGE }, 30_000))).toBe("OK");
    warm.close();
    const baseline = peakRssMiB(proc.pid);

    const a = openWire(proc, { token: attacker.accessToken, keep: false });
    sockets.push(a);
    await a.opened;
    expect(wireCode(await a.call("query", "auth.me"))).toBe("OK");
    a.ws.pause();
    // 40 frames of 20 pages of ~400 KB: ~320 MB of replies if the server kept them all.
    let id = 100_000;
    for (let f = 0; f < 40; f++) {
      a.send(JSON.stringify(Array.from({ length: 20 }, () => ({ id: id++, method: "query", params: { path: "messages.list", input: { roomId: room, limit: PAGE } } }))));
    }
    // The victim is served while the flood is being handled: each call has its deadline.
    for (let i = 0; i < 20; i++) {
      const health = await fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect(health.status).toBe(200);
      const sent = await v.call("mutation", "messages.send", { roomId: victimRoom.id, content: `still here ${i}`, clientId: `v${i}` }, 10_000);
      expect(wireCode(sent)).toBe("OK");
    }
    // Reading again, the attacker finds its socket closed by the server.
    a.ws.resume();
    const closed = await Promise.race([a.closed, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    expect(closed, "the server never cut the non-reading socket off").not.toBeNull();
    expect([4009, 1006]).toContain(closed?.code);
    const peak = peakRssMiB(proc.pid);
    console.log(`server peak RSS: ${baseline.toFixed(0)} MiB after warm-up, ${peak.toFixed(0)} MiB after the flood`);
    expect(peak - baseline).toBeLessThan(100);
    expect((await fetch(`${proc.url}/healthz`)).status).toBe(200);
  });
});
