import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually, registerUser, type TestServer, startTestServer } from "../test/harness.ts";
import { ServerProcess } from "../test/process.ts";
import { openWire, type WireSocket, wireCode } from "../test/wire.ts";

/**
 * Transport and denial of service: hostile upgrades, garbage on the wire,
 * idle and dead sockets, too many sockets, a reader that never reads. After
 * each attack the server must still answer everyone else. (Foreign and
 * `null` Origins, CORS and the HTTP body cap are in ../transport.test.ts.)
 */

let server: TestServer;
const open: WireSocket[] = [];
beforeAll(async () => {
  server = await startTestServer({
    SEND_RATE_BURST: "100000",
    SEND_RATE_PER_SEC: "100000",
    WS_AUTH_TIMEOUT_MS: "500",
    WS_PING_MS: "300",
    WS_PONG_WAIT_MS: "300",
    MAX_SOCKETS_PER_USER: "3",
    MAX_BUFFERED_BYTES: "65536",
    MAX_QUEUED_EVENTS: "200",
  });
});
afterEach(() => {
  for (const w of open.splice(0)) w.close();
});
afterAll(() => server.dispose());

const wire = (...args: Parameters<typeof openWire>) => {
  const w = openWire(...args);
  open.push(w);
  return w;
};

/** The server still answers HTTP and an authenticated WebSocket call. */
async function stillServing(): Promise<void> {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const u = await registerUser(server, "alive");
  const w = wire(server, { token: u.accessToken });
  expect(wireCode(await w.call("query", "auth.me"))).toBe("OK");
  w.close();
}

/** Writes raw bytes and resolves with what came back before the server closed (or after `ms`). */
function rawExchange(data: string, ms = 2000): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    let got = "";
    const s: Socket = connect(Number(port), "127.0.0.1", () => s.write(data));
    s.on("data", (d) => {
      got += d.toString();
    });
    s.on("error", () => {});
    const done = () => resolve(got);
    s.on("close", done);
    setTimeout(() => {
      s.destroy();
      done();
    }, ms);
  });
}

