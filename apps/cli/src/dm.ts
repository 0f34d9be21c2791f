import { type DmRoom, errorCode, type ParleyClient } from "@parley/client";
import { type Io, within } from "./commands.ts";
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
    const m = await within(client.send(room.id, text), timeoutMs, "message");
    io.out(json ? JSON.stringify(m) : `sent #${m.id} to ${dmLabel(room, client.user?.id)}`);
  } finally {
    await client.close();
  }
}
