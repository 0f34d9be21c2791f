import { type DmRoom, errorCode, type ParleyClient, SendFailedError } from "@parley/client";
import type { Io } from "./commands.ts";
import type { CliEnv } from "./config.ts";
import { CliError, openClient } from "./session.ts";

/** The username key (as the server folds names), so `Bob` and `bob` are one person. */
const keyOf = (name: string) => name.replace(/^@/, "").normalize("NFKC").trim().toLowerCase();

/**
 * A user by exact username (case-insensitive), through people search: the
 * exact name is the first of its own prefix range, so one result decides.
 */
export async function resolveUser(client: ParleyClient, name: string): Promise<{ id: number; username: string }> {
  const key = keyOf(name);
  let found: { id: number; username: string }[];
  try {
    found = await client.api.users.search.query({ query: key, limit: 1 });
  } catch (err) {
    // Not even a possible username.
    if (errorCode(err) === "BAD_REQUEST") throw new CliError(`no user named "${name}"`);
    throw err;
  }
  const [first] = found;
  if (!first || keyOf(first.username) !== key) throw new CliError(`no user named "${name}"`);
  return first;
}

/** How a DM is shown: by its other members (`@bob, @carol`), or as the note-to-self it is. */
export function dmLabel(room: Pick<DmRoom, "members">, me: number | undefined): string {
  const others = room.members.filter((m) => m.id !== me).map((m) => `@${m.username}`);
  return others.length > 0 ? others.join(", ") : "(note to self)";
}

/** `parley dm <user…> <text>`: one message to the DM of the signed-in user and these people, opened on first use. */
export async function dmCommand(env: CliEnv, io: Io, usernames: string[], text: string, timeoutMs: number, json: boolean) {
  const client = await openClient(env, timeoutMs);
  try {
    const people = await Promise.all(usernames.map((u) => resolveUser(client, u))).catch((err: unknown) => {
      // `parley dm bob hello there` took "hello" for a person: the text is one argument.
      if (err instanceof CliError && usernames.length > 1) throw new CliError(`${err.message} (quote the message: parley dm <user…> "<text>")`);
      throw err;
    });
    const room = await client.openDm(people.map((p) => p.id));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CliError(`not delivered within ${timeoutMs / 1000} s (server unreachable?)`)), timeoutMs);
    });
    try {
      const m = await Promise.race([client.send(room.id, text), timeout]);
      io.out(json ? JSON.stringify(m) : `sent #${m.id} to ${dmLabel(room, client.user?.id)}`);
    } catch (err) {
      if (err instanceof SendFailedError) throw new CliError(`refused (${err.code}): ${err.message}`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await client.close();
  }
}
