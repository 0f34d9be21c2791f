import type { Message, StreamEvent } from "@parley/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { httpApi, openStream, type Recorder, registerUser, type TestServer, type TestUser, startTestServer, type WsApi } from "./test/harness.ts";

/**
 * The author line of a message (issues 13 and 17): the sender's display
 * name, whether it is a bot, and an incoming webhook's `username` override,
 * the same in the send's answer, in history, live and in replay.
 */

let server: TestServer;
const open: (WsApi | Recorder)[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
});
afterAll(() => server.dispose());

const stream = (u: TestUser, lastEventId?: string | null): Recorder => openStream(server, u, open, lastEventId);

const created = (content: string) => (e: StreamEvent) => e.type === "message.created" && e.message.content === content;
const messageOf = (e: StreamEvent): Message => {
  if (e.type !== "message.created") throw new Error(`expected message.created, got ${e.type}`);
  return e.message;
};

async function hook(url: string, body: unknown, key: string) {
  const res = await fetch(`${server.url}${url}`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; messageId?: number } };
}

describe("a message's author line", () => {
  it("carries the sender's display name and isBot in the answer, history, live and replay", async () => {
    const [ada, bob] = await Promise.all([registerUser(server, "author"), registerUser(server, "reader")]);
    await ada.http.users.updateProfile.mutate({ displayName: "Ada Lovelace" });
    const room = await ada.http.rooms.create.mutate({ name: "authors" });
    await bob.http.rooms.join.mutate({ roomId: room.id });
    const live = stream(bob);
    await live.waitFor((e) => e.type === "ready");
    const from = live.lastId();

    const sent = await ada.http.messages.send.mutate({ roomId: room.id, content: "hello", clientId: "author-1" });
    const person = { id: ada.id, username: ada.username, displayName: "Ada Lovelace", isBot: false, overrideName: null };
    expect(sent.sender).toEqual(person);

    const bot = await ada.http.bots.create.mutate({ username: `${ada.username}bot`, displayName: "Helper" });
    await ada.http.rooms.addMember.mutate({ roomId: room.id, username: bot.username });
    const { token } = await ada.http.tokens.create.mutate({ name: "bot", scopes: ["write"], botId: bot.id });
    const fromBot = await httpApi(server, token).messages.send.mutate({ roomId: room.id, content: "beep", clientId: "bot-1" });
    const botSender = { id: bot.id, username: bot.username, displayName: "Helper", isBot: true, overrideName: null };
    expect(fromBot.sender).toEqual(botSender);

    expect(messageOf(await live.waitFor(created("hello"))).sender).toEqual(person);
    expect(messageOf(await live.waitFor(created("beep"))).sender).toEqual(botSender);
    const history = (await bob.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text");
    expect(history.map((m) => m.sender)).toEqual([person, botSender]);
    const replay = stream(bob, from);
    expect(messageOf(await replay.waitFor(created("hello"))).sender).toEqual(person);
    expect(messageOf(await replay.waitFor(created("beep"))).sender).toEqual(botSender);
    // A system message (the bot was added) still has no sender at all.
    expect((await bob.http.messages.list.query({ roomId: room.id })).items.find((m) => m.kind === "system")?.sender).toBeNull();
  });

  it("shows an incoming webhook's username override as overrideName on its bot, live, in replay, in history and once per key", async () => {
    const [owner, reader] = await Promise.all([registerUser(server, "hookowner"), registerUser(server, "hookreader")]);
    const room = await owner.http.rooms.create.mutate({ name: "deploys" });
    await reader.http.rooms.join.mutate({ roomId: room.id });
    const h = await owner.http.webhooks.create.mutate({ roomId: room.id, name: "CI" });
    const [info] = await owner.http.webhooks.list.query({ roomId: room.id });
    const live = stream(reader);
    await live.waitFor((e) => e.type === "ready");
    const from = live.lastId();

    const posted = await hook(h.url, { text: "v1.2 deployed", username: "  Grafana  " }, "deploy-12");
    expect(posted.status).toBe(200);
    const plain = await hook(h.url, { text: "no name", username: "   " }, "deploy-13");
    expect(plain.status).toBe(200);
    // A retry with the same key stores nothing new and answers the same.
    expect((await hook(h.url, { text: "v1.2 deployed", username: "Grafana" }, "deploy-12")).body).toEqual(posted.body);

    const hookBot = { id: info?.botId, username: expect.stringMatching(/^hook-/), displayName: "CI", isBot: true };
    const overridden = { ...hookBot, overrideName: "Grafana" };
    expect(posted.body.messageId).toEqual(expect.any(Number));
    expect(messageOf(await live.waitFor(created("v1.2 deployed"))).sender).toEqual(overridden);
    expect(messageOf(await live.waitFor(created("no name"))).sender).toEqual({ ...hookBot, overrideName: null });
    const replay = stream(reader, from);
    expect(messageOf(await replay.waitFor(created("v1.2 deployed"))).sender).toEqual(overridden);
    const history = (await reader.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text");
    expect(history.map((m) => [m.content, m.sender?.overrideName])).toEqual([
      ["v1.2 deployed", "Grafana"],
      ["no name", null],
    ]);
    expect(history[0]?.id).toBe(posted.body.messageId);
    const row = await server.svc.db.selectFrom("messages").select("override_name").where("id", "=", history[0]?.id ?? 0).executeTakeFirstOrThrow();
    expect(row.override_name).toBe("Grafana");
  });
});
