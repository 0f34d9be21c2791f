import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, eventually, httpApi, registerUser, type TestServer, startTestServer } from "./test/harness.ts";
import { openWire, type WireClose, type WireSocket, wireCode } from "./test/wire.ts";

/** Personal access tokens, bot accounts and incoming webhooks (issue 17). */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "5", SEND_RATE_PER_SEC: "0.01" });
});
afterAll(() => server.dispose());

const closedWithin = (wire: WireSocket, ms: number): Promise<WireClose> =>
  Promise.race([wire.closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open ${ms} ms later`)), ms))]);

async function hook(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${url}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: await res.text() };
}

describe("personal access tokens", () => {
  it("are shown once with their prefix, listed without the secret, and work as a Bearer token", async () => {
    const u = await registerUser(server, "pat");
    const { id, token } = await u.http.tokens.create.mutate({ name: "ci", scopes: ["read", "read", "write"] });
    expect(token).toMatch(/^parley_pat_[A-Za-z0-9_-]{43}$/);
    const listed = await u.http.tokens.list.query();
    expect(listed).toEqual([{ id, name: "ci", scopes: ["read", "write"], botId: null, createdAt: expect.any(Number), expiresAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(token.slice(11));
    expect(await httpApi(server, token).auth.me.query()).toMatchObject({ id: u.id, username: u.username });
    // A token that is one character off is nobody.
    expect(await codeOf(httpApi(server, `${token.slice(0, -1)}x`).auth.me.query())).toBe("UNAUTHORIZED");
  });

  it("are stored as SHA-256 only", async () => {
    const u = await registerUser(server, "pathash");
    const { id, token } = await u.http.tokens.create.mutate({ name: "hashed", scopes: ["read"] });
    const row = await server.svc.db.selectFrom("access_tokens").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(token.slice(11, 30));
  });

  it("expire: an expired token is UNAUTHORIZED", async () => {
    const u = await registerUser(server, "patexp");
    const { id, token } = await u.http.tokens.create.mutate({ name: "short", scopes: ["read"], expiresIn: 60 });
    expect(await codeOf(httpApi(server, token).auth.me.query())).toBe("OK");
    // Its minute is up (moved back rather than waited for).
    await server.svc.db.updateTable("access_tokens").set({ expires_at: Date.now() - 1 }).where("id", "=", id).execute();
    expect(await codeOf(httpApi(server, token).auth.me.query())).toBe("UNAUTHORIZED");
    expect(wireCode(await openWire(server, { token }).call("query", "auth.me"))).toBe("UNAUTHORIZED");
    expect(await codeOf(u.http.tokens.create.mutate({ name: "too short", scopes: ["read"], expiresIn: 5 }))).toBe("BAD_REQUEST");
    expect(await codeOf(u.http.tokens.create.mutate({ name: "none", scopes: [] }))).toBe("BAD_REQUEST");
  });

  it("revoking one closes its open socket within a second and refuses it after, and leaves the others alone", async () => {
    const u = await registerUser(server, "patrev");
    const a = await u.http.tokens.create.mutate({ name: "a", scopes: ["read"] });
    const b = await u.http.tokens.create.mutate({ name: "b", scopes: ["read"] });
    const wa = openWire(server, { token: a.token });
    const wb = openWire(server, { token: b.token });
    expect(wireCode(await wa.call("query", "auth.me"))).toBe("OK");
    expect(wireCode(await wb.call("query", "auth.me"))).toBe("OK");
    const t0 = Date.now();
    await u.http.tokens.revoke.mutate({ id: a.id });
    expect((await closedWithin(wa, 3000)).code).toBe(4001);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await codeOf(httpApi(server, a.token).auth.me.query())).toBe("UNAUTHORIZED");
    const again = openWire(server, { token: a.token });
    expect(wireCode(await again.call("query", "auth.me"))).toBe("UNAUTHORIZED");
    again.close();
    expect(wireCode(await wb.call("query", "auth.me"))).toBe("OK");
    wb.close();
    expect((await u.http.tokens.list.query()).map((t) => t.name)).toEqual(["b"]);
    expect(await codeOf(u.http.auth.me.query())).toBe("OK");
  });

  it("another user's token cannot be revoked or seen (NOT_FOUND)", async () => {
    const [u, v] = await Promise.all([registerUser(server, "patown"), registerUser(server, "patthief")]);
    const t = await u.http.tokens.create.mutate({ name: "mine", scopes: ["read"] });
    expect(await codeOf(v.http.tokens.revoke.mutate({ id: t.id }))).toBe("NOT_FOUND");
    expect(await v.http.tokens.list.query()).toEqual([]);
    expect(await codeOf(httpApi(server, t.token).auth.me.query())).toBe("OK");
  });
});

describe("bot accounts", () => {
  it("are users with isBot, owned by their creator, who makes their tokens; they cannot sign in with a password", async () => {
    const owner = await registerUser(server, "bowner");
    const bot = await owner.http.bots.create.mutate({ username: "echo-bot", displayName: "Echo" });
    expect(bot).toMatchObject({ username: "echo-bot", isBot: true, displayName: "Echo" });
    expect((await owner.http.bots.list.query()).map((b) => b.id)).toEqual([bot.id]);
    const { token } = await owner.http.tokens.create.mutate({ name: "echo", scopes: ["read", "write"], botId: bot.id });
    const api = httpApi(server, token);
    expect(await api.auth.me.query()).toMatchObject({ id: bot.id, isBot: true });
    // Bots sign in only with tokens: no password matches, said the same way as a wrong one.
    for (const password of ["!bot", "", "correct horse"]) {
      const code = await codeOf(httpApi(server).auth.login.mutate({ username: "echo-bot", password: password || "x" }));
      expect(code).toBe("UNAUTHORIZED");
    }
    expect(await codeOf(httpApi(server).auth.login.mutate({ username: "echo-bot@bots.invalid", password: "!bot" }))).toBe("UNAUTHORIZED");
    // The bot posts in a room it was added to.
    const room = await owner.http.rooms.create.mutate({ name: "bots-here" });
    await owner.http.rooms.addMember.mutate({ roomId: room.id, username: "echo-bot" });
    const m = await api.messages.send.mutate({ roomId: room.id, content: "beep", clientId: "b1" });
    expect(m.sender).toEqual({ id: bot.id, username: "echo-bot", displayName: "Echo", isBot: true, overrideName: null });
  });

  it("only the owner manages a bot; deleting one revokes its tokens and closes their sockets", async () => {
    const [owner, other] = await Promise.all([registerUser(server, "bdel"), registerUser(server, "bdelother")]);
    const bot = await owner.http.bots.create.mutate({ username: "doomed-bot" });
    expect(await codeOf(other.http.tokens.create.mutate({ name: "steal", scopes: ["admin"], botId: bot.id }))).toBe("NOT_FOUND");
    expect(await codeOf(other.http.bots.delete.mutate({ botId: bot.id }))).toBe("NOT_FOUND");
    expect(await other.http.bots.list.query()).toEqual([]);
    // A person is not a bot of anyone's.
    expect(await codeOf(owner.http.tokens.create.mutate({ name: "x", scopes: ["read"], botId: other.id }))).toBe("NOT_FOUND");
    expect(await codeOf(owner.http.bots.create.mutate({ username: other.username }))).toBe("CONFLICT");

    const { token } = await owner.http.tokens.create.mutate({ name: "doomed", scopes: ["read"], botId: bot.id });
    const wire = openWire(server, { token });
    expect(wireCode(await wire.call("query", "auth.me"))).toBe("OK");
    await owner.http.bots.delete.mutate({ botId: bot.id });
    expect((await closedWithin(wire, 3000)).code).toBe(4001);
    expect(await codeOf(httpApi(server, token).auth.me.query())).toBe("UNAUTHORIZED");
    expect(await owner.http.bots.list.query()).toEqual([]);
    // Its name is free again.
    expect(await owner.http.bots.create.mutate({ username: "doomed-bot" })).toMatchObject({ username: "doomed-bot" });
  });
});

describe("incoming webhooks", () => {
  it("post a Slack-style body into the room, once per Idempotency-Key", async () => {
    const owner = await registerUser(server, "howner");
    const room = await owner.http.rooms.create.mutate({ name: "alerts" });
    const created = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "CI" });
    expect(created.url).toMatch(/^\/hooks\/[A-Za-z0-9_-]{32}$/);
    const body = { text: "build 42 passed", username: "ci-bot", icon_emoji: ":tada:", attachments: [{ x: 1 }] };
    const first = await hook(created.url, body, { "idempotency-key": "build-42" });
    expect(first.status).toBe(200);
    const again = await hook(created.url, body, { "idempotency-key": "build-42" });
    expect(again).toEqual(first);
    // A key outside clientId's alphabet is used by its hash: the same key still stores one message.
    const odd = { "idempotency-key": "build 43 / ünïcode" };
    expect((await hook(created.url, { text: "build 43" }, odd)).status).toBe(200);
    expect((await hook(created.url, { text: "build 43" }, odd)).status).toBe(200);
    const texts = (await owner.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text");
    expect(texts.map((m) => m.content)).toEqual(["build 42 passed", "build 43"]);
    const [hookBot] = await owner.http.webhooks.list.query({ roomId: room.id });
    expect(texts[0]?.sender?.id).toBe(hookBot?.botId);
  });

  it("answer 404 to a wrong, rotated or revoked secret, 400 to a bad body, and only room admins manage them", async () => {
    const [owner, member] = await Promise.all([registerUser(server, "hadmin"), registerUser(server, "hmember")]);
    const room = await owner.http.rooms.create.mutate({ name: "hooked" });
    await owner.http.rooms.addMember.mutate({ roomId: room.id, username: member.username });
    expect(await codeOf(member.http.webhooks.create.mutate({ roomId: room.id, name: "mine" }))).toBe("FORBIDDEN");
    const h = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "deploys" });
    expect(await codeOf(member.http.webhooks.rotate.mutate({ webhookId: h.id }))).toBe("NOT_FOUND");
    expect(await codeOf(member.http.webhooks.delete.mutate({ webhookId: h.id }))).toBe("NOT_FOUND");

    expect((await hook("/hooks/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", { text: "guess" })).status).toBe(404);
    expect((await hook("/hooks/x", { text: "short" })).status).toBe(404);
    expect((await hook(h.url, "{not json")).status).toBe(400);
    expect((await hook(h.url, { text: "   " })).status).toBe(400);
    expect((await hook(h.url, { nothing: true })).status).toBe(400);
    const get = await fetch(`${server.url}${h.url}`);
    expect(get.status).toBe(405);

    const rotated = await owner.http.webhooks.rotate.mutate({ webhookId: h.id });
    expect(rotated.url).not.toBe(h.url);
    expect((await hook(h.url, { text: "old secret" })).status).toBe(404);
    expect((await hook(rotated.url, { text: "new secret" })).status).toBe(200);
    await owner.http.webhooks.delete.mutate({ webhookId: h.id });
    expect((await hook(rotated.url, { text: "revoked" })).status).toBe(404);
    const texts = (await owner.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text").map((m) => m.content);
    expect(texts).toEqual(["new secret"]);
  });

  it("are rate limited per webhook (429 with Retry-After), and a retry of a stored post costs nothing", async () => {
    const owner = await registerUser(server, "hrate");
    const room = await owner.http.rooms.create.mutate({ name: "flood" });
    const h = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "noisy" });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await hook(h.url, { text: `n${i}` }, { "idempotency-key": `k${i}` })).status);
    // The burst is 5 (set above) and refills at 0.01/s.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await hook(h.url, { text: "n0" }, { "idempotency-key": "k0" })).status).toBe(200);
    await eventually(async () => (await owner.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text").length === 5);
  });
});
