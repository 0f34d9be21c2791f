import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  codeOf,
  httpApi,
  messageEvents,
  type Recorder,
  record,
  registerUser,
  type TestServer,
  startTestServer,
  type WsApi,
  wsApi,
} from "../test/harness.ts";
import { openWire, type WireSocket, wireCode } from "../test/wire.ts";

/**
 * Input and abuse: every limit holds at its edge, oversized frames cost the
 * sender its socket and nobody else anything, and hostile text is stored and
 * returned as text. (Message length 4,000/4,001, markup in one message and
 * the send flood are in ../messages.test.ts; bidi/zero-width/confusable
 * usernames in ../auth.test.ts.)
 */

let server: TestServer;
const open: (WsApi | Recorder | WireSocket)[] = [];
beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
});
afterEach(async () => {
  for (const c of open.splice(0)) {
    if ("stop" in c) c.stop();
    else if ("ws" in c) c.close();
    else await c.close();
  }
});
afterAll(() => server.dispose());

const register = (username: string) =>
  codeOf(httpApi(server).auth.register.mutate({ username, email: `${username.length}-${Math.random()}@example.com`, password: "password123" }));

describe("size limits at the edge", () => {
  it("accepts each field at its limit and refuses limit+1 with BAD_REQUEST", async () => {
    const u = await registerUser(server, "limits");
    const api = u.http;
    expect(await register("u".repeat(32))).toBe("OK");
    expect(await register("v".repeat(33))).toBe("BAD_REQUEST");
    expect(await codeOf(api.rooms.create.mutate({ name: "n".repeat(80) }))).toBe("OK");
    expect(await codeOf(api.rooms.create.mutate({ name: "n".repeat(81) }))).toBe("BAD_REQUEST");
    expect(await codeOf(api.rooms.create.mutate({ name: "d", description: "d".repeat(500) }))).toBe("OK");
    expect(await codeOf(api.rooms.create.mutate({ name: "d", description: "d".repeat(501) }))).toBe("BAD_REQUEST");
    const room = await api.rooms.create.mutate({ name: "edge" });
    expect(await codeOf(api.rooms.update.mutate({ roomId: room.id, name: "m".repeat(81) }))).toBe("BAD_REQUEST");
    expect(await codeOf(api.messages.send.mutate({ roomId: room.id, content: "ok", clientId: "c".repeat(64) }))).toBe("OK");
    expect(await codeOf(api.messages.send.mutate({ roomId: room.id, content: "ok", clientId: "c".repeat(65) }))).toBe("BAD_REQUEST");
    // Length counts what a person sees: 4,000 emoji (16,000 bytes) pass, 4,001 do not.
    expect(await codeOf(api.messages.send.mutate({ roomId: room.id, content: "😀".repeat(4000), clientId: "emoji" }))).toBe("OK");
    expect(await codeOf(api.messages.send.mutate({ roomId: room.id, content: "😀".repeat(4001), clientId: "emoji2" }))).toBe("BAD_REQUEST");
    expect(await codeOf(api.messages.list.query({ roomId: room.id, limit: 100 }))).toBe("OK");
    expect(await codeOf(api.messages.list.query({ roomId: room.id, limit: 101 }))).toBe("BAD_REQUEST");
    expect(await codeOf(api.rooms.get.query({ roomId: 0 }))).toBe("BAD_REQUEST");
    expect(await codeOf(api.rooms.get.query({ roomId: 2 ** 60 }))).toBe("BAD_REQUEST");
  });

  it("closes a socket that sends a frame over the maximum payload with 1009, and keeps serving the others", async () => {
    const [a, b] = await Promise.all([registerUser(server, "big"), registerUser(server, "bystander")]);
    const bystander = openWire(server, { token: b.accessToken });
    const sender = openWire(server, { token: a.accessToken });
    open.push(bystander, sender);
    expect(wireCode(await bystander.call("query", "auth.me"))).toBe("OK");
    expect(wireCode(await sender.call("query", "auth.me"))).toBe("OK");
    const huge = JSON.stringify({ id: 99, method: "mutation", params: { path: "messages.send", input: { roomId: 1, clientId: "x", content: "x".repeat(65 * 1024) } } });
    sender.send(huge);
    expect((await sender.closed).code).toBe(1009);
    expect(wireCode(await bystander.call("query", "auth.me"))).toBe("OK");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("usernames", () => {
  it("folds compatibility forms with NFKC, so a fullwidth twin is the same name", async () => {
    const r = await httpApi(server).auth.register.mutate({ username: "ｆｕｌｌｗｉｄｔｈ", email: "fw@example.com", password: "password123" });
    expect(r.user.username).toBe("fullwidth");
    expect(await register("FULLWIDTH")).toBe("CONFLICT");
    expect(await register("ＦＵＬＬＷＩＤＴＨ")).toBe("CONFLICT");
  });

  it("rejects controls, invisible characters, homoglyphs and markup in usernames", async () => {
    const bad = [
      "adm\u202Ein", // right-to-left override
      "ad\u2066min", // isolate
      "ad\u200Dmin", // zero-width joiner
      "ad\uFEFFmin", // zero-width no-break space
      "ad\u00ADmin", // soft hyphen
      "аdmin", // Cyrillic а
      "αdmin", // Greek alpha
      "ad min",
      "ad\tmin",
      "ad\u0000min",
      "<script>",
      "a\u0301dmin", // combining accent
    ];
    const codes = await Promise.all(bad.map((u) => register(u)));
    expect(codes).toEqual(bad.map(() => "BAD_REQUEST"));
  });
});

/** A corpus of classic payloads (OWASP XSS filter evasion cheat sheet, a few of each kind). */
const XSS = [
  `<script>alert(1)</script>`,
  `"><img src=x onerror=alert(1)>`,
  `<svg/onload=alert(1)>`,
  `javascript:alert(1)`,
  `<a href="javascript:alert(1)">x</a>`,
  `'';!--"<XSS>=&{()}`,
  `<iframe srcdoc="<script>alert(1)</script>">`,
  `{{constructor.constructor('alert(1)')()}}`,
  "`$" + "{alert(1)}`", // a template literal payload (split so linters do not flag it)
  `&lt;script&gt;alert(1)&lt;/script&gt;`,
  `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
  `\u202E<b>reversed</b>`,
];

describe("hostile text", () => {
  it("stores and returns every XSS payload verbatim as text: room name, description and message, over HTTP and the stream", async () => {
    const [owner, reader] = await Promise.all([registerUser(server, "xss"), registerUser(server, "xssreader")]);
    const stream = record(wsApi(server, reader.accessToken).api);
    open.push(stream);
    await stream.waitFor((e) => e.type === "ready");
    for (const [i, payload] of XSS.entries()) {
      // Room names refuse bidi controls (room-rules.test.ts); the description and the message keep the payload whole.
      const name = payload.replace(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/gu, "").slice(0, 80);
      const room = await owner.http.rooms.create.mutate({ name, description: payload });
      expect(room.name).toBe(name);
      expect(room.description).toBe(payload);
      const got = await reader.http.rooms.get.query({ roomId: room.id });
      expect([got.name, got.description]).toEqual([name, payload]);
      await reader.http.rooms.join.mutate({ roomId: room.id });
      const sent = await owner.http.messages.send.mutate({ roomId: room.id, content: payload, clientId: `xss${i}` });
      expect(sent.content).toBe(payload);
      const history = await reader.http.messages.list.query({ roomId: room.id });
      expect(history.items.at(-1)?.content).toBe(payload);
    }
    await stream.waitFor((e) => e.type === "message.created" && e.message.clientId === `xss${XSS.length - 1}`);
    expect(messageEvents(stream.events).filter((m) => m.kind === "text").map((m) => m.content)).toEqual(XSS);
    // The JSON API is never served as HTML.
    const res = await fetch(`${server.url}/trpc/rooms.list`, { headers: { authorization: `Bearer ${reader.accessToken}` } });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("refuses markup in usernames, so a name can never carry a payload", async () => {
    const codes = await Promise.all(XSS.map((p) => register(p.slice(0, 32))));
    expect(codes.every((c) => c === "BAD_REQUEST")).toBe(true);
  });
});
