import { describe, expect, test } from "vitest";
import echoBot from "../examples/echo-bot.ts";
import { history, useDisposer } from "./test/fixtures.ts";
import WebSocket from "ws";
import { createParleyClient } from "./client.ts";
import { clientFor, newUser } from "./test/helpers.ts";

const t = useDisposer();

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a bot on a personal access token", () => {
  test("the README's echo bot answers every message once, across a server restart", async () => {
    const server = await t.server({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
    const owner = t.client(clientFor(server.url, await newUser(server.url), { reconnect: { baseMs: 50, maxMs: 300 } }));
    await owner.ready;
    const bot = await owner.api.bots.create.mutate({ username: `echo${Date.now() % 100000}` });
    const { token } = await owner.api.tokens.create.mutate({ name: "echo", scopes: ["read", "write"], botId: bot.id });
    const room = await owner.api.rooms.create.mutate({ name: "echo room" });
    await owner.api.rooms.addMember.mutate({ roomId: room.id, username: bot.username });

    const botClient = t.client(
      createParleyClient({ url: server.url, token, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, reconnect: { baseMs: 50, maxMs: 300 } }),
    );
    await botClient.ready;
    expect(botClient.user).toMatchObject({ id: bot.id, isBot: true });
    echoBot(botClient);

    const texts = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (const text of texts.slice(0, 10)) await owner.send(room.id, text);
    // A restart with messages in flight: the bot's stream resumes from its last position.
    await server.restart("SIGKILL");
    for (const text of texts.slice(10)) await owner.send(room.id, text);

    const echoes = async () => (await history(owner, room.id)).filter((m) => m.sender?.id === bot.id).map((m) => m.content);
    await until(async () => (await echoes()).length >= texts.length, 20_000);
    // Once each: the marker's echo comes after every earlier one (the bot answers in order); nothing came twice.
    await owner.send(room.id, "marker");
    await until(async () => (await echoes()).includes("echo: marker"), 10_000);
    const all = await echoes();
    expect(all.filter((e) => e !== "echo: marker").sort()).toEqual(texts.map((x) => `echo: ${x}`).sort());
    expect(all.filter((e) => e === "echo: marker")).toHaveLength(1);
  });
});
