import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { StreamEvent } from "@parley/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openStream, type Recorder, registerUser, type TestServer, type TestUser, startTestServer, type WsApi } from "./test/harness.ts";
import { syncPoint, withoutSyncPoints } from "./test/sync.ts";

/**
 * Response URLs (issue 17): a custom command that misses its 3 s answers
 * later by POSTing to the `response_url` of its request, in the room or to
 * its caller alone; the URL is a secret with an expiry and a use budget.
 * The integration is a real HTTP receiver that holds its answer past the deadline.
 */

let server: TestServer;
let sub: Server;
let subUrl = "";
/** Requests the receiver holds unanswered (the late command), in order. */
const held: { body: { response_url: string; text: string }; res: ServerResponse }[] = [];
const arrivals = new Set<() => void>();
const open: (WsApi | Recorder)[] = [];

beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
  sub = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      held.push({ body: JSON.parse(Buffer.concat(chunks).toString()) as { response_url: string; text: string }, res });
      for (const a of arrivals) a();
    });
  });
  await new Promise<void>((r) => sub.listen(0, "127.0.0.1", r));
  subUrl = `http://127.0.0.1:${(sub.address() as AddressInfo).port}/cmd`;
});
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
  for (const h of held.splice(0)) h.res.destroy();
});
afterAll(async () => {
  sub.closeAllConnections();
  sub.close();
  await server.dispose();
});

const stream = (u: TestUser, lastEventId?: string | null): Recorder => openStream(server, u, open, lastEventId);

/** The next request the receiver gets, within 5 s. */
function nextRequest(after: number): Promise<{ response_url: string; text: string }> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const h = held[after];
      if (!h) return;
      arrivals.delete(check);
      clearTimeout(timer);
      resolve(h.body);
    };
    const timer = setTimeout(() => {
      arrivals.delete(check);
      reject(new Error("the command's request never arrived"));
    }, 5000);
    arrivals.add(check);
    check();
  });
}

async function respond(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json().catch(() => null)) as { ok?: boolean; messageId?: number } | null };
}

describe("a custom command's response URL", () => {
  it("takes a late answer after the deadline: in the room once per Idempotency-Key, and for the caller alone live and on replay", async () => {
    const [ann, bob] = await Promise.all([registerUser(server, "rann"), registerUser(server, "rbob")]);
    const room = await ann.http.rooms.create.mutate({ name: "late" });
    await ann.http.rooms.addMember.mutate({ roomId: room.id, username: bob.username });
    await ann.http.commands.create.mutate({ roomId: room.id, trigger: "build", url: subUrl });
    const bobLive = stream(bob);
    const annLive = stream(ann);
    await Promise.all([bobLive, annLive].map((r) => r.waitFor((e) => e.type === "ready")));
    const from = bobLive.lastId();

    const request = nextRequest(held.length);
    const run = bob.http.commands.run.mutate({ roomId: room.id, text: "/build main", clientId: "late-1" });
    const { response_url: url, text } = await request;
    expect(text).toBe("main");
    expect(url.startsWith(`${server.url}/command-responses/`)).toBe(true);
    const secret = url.slice(url.lastIndexOf("/") + 1);
    const stored = await server.svc.db.selectFrom("command_responses").selectAll().execute();
    expect(stored.map((r) => r.secret_hash)).toContain(createHash("sha256").update(secret).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(secret);
    // The receiver holds its answer past the 3 s: the caller is told so, and the answer follows through the URL.
    expect(await run).toEqual({ kind: "ephemeral", text: "/build did not answer within 3 s" });

    const first = await respond(url, { text: "build main passed" }, { "idempotency-key": "done-1" });
    expect(first).toEqual({ status: 200, body: { ok: true, messageId: expect.any(Number) } });
    expect(await respond(url, { text: "build main passed" }, { "idempotency-key": "done-1" })).toEqual(first);
    const texts = (await ann.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text");
    expect(texts.map((m) => [m.content, m.sender?.isBot, m.sender?.displayName])).toEqual([["build main passed", true, "/build"]]);

    expect(await respond(url, { text: "artifacts at /tmp/x", ephemeral: true })).toEqual({ status: 200, body: { ok: true } });
    const told = (e: StreamEvent) => e.type === "command.replied" && e.text === "artifacts at /tmp/x";
    expect(await bobLive.waitFor(told)).toMatchObject({ type: "command.replied", roomId: room.id, command: "/build", text: "artifacts at /tmp/x" });
    // Slack's spelling works too.
    expect((await respond(url, { text: "slack style", response_type: "ephemeral" })).status).toBe(200);
    await bobLive.waitFor((e) => e.type === "command.replied" && e.text === "slack style");
    // Ann, a member too, hears nothing of it (the sync point comes after it in the log).
    await syncPoint(ann, annLive);
    expect(withoutSyncPoints(annLive).filter((e) => e.type === "command.replied")).toEqual([]);
    // Bob's other device, resuming from before, gets both answers.
    const replay = stream(bob, from);
    await replay.waitFor(told);
    expect(replay.events.filter((e) => e.type === "command.replied")).toHaveLength(2);
    // Ephemeral answers are not messages.
    expect((await ann.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text")).toHaveLength(1);
  });

  it("is a 404 once used up, expired or wrong, and a bad body is a 400", async () => {
    const owner = await registerUser(server, "rown");
    const room = await owner.http.rooms.create.mutate({ name: "budget" });
    await owner.http.commands.create.mutate({ roomId: room.id, trigger: "ping", url: subUrl });
    const request = nextRequest(held.length);
    const run = owner.http.commands.run.mutate({ roomId: room.id, text: "/ping", clientId: "budget-1" });
    const { response_url: url } = await request;
    // Answered in time with nothing to say: the URL still takes later answers.
    held[held.length - 1]?.res.writeHead(200, { "content-type": "application/json" }).end("{}");
    expect(await run).toEqual({ kind: "ephemeral", text: "/ping answered nothing" });
    expect((await respond(url, { nothing: true })).status).toBe(400);
    expect((await respond(url, { text: "   " })).status).toBe(400);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await respond(url, { text: `pong ${i}` })).status);
    // Five uses in all (the two bad bodies took theirs).
    expect(statuses).toEqual([200, 200, 200, 404]);
    expect((await respond(`${url.slice(0, -4)}AAAA`, { text: "guess" })).status).toBe(404);
    expect((await fetch(url)).status).toBe(405);

    const again = nextRequest(held.length);
    const second = owner.http.commands.run.mutate({ roomId: room.id, text: "/ping", clientId: "budget-2" });
    const { response_url: url2 } = await again;
    held[held.length - 1]?.res.writeHead(200, { "content-type": "application/json" }).end("{}");
    await second;
    // Its half hour is up (moved back rather than waited for).
    await server.svc.db.updateTable("command_responses").set({ expires_at: Date.now() - 1 }).execute();
    expect((await respond(url2, { text: "too late" })).status).toBe(404);
    const texts = (await owner.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text").map((m) => m.content);
    expect(texts).toEqual(["pong 0", "pong 1", "pong 2"]);
  });
});
