import { createParleyClient, type ParleyClient } from "@parley/client";

/**
 * An echo bot. Make it a bot account and a token first:
 *   parley bot create echo-bot && parley token create echo --scopes read,write --bot echo-bot
 * then add it to a room and run `PARLEY_TOKEN=parley_pat_… parley bot examples/echo-bot.ts`
 * (or this file directly with tsx/node, which runs `main`).
 */
export default function echoBot(client: ParleyClient): void {
  // Every message once, across reconnects and server restarts; its own replies are skipped.
  client.onMessage({}, async ({ message, reply }) => {
    await reply(`echo: ${message.content}`);
  });
}

export async function main(): Promise<void> {
  const client = createParleyClient({ url: process.env.PARLEY_URL ?? "http://localhost:8001", token: process.env.PARLEY_TOKEN ?? "" });
  await client.ready;
  echoBot(client);
}
