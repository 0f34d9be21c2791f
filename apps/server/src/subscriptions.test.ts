import { appRouter } from "@parley/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { registerUser, type TestServer, type TestUser, startTestServer } from "./test/harness.ts";
import { openWire, type WireMessage, type WireSocket, wireCode } from "./test/wire.ts";

// Every subscription the router declares, so a new one cannot skip these rules.
type ProcedureDef = { _def: { type: "query" | "mutation" | "subscription" } };
const procedures = (appRouter._def as unknown as { procedures: Record<string, ProcedureDef> }).procedures;
const subscriptions = Object.entries(procedures)
  .filter(([, p]) => p._def.type === "subscription")
  .map(([path]) => path);

let server: TestServer;
let alice: TestUser;
const sockets: WireSocket[] = [];
const wire = (u: TestUser) => {
  const w = openWire(server, { token: u.accessToken });
  sockets.push(w);
  return w;
};

beforeAll(async () => {
  server = await startTestServer();
  alice = await registerUser(server, "sub");
  // Something to replay, so a stream that does start has data to send.
  await alice.http.rooms.create.mutate({ name: "sub-room" });
});
afterEach(() => {
  for (const w of sockets.splice(0)) w.close();
});
afterAll(() => server.dispose());

/**
 * The whole HTTP response, or what arrived of it by the deadline. A refused
 * subscription's response ends by itself: its end is the sync point that
 * proves nothing more will come.
 */
async function readAll(res: Response, deadlineMs = 5000): Promise<{ text: string; ended: boolean }> {
  const reader = res.body?.getReader();
  if (!reader) return { text: "", ended: true };
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) {
      await reader.cancel();
      return { text, ended: false };
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), left);
    });
    const chunk = await Promise.race([reader.read(), timeout]);
    clearTimeout(timer);
    if (chunk === "timeout") {
      await reader.cancel();
      return { text, ended: false };
    }
    if (chunk.done) return { text, ended: true };
    text += decoder.decode(chunk.value, { stream: true });
  }
}

const bearer = () => ({ authorization: `Bearer ${alice.accessToken}` });

/** The event names of a server-sent event stream ("message" for plain data events, which carry subscription items). */
const sseEvents = (text: string) =>
  text
    .split(/\n\n+/)
    .filter((block) => block.trim() !== "")
    .map((block) => /^event: (.*)$/m.exec(block)?.[1] ?? "message");

describe("subscriptions over HTTP", () => {
  it("the router declares subscriptions (so the checks below check something)", () => {
    expect(subscriptions).toContain("events.stream");
  });

  for (const path of subscriptions) {
    it(`GET /trpc/${path} with a Bearer token is refused with a typed error pointing to /ws, and never streams`, async () => {
      const input = encodeURIComponent(JSON.stringify({ lastEventId: "0" }));
      const res = await fetch(`${server.url}/trpc/${path}?input=${input}`, { headers: bearer(), signal: AbortSignal.timeout(10_000) });
      const { text, ended } = await readAll(res);
      expect(text).not.toContain('"type":"ready"');
      expect(sseEvents(text)).not.toContain("message");
      expect(text).toContain("METHOD_NOT_SUPPORTED");
      expect(text).toContain("subscriptions are served over WebSocket at /ws");
      expect(ended).toBe(true);
    });
  }

  it("POST and batched requests for a subscription are refused too, and never stream", async () => {
    const post = (path: string, body: string) =>
      fetch(`${server.url}/trpc/${path}`, { method: "POST", headers: { ...bearer(), "content-type": "application/json" }, body });
    const get = (path: string, input: unknown) => fetch(`${server.url}/trpc/${path}&input=${encodeURIComponent(JSON.stringify(input))}`, { headers: bearer() });
    // [response, index of each subscription call in the batch (null: not a batch)]
    const attempts: [Promise<Response>, number[] | null][] = [
      [post("events.stream", JSON.stringify({ lastEventId: "0" })), null],
      [get("events.stream,events.stream?batch=1", { 0: {}, 1: { lastEventId: "0" } }), [0, 1]],
      [get("auth.me,events.stream?batch=1", { 1: { lastEventId: "0" } }), [1]],
      [post("events.stream,auth.me?batch=1", JSON.stringify({ 0: { lastEventId: "0" } })), [0]],
    ];
    const responses = await Promise.all(attempts.map(([pending]) => pending));
    for (const [i, [, subscriptionCalls]] of attempts.entries()) {
      const res = responses[i];
      if (!res) throw new Error("no response");
      const { text, ended } = await readAll(res);
      expect(ended).toBe(true);
      expect(text).not.toContain('"type":"ready"');
      if (subscriptionCalls === null) {
        expect(sseEvents(text)).not.toContain("message");
        expect(text).toContain("METHOD_NOT_SUPPORTED");
        continue;
      }
      type Reply = { error?: { data?: { code?: string } }; result?: unknown };
      // A batch tRPC refuses whole (mixed types) is one error for all its calls.
      const parsed = JSON.parse(text) as Reply | Reply[];
      const replyTo = (call: number) => (Array.isArray(parsed) ? parsed[call] : parsed);
      for (const call of subscriptionCalls) {
        expect(replyTo(call)?.result).toBeUndefined();
        expect(replyTo(call)?.error?.data?.code).toMatch(/METHOD_NOT_SUPPORTED|BAD_REQUEST/);
      }
    }
  });
});