describe("hostile upgrades", () => {
  it("refuses look-alike origins (other port, suffix, scheme tricks)", async () => {
    const { host, port } = new URL(server.url);
    for (const origin of [`http://${host}.evil.example`, `http://127.0.0.1:${Number(port) + 1}`, "http://evil.example", "file://", "null"]) {
      const w = openWire(server, { headers: { origin } });
      await expect(w.opened, origin).rejects.toThrow(/403/);
    }
  });

  it("does not accept a token in the WebSocket URL", async () => {
    const u = await registerUser(server, "urltok");
    for (const query of [`token=${u.accessToken}`, `access_token=${u.accessToken}`, `connectionParams=${encodeURIComponent(JSON.stringify({ token: u.accessToken }))}`]) {
      const w = wire(server, { query });
      expect(wireCode(await w.call("query", "auth.me")), query.slice(0, 20)).toBe("UNAUTHORIZED");
      w.close();
    }
  });

  it("survives thousands of headers and oversized headers, on HTTP and on the upgrade", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `x-h${i}: ${i}`).join("\r\n");
    const upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const replies = await Promise.all([
      rawExchange(`GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n\r\n`),
      rawExchange(`GET /ws HTTP/1.1\r\nHost: x\r\n${upgrade}${many}\r\n\r\n`),
      rawExchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: ${"a".repeat(64 * 1024)}\r\n\r\n`),
      rawExchange(`GET /ws HTTP/1.1\r\nHost: x\r\n${upgrade}x-big: ${"a".repeat(64 * 1024)}\r\n\r\n`),
    ]);
    // Refused (431) or cut off; never a 101 and never a crash.
    for (const r of replies) expect(r).not.toMatch(/^HTTP\/1\.1 (101|200)/);
    await stillServing();
  });
});

describe("garbage on the wire", () => {
  it("keeps running after malformed frames and invalid connectionParams", async () => {
    const u = await registerUser(server, "garbage");
    const frames: (string | Buffer)[] = [
      "",
      "not json",
      "{",
      "null",
      "[]",
      "123",
      '"string"',
      "{}",
      '{"id":1}',
      '{"id":1,"method":"query"}',
      '{"id":1,"method":"query","params":null}',
      '{"id":1,"method":"query","params":{"path":123}}',
      '{"id":1,"method":"query","params":{"path":"__proto__"}}',
      '{"id":1,"method":"query","params":{"path":"constructor.prototype"}}',
      '{"id":1,"method":"nope","params":{"path":"auth.me"}}',
      '{"id":{"a":1},"method":"query","params":{"path":"auth.me"}}',
      '{"id":2,"method":"subscription","params":{"path":"events.stream","input":{"lastEventId":"-1"}}}',
      '{"id":3,"method":"subscription","params":{"path":"events.stream","lastEventId":"99999999999999999999"}}',
      '{"id":4,"method":"subscription.stop"}',
      '{"id":5,"method":"mutation","params":{"path":"messages.send","input":{"roomId":"1; drop table messages"}}}',
      `[${Array.from({ length: 2000 }, (_, i) => `{"id":${1000 + i},"method":"query","params":{"path":"auth.me"}}`).join(",")}]`,
      "[".repeat(10000) + "]".repeat(10000),
      Buffer.from([0xff, 0xfe, 0x00, 0x01]),
      '{"method":"connectionParams","data":{"token":"again"}}',
    ];
    const paramsVariants = [
      '{"method":"connectionParams","data":"token"}',
      '{"method":"connectionParams","data":{"token":123}}',
      '{"method":"connectionParams","data":null}',
      '{"method":"connectionParams","data":[1,2]}',
      '{"method":"connectionParams","data":{"token":{"$gt":""}}}',
      '{"method":"connectionParams"}',
      "garbage instead of params",
    ];
    const w = wire(server, { token: u.accessToken });
    await w.opened;
    for (const f of frames) if (w.ws.readyState === 1) w.send(f);
    // A last call on the same socket: its reply (or the socket's close) means the server has read and dispatched every frame before it.
    // (An id of its own: the garbage above reuses small numeric ids.)
    if (w.ws.readyState === 1) w.send('{"id":"after-the-garbage","method":"query","params":{"path":"auth.me"}}');
    const last = await w.waitFor((m) => m.id === "after-the-garbage", 10_000).then(wireCode, () => (w.ws.readyState === 3 ? "closed" : "no reply in time"));
    expect(["OK", "closed"]).toContain(last);
    for (const p of paramsVariants) {
      const s = wire(server, { query: "connectionParams=1" });
      await s.opened;
      s.send(p);
      const reply = await Promise.race([s.call("query", "auth.me", undefined, 2000).then(wireCode, () => "closed"), s.closed.then(() => "closed")]);
      expect(["UNAUTHORIZED", "closed", "PARSE_ERROR"], p).toContain(reply);
    }
    await stillServing();
  });
});

describe("idle, dead and surplus sockets", () => {
  it("closes unauthenticated sockets after the auth timeout, but not authenticated ones", async () => {
    const u = await registerUser(server, "idle");
    const silent = wire(server);
    const noParams = wire(server, { query: "connectionParams=1" });
    const badToken = wire(server, { token: "bad" });
    const good = wire(server, { token: u.accessToken });
    expect(wireCode(await good.call("query", "auth.me"))).toBe("OK");
    // Opened after the good one: once its auth timeout has closed it, the good socket's own timer has fired too, if it had one.
    const later = wire(server);
    for (const w of [silent, noParams, badToken, later]) {
      const c = await w.closed;
      expect(c.code).toBe(4003);
      expect(c.afterMs).toBeLessThan(5000); // the default would be 15 s; slack for a busy CI machine
    }
    expect(wireCode(await good.call("query", "auth.me"))).toBe("OK");
    expect(good.ws.readyState).toBe(1);
  });

  it("terminates a peer that stops answering keep-alive pings, and keeps one that answers", async () => {
    const u = await registerUser(server, "dead");
    const before = server.svc.connections.count();
    const dead = wire(server, { token: u.accessToken, answerPings: false });
    const alive = wire(server, { token: u.accessToken });
    expect(wireCode(await dead.call("query", "auth.me"))).toBe("OK");
    expect(wireCode(await alive.call("query", "auth.me"))).toBe("OK");
    const c = await dead.closed;
    expect(c.afterMs).toBeLessThan(5000); // default keep-alive would take 40 s
    await eventually(() => server.svc.connections.count() === before + 1, 2000);
    expect(alive.ws.readyState).toBe(1);
  });

  it("holds the per-user socket cap (4008) and frees a slot when one closes", async () => {
    const u = await registerUser(server, "cap");
    const first = [wire(server, { token: u.accessToken }), wire(server, { token: u.accessToken }), wire(server, { token: u.accessToken })];
    for (const w of first) expect(wireCode(await w.call("query", "auth.me"))).toBe("OK");
    const extra = wire(server, { token: u.accessToken });
    expect((await extra.closed).code).toBe(4008);
    // Another user is unaffected by this user's cap.
    const other = await registerUser(server, "uncapped");
    expect(wireCode(await wire(server, { token: other.accessToken }).call("query", "auth.me"))).toBe("OK");
    first[0]?.close();
    await first[0]?.closed;
    await eventually(async () => {
      const again = wire(server, { token: u.accessToken });
      const code = wireCode(await again.call("query", "auth.me").catch(() => ({ error: { code: 0, message: "closed" } })));
      return code === "OK";
    }, 3000);
  });
});

describe("a reader that never reads", () => {
  // Keep-alive is long here, so only the buffer cap can cut the reader off.
  let slowServer: TestServer;
  beforeAll(async () => {
    slowServer = await startTestServer({
      SEND_RATE_BURST: "100000",
      SEND_RATE_PER_SEC: "100000",
      MAX_BUFFERED_BYTES: "65536",
      MAX_QUEUED_EVENTS: "200",
    });
  });
  afterAll(() => slowServer.dispose());

  it("is cut off (4009) with its buffer capped, then resumes with exactly what it missed", { timeout: 120_000 }, async () => {
    const server = slowServer;
    const [writer, reader] = await Promise.all([registerUser(server, "flooder"), registerUser(server, "sloth")]);
    const room = await writer.http.rooms.create.mutate({ name: "flood" });
    await reader.http.rooms.join.mutate({ roomId: room.id });
    const slow = wire(server, { token: reader.accessToken });
    const sub = slow.subscribe("events.stream");
    await slow.waitFor((m) => m.id === sub && m.result?.type === "data");
    const start = slow.tracked(sub)[0]?.id ?? "0";
    // Stop reading: the kernel buffers fill, then the server's.
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const before = server.svc.connections.count();
    // Flood until the server gives up on the reader. Loopback kernel buffers
    // take a few MiB first; after that the server's own buffer grows to the cap.
    const body = "x".repeat(3900);
    let total = 0;
    const t0 = Date.now();
    while (server.svc.connections.count() === before && total < 6000) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => writer.http.messages.send.mutate({ roomId: room.id, content: `${total + j} ${body}`, clientId: `m${total + j}` })),
      );
      total += 50;
    }
    // It is cut off without the peer's cooperation (a paused peer never answers the close).
    await eventually(() => server.svc.connections.count() === before - 1, 5000);
    expect(Date.now() - t0).toBeLessThan(60_000);

    // The reader wakes up, drains what did arrive, and resumes from its last position.
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    const closed = await slow.closed;
    // 4009 when the close frame gets through; 1006 when the server had to
    // destroy the socket because the frame sat behind the unread backlog.
    expect([4009, 1006]).toContain(closed.code);
    const first = slow.tracked(sub).filter((e) => e.data.type === "message.created");
    const last = slow.tracked(sub).at(-1)?.id ?? start;
    const again = wire(server, { token: reader.accessToken });
    const sub2 = again.subscribe("events.stream", undefined, last);
    await eventually(() => again.tracked(sub2).filter((e) => e.data.type === "message.created").length + first.length >= total, 10_000);
    const seen = [...first, ...again.tracked(sub2).filter((e) => e.data.type === "message.created")].map(
      (e) => e.data.message as { id: number; content: string },
    );
    // Every message exactly once, in the order of the log.
    const ids = seen.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(seen.map((m) => Number(m.content.split(" ")[0])).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(again.tracked(sub2).some((e) => e.data.type === "resync")).toBe(false);
  });
});

describe("server memory under stalled readers", () => {
  /** Peak resident memory of a process so far (VmHWM), in MiB. */
  const peakRssMiB = (pid: number | undefined) => {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  };

  it("stays bounded while ten readers stop reading during a 100+ MiB fan-out", { timeout: 180_000 }, async () => {
    await using server = new ServerProcess({ MAX_BUFFERED_BYTES: String(1024 * 1024) });
    await server.start();
    const [writer, ...readers] = await Promise.all(Array.from({ length: 11 }, () => registerUser(server, "mem")));
    if (!writer) throw new Error("no writer");
    const room = await writer.http.rooms.create.mutate({ name: "mem" });
    for (const r of readers) await r.http.rooms.join.mutate({ roomId: room.id });
    const stalled = readers.map((r) => openWire(server, { token: r.accessToken, keep: false }));
    // Each stream has started (its first frame arrived) before its reader stops reading.
    await Promise.all(
      stalled.map(async (w) => {
        await w.opened;
        const sub = w.subscribe("events.stream");
        await w.waitFor((m) => m.id === sub && m.result?.type === "data", 10_000);
      }),
    );
    for (const w of stalled) (w.ws as unknown as { _socket: Socket })._socket.pause();
    // Warm up (JIT, SQLite cache) before taking the baseline.
    const send = openWire(server, { token: writer.accessToken });
    const body = "x".repeat(3900);
    const flood = async (from: number, count: number) => {
      for (let i = from; i < from + count; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, j) => send.call("mutation", "messages.send", { roomId: room.id, content: `${i + j} ${body}`, clientId: `mem${i + j}` }, 30_000)),
        );
      }
    };
    await flood(0, 200);
    const baseline = peakRssMiB(server.pid);
    // 3,000 messages of ~4 KB to each of 10 readers: ~117 MiB if the server buffered it all.
    await flood(200, 3000);
    const peak = peakRssMiB(server.pid);
    console.log(`server peak RSS: ${baseline.toFixed(0)} MiB after warm-up, ${peak.toFixed(0)} MiB after the flood`);
    expect(peak - baseline).toBeLessThan(60);
    for (const w of stalled) w.close();
    send.close();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
