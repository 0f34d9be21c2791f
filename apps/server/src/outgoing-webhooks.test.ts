import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually, registerUser, type TestServer, startTestServer } from "./test/harness.ts";

/** Outgoing webhooks (issue 17): signed POSTs from a durable queue, replies, and the SSRF filter. */

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A subscriber on loopback: records each request and answers with `respond`. */
class Receiver {
  readonly requests: Received[] = [];
  respond: (r: Received) => { status: number; body?: unknown } = () => ({ status: 200 });
  private server: Server | null = null;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const r = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
        this.requests.push(r);
        const answer = this.respond(r);
        res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body === undefined ? "" : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** What a subscriber does with Parley's request (docs/INTEGRATIONS.md): recompute and compare in constant time. */
function verify(secret: string, r: Received): boolean {
  const ts = String(r.headers["x-parley-timestamp"]);
  const expected = Buffer.from(`v0=${createHmac("sha256", secret).update(`v0:${ts}:${r.body}`).digest("hex")}`);
  const given = Buffer.from(String(r.headers["x-parley-signature"]));
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}

let server: TestServer;
const receivers: Receiver[] = [];
beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
});
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.stop();
});
afterAll(() => server.dispose());

const receiver = async () => {
  const r = await new Receiver().start();
  receivers.push(r);
  return r;
};
const contentOf = (r: Received) => (JSON.parse(r.body) as { message: { content: string } }).message.content;

describe("outgoing webhooks", () => {
  it("POST matching messages signed with the webhook's secret, and a { text } answer is posted as its bot", async () => {
    const sub = await receiver();
    sub.respond = (r) => ({ status: 200, body: { text: `pong: ${contentOf(r)}` } });
    const owner = await registerUser(server, "oowner");
    const room = await owner.http.rooms.create.mutate({ name: "ops" });
    const { id, secret } = await owner.http.webhooks.createOutgoing.mutate({ roomId: room.id, url: sub.url, triggerWords: ["Ping"] });
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    await owner.http.messages.send.mutate({ roomId: room.id, content: "hello there", clientId: "o1" });
    await owner.http.messages.send.mutate({ roomId: room.id, content: "ping now", clientId: "o2" });
    const reply = async (text: string) =>
      eventually(async () => (await owner.http.messages.list.query({ roomId: room.id })).items.some((m) => m.content === text), 10_000);
    await reply("pong: ping now");
    await owner.http.messages.send.mutate({ roomId: room.id, content: "PING again", clientId: "o3" });
    await reply("pong: PING again");
    // "hello there" came first in the log: had it matched, its request would have come before the last one.
    expect(sub.requests.map(contentOf)).toEqual(["ping now", "PING again"]);
    for (const r of sub.requests) expect(verify(secret, r)).toBe(true);
    expect(verify("another secret", sub.requests[0] as Received)).toBe(false);
    const first = JSON.parse(sub.requests[0]?.body ?? "{}") as Record<string, unknown>;
    expect(first).toMatchObject({ room: { id: room.id, name: "ops" }, user: { id: owner.id, username: owner.username }, message: { roomId: room.id } });
    expect(sub.requests[0]?.headers["x-parley-delivery"]).toMatch(/^\d+$/);
    // The bot's own replies trigger nothing (they start with "pong").
    const deliveries = await owner.http.webhooks.deliveries.query({ webhookId: id });
    expect(deliveries.map((d) => [d.attempts, d.deliveredAt !== null])).toEqual([
      [1, true],
      [1, true],
    ]);
  });

  it("retries a failed delivery with the same delivery id, across a server restart", async () => {
    const sub = await receiver();
    sub.respond = () => ({ status: 503 });
    const owner = await registerUser(server, "oretry");
    const room = await owner.http.rooms.create.mutate({ name: "retry" });
    const { id } = await owner.http.webhooks.createOutgoing.mutate({ roomId: room.id, url: sub.url });
    await owner.http.messages.send.mutate({ roomId: room.id, content: "deploy started", clientId: "r1" });
    await eventually(() => sub.requests.length >= 1, 10_000);
    server = await server.restart();
    sub.respond = () => ({ status: 200 });
    await eventually(() => sub.requests.length >= 2, 15_000);
    const ids = sub.requests.map((r) => r.headers["x-parley-delivery"]);
    expect(new Set(ids).size).toBe(1);
    expect(sub.requests.map(contentOf)).toEqual(sub.requests.map(() => "deploy started"));
    await eventually(async () => {
      const rows = await server.svc.db.selectFrom("webhook_deliveries").selectAll().where("webhook_id", "=", id).execute();
      return rows.length === 1 && rows[0]?.delivered_at !== null;
    }, 10_000);
  });

  it("refuses a private address unless WEBHOOK_ALLOW_HOSTS lists it", async () => {
    const strict = await startTestServer();
    try {
      const sub = await receiver();
      const owner = await registerUser(strict, "ossrf");
      const room = await owner.http.rooms.create.mutate({ name: "ssrf" });
      const { id } = await owner.http.webhooks.createOutgoing.mutate({ roomId: room.id, url: sub.url });
      await owner.http.messages.send.mutate({ roomId: room.id, content: "fetch the metadata", clientId: "s1" });
      let error: string | null = null;
      await eventually(async () => {
        error = (await owner.http.webhooks.deliveries.query({ webhookId: id }))[0]?.lastError ?? null;
        return error !== null;
      }, 10_000);
      expect(error).toMatch(/127\.0\.0\.1.*not allowed/);
      expect(sub.requests).toEqual([]);
    } finally {
      await strict.dispose();
    }
  });

  it("refuses a URL that is not http(s) or carries credentials", async () => {
    const owner = await registerUser(server, "ourl");
    const room = await owner.http.rooms.create.mutate({ name: "urls" });
    for (const url of ["file:///etc/passwd", "ftp://example.com/x", "http://user:pw@example.com/", "not a url"]) {
      await expect(owner.http.webhooks.createOutgoing.mutate({ roomId: room.id, url })).rejects.toMatchObject({ data: { code: "BAD_REQUEST" } });
    }
  });
});