const started = (w: WireSocket, id: number) => w.messages.some((m) => m.id === id && m.result?.type === "started");
const answered = (id: number | string) => (m: WireMessage) => m.id === id && (m.error !== undefined || m.result?.type === "started");

describe("subscriptions per socket", () => {
  it("a socket runs at most 4 subscriptions; the next gets TOO_MANY_REQUESTS, and a stopped one frees its slot", async () => {
    const w = wire(alice);
    const ids = Array.from({ length: 6 }, () => w.subscribe("events.stream", {}));
    const replies = await Promise.all(ids.map((id) => w.waitFor(answered(id))));
    expect(replies.filter((m) => m.result?.type === "started")).toHaveLength(4);
    const refused = replies.filter((m) => m.error);
    expect(refused.map(wireCode)).toEqual(["TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
    expect(refused[0]?.error?.message).toMatch(/at most 4 subscriptions/);

    const first = ids.find((id) => started(w, id));
    w.send(JSON.stringify({ id: first, method: "subscription.stop" }));
    await w.waitFor((m) => m.id === first && m.result?.type === "stopped");
    const again = w.subscribe("events.stream", {});
    expect(wireCode(await w.waitFor(answered(again)))).toBe("OK");
  });

  it("one frame carrying many subscriptions starts at most 4 of them", async () => {
    const w = wire(alice);
    await w.opened;
    const ids = Array.from({ length: 10 }, (_, i) => 9000 + i);
    w.send(JSON.stringify(ids.map((id) => ({ id, method: "subscription", params: { path: "events.stream", input: { lastEventId: "0" } } }))));
    const replies = await Promise.all(ids.map((id) => w.waitFor(answered(id))));
    expect(replies.filter((m) => m.result?.type === "started")).toHaveLength(4);
    expect(replies.filter((m) => m.error).map(wireCode)).toEqual(Array(6).fill("TOO_MANY_REQUESTS"));
  });

  it("the frame of 400 resumes from 0 is refused whole, and the socket still serves calls", async () => {
    const w = wire(alice);
    await w.opened;
    const ids = Array.from({ length: 400 }, (_, i) => 10_000 + i);
    w.send(JSON.stringify(ids.map((id) => ({ id, method: "subscription", params: { path: "events.stream", input: { lastEventId: "0" } } }))));
    const replies = await Promise.all(ids.map((id) => w.waitFor(answered(id), 10_000)));
    expect(replies.some((m) => m.result?.type === "started")).toBe(false);
    expect(new Set(replies.map(wireCode))).toEqual(new Set(["BAD_REQUEST"]));
    expect(wireCode(await w.call("query", "auth.me"))).toBe("OK");
  });
});
