import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createParleyClient, type ParleyClient } from "@parley/client";
import WebSocket from "ws";
import type { Io } from "./commands.ts";
import type { CliEnv } from "./config.ts";
import { CliError, cliLogger, openClient, resolveRoom } from "./session.ts";

/** `parley token …`, `parley webhook create`, `parley bot create|<file>` (issue 17). */

const SCOPES = ["read", "write", "rooms", "admin"] as const;
type Scope = (typeof SCOPES)[number];

function parseScopes(text: string): Scope[] {
  const scopes = text.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = scopes.filter((s) => !SCOPES.includes(s as Scope));
  if (scopes.length === 0 || bad.length > 0) throw new CliError(`--scopes takes ${SCOPES.join(", ")} (comma-separated)`, 2);
  return scopes as Scope[];
}

/** `30d`, `12h`, `90m`, `3600s` (or plain seconds) as seconds. */
function parseExpiry(text: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) throw new CliError(`--expires takes a duration like 30d, 12h or 90m, not "${text}"`, 2);
  return Number(m[1]) * { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as "" | "s" | "m" | "h" | "d"];
}

async function withClient<T>(env: CliEnv, fn: (c: ParleyClient) => Promise<T>): Promise<T> {
  const client = await openClient(env);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export async function tokenCommand(
  env: CliEnv,
  io: Io,
  args: string[],
  f: { scopes?: string | undefined; expires?: string | undefined; bot?: string | undefined; json: boolean },
): Promise<void> {
  const [sub, arg] = args;
  await withClient(env, async (client) => {
    if (sub === "create" && arg) {
      const botId = f.bot === undefined ? undefined : await botIdOf(client, f.bot);
      const expiresIn = f.expires === undefined ? undefined : parseExpiry(f.expires);
      const t = await client.api.tokens.create.mutate({ name: args.slice(1).join(" "), scopes: parseScopes(f.scopes ?? "read"), expiresIn, botId });
      io.err(`token #${t.id} created; it is shown only this once:`);
      io.out(t.token);
    } else if (sub === "list") {
      const tokens = await client.api.tokens.list.query();
      if (f.json) io.out(JSON.stringify(tokens));
      for (const t of f.json ? [] : tokens) {
        const expires = t.expiresAt === null ? "never expires" : `expires ${new Date(t.expiresAt).toISOString()}`;
        io.out(`#${t.id} ${t.name} [${t.scopes.join(",")}]${t.botId === null ? "" : ` bot #${t.botId}`} ${expires}`);
      }
    } else if (sub === "revoke" && arg) {
      const id = /^#?(\d+)$/.exec(arg)?.[1];
      if (!id) throw new CliError(`not a token id: ${arg}`, 2);
      await client.api.tokens.revoke.mutate({ id: Number(id) });
      io.out(`revoked token #${id}`);
    } else {
      throw new CliError("usage: parley token create <name> [--scopes read,write] [--expires 30d] [--bot <bot>] | list [--json] | revoke <id>", 2);
    }
  });
}

async function botIdOf(client: ParleyClient, ref: string): Promise<number> {
  const bots = await client.api.bots.list.query();
  const bot = bots.find((b) => String(b.id) === ref.replace(/^#/, "") || b.username.toLowerCase() === ref.toLowerCase());
  if (!bot) throw new CliError(`no bot of yours named "${ref}" (see \`parley bot create\`)`);
  return bot.id;
}

export async function webhookCreateCommand(env: CliEnv, io: Io, roomRef: string, name: string): Promise<void> {
  await withClient(env, async (client) => {
    const room = await resolveRoom(client, roomRef);
    const hook = await client.api.webhooks.create.mutate({ roomId: room.id, name });
    io.err(`webhook #${hook.id} posts into ${room.name}; keep its URL secret:`);
    io.out(`${env.serverUrl}${hook.url}`);
  });
}

export async function botCreateCommand(env: CliEnv, io: Io, username: string, displayName: string | undefined): Promise<void> {
  await withClient(env, async (client) => {
    const bot = await client.api.bots.create.mutate({ username, displayName });
    io.out(`bot #${bot.id} ${bot.username} created (give it a token: parley token create <name> --bot ${bot.username})`);
  });
}

/**
 * `parley bot <file>`: the file's default export is `(client) => void`, run
 * with a client on `$PARLEY_TOKEN` (a bot's token), or on the saved login.
 * A .ts file needs tsx installed (it is loaded through tsx's loader).
 */
export async function botFileCommand(env: CliEnv, io: Io, file: string): Promise<void> {
  const path = resolve(file);
  if (/\.[cm]?tsx?$/.test(path)) {
    const tsx = "tsx/esm/api";
    const api = (await import(tsx).catch(() => null)) as { register?: () => void } | null;
    if (!api?.register) throw new CliError("running a TypeScript bot needs tsx (npm i -D tsx), or compile it to .js");
    api.register();
  }
  const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  const bot = mod.default;
  if (typeof bot !== "function") throw new CliError(`${file} must export default a function (client) => void`, 2);
  const client =
    env.token !== undefined
      ? createParleyClient({ url: env.serverUrl, token: env.token, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, logger: cliLogger(env.debug) })
      : await openClient(env);
  try {
    await client.ready;
    await (bot as (c: ParleyClient) => unknown)(client);
    io.err(`bot ${file} running as ${client.user?.username ?? "?"} (Ctrl-C to stop)`);
    await Promise.race([io.stopped, new Promise<void>((r) => client.connection.subscribe((s) => s.status === "unauthenticated" && r()))]);
  } finally {
    await client.close();
  }
}
