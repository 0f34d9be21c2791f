import { createParleyClient, listAllRooms, type Logger, type ParleyClient } from "@parley/client";
import WebSocket from "ws";
import type { CliEnv } from "./config.ts";
import { CredentialStore } from "./credentials.ts";
import { writeLine } from "./terminal.ts";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function cliLogger(debug: boolean): Logger {
  const write = (level: string) => (msg: string, data?: Record<string, unknown>) =>
    writeLine(process.stderr, `parley ${level}: ${msg}${data ? ` ${JSON.stringify(data)}` : ""}`);
  return { debug: debug ? write("debug") : () => {}, info: debug ? write("info") : () => {}, warn: write("warn"), error: write("error") };
}

/**
 * A client signed in with the saved tokens for this server (see `parley login`).
 * With `waitMs`, gives up if the server cannot be reached in that time (one-shot
 * commands); without, waits for it (tail, bots).
 */
export async function openClient(env: CliEnv, waitMs?: number): Promise<ParleyClient> {
  const store = new CredentialStore(env.configDir);
  const saved = store.get(env.serverUrl);
  if (!saved) throw new CliError(`not signed in to ${env.serverUrl}: run \`parley login\``);
  let lastKnown = saved.refreshToken;
  const client = createParleyClient({
    url: env.serverUrl,
    credentials: saved,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    logger: cliLogger(env.debug),
    onTokens: (tokens) => {
      const current = store.get(env.serverUrl);
      if (tokens) {
        lastKnown = tokens.refreshToken;
        store.set(env.serverUrl, { ...(current ?? saved), ...tokens });
      } else if (current?.refreshToken === lastKnown) {
        // Our session ended; a newer login saved by another process is left alone.
        store.set(env.serverUrl, null);
      }
    },
    loadTokens: () => store.get(env.serverUrl),
    refreshLock: (fn) => store.withLock(fn),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.ready,
      new Promise<never>((_, reject) => {
        if (waitMs !== undefined) {
          timer = setTimeout(() => reject(new CliError(`cannot reach ${env.serverUrl} (gave up after ${waitMs / 1000} s)`)), waitMs);
        }
      }),
    ]);
  } catch (err) {
    await client.close();
    if (client.connection.get().status === "unauthenticated") {
      throw new CliError(`session expired on ${env.serverUrl}: run \`parley login\` again`);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** A room by id (`12`, `#12`) or by name (case-insensitive). */
export async function resolveRoom(client: ParleyClient, ref: string): Promise<{ id: number; name: string; isMember: boolean }> {
  const rooms = await listAllRooms(client.api);
  const asId = /^#?(\d+)$/.exec(ref);
  if (asId) {
    const id = Number(asId[1]);
    const room = rooms.find((r) => r.id === id);
    if (room) return room;
    try {
      const r = await client.api.rooms.get.query({ roomId: id });
      return r;
    } catch {
      throw new CliError(`no room #${id}`);
    }
  }
  const matches = rooms.filter((r) => r.name.toLowerCase() === ref.toLowerCase());
  const [room, second] = matches;
  if (!room) throw new CliError(`no room named "${ref}" (see \`parley rooms\`)`);
  if (second) throw new CliError(`several rooms are named "${ref}": use its id (${matches.map((r) => `#${r.id}`).join(", ")})`);
  return room;
}
