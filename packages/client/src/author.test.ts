import { describe, expect, expectTypeOf, test } from "vitest";
import WebSocket from "ws";
import { createParleyClient } from "./client.ts";
import type { Message, Sender } from "./index.ts";
import { useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser } from "./test/helpers.ts";

const t = useDisposer();

describe("a message's author, as the client types it", () => {
  test("a bot hears a webhook's post with its username override, display name and isBot", async () => {
    expectTypeOf<Message["sender"]>().toEqualTypeOf<Sender | null>();
    expectTypeOf<Sender["overrideName"]>().toEqualTypeOf<string | null>();
    const server = await t.server();
    const owner = t.client(clientFor(server.url, await newUser(server.url)));
    await owner.ready;
    const room = await owner.api.rooms.create.mutate({ name: "author room" });
    const bot = await owner.api.bots.create.mutate({ username: `listener${Date.now() % 100000}` });
    await owner.api.rooms.addMember.mutate({ roomId: room.id, username: bot.username });
    const { token } = await owner.api.tokens.create.mutate({ name: "listen", scopes: ["read"], botId: bot.id });
    const listener = t.client(createParleyClient({ url: server.url, token, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket }));
    await listener.ready;
    const heard = new Promise<Sender | null>((resolve) => listener.onMessage({ roomId: room.id }, ({ message }) => resolve(message.sender)));

    const hook = await owner.api.webhooks.create.mutate({ roomId: room.id, name: "Alerts" });
    const res = await fetch(`${server.url}${hook.url}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "disk full", username: "Prometheus" }),
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(200);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the bot heard nothing within 5 s")), 5000));
    expect(await Promise.race([heard, timeout])).toEqual({ id: expect.any(Number), username: expect.stringMatching(/^hook-/), displayName: "Alerts", isBot: true, overrideName: "Prometheus" });
  });
});
