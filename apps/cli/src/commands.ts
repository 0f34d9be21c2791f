import { createInterface } from "node:readline/promises";
import { listAllRooms, login, type Message, type ParleyClient, register, SendFailedError } from "@parley/client";
import type { CliEnv } from "./config.ts";
import { CredentialStore } from "./credentials.ts";
import { dmLabel } from "./dm.ts";
import { formatMessage } from "./format.ts";
import { CliError, openClient, resolveRoom } from "./session.ts";
import { safe } from "./terminal.ts";

/** How long one-shot commands wait for the server. */
const ONE_SHOT_WAIT_MS = 15_000;

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  stopped: Promise<void>;
}

async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError(`${question.replace(/: $/, "")} is required`, 2);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Reads a password from the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(new CliError("password is required (--password or $PARLEY_PASSWORD)", 2));
  process.stderr.write(safe(question));
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === "\r" || c === "\n") {
          done();
          resolve(value);
          return;
        }
        if (c === "\u0003") {
          done();
          reject(new CliError("cancelled", 130));
          return;
        }
        value = c === "\u007f" || c === "\b" ? value.slice(0, -1) : value + c;
      }
    };
    stdin.on("data", onData);
  });
}

export async function loginCommand(env: CliEnv, io: Io, flags: { username?: string; password?: string; email?: string }, create: boolean) {
  const username = flags.username ?? (await ask("username: "));
  const email = create ? (flags.email ?? (await ask("e-mail: "))) : "";
  const password = flags.password ?? env.password ?? (await askHidden("password: "));
  const r = create ? await register(env.serverUrl, { username, email, password }) : await login(env.serverUrl, { username, password });
  new CredentialStore(env.configDir).set(env.serverUrl, {
    username: r.user.username,
    userId: r.user.id,
    accessToken: r.accessToken,
    refreshToken: r.refreshToken,
    accessTokenExpiresAt: r.accessTokenExpiresAt,
  });
  io.out(`signed in to ${env.serverUrl} as ${r.user.username}`);
}

export async function logoutCommand(env: CliEnv, io: Io) {
  const store = new CredentialStore(env.configDir);
  if (!store.get(env.serverUrl)) throw new CliError(`not signed in to ${env.serverUrl}`);
  try {
    const client = await openClient(env, 5000);
    await client.logout();
  } catch (err) {
    // The session may be over already (expired, revoked, server gone): forget it here anyway.
    io.err(`(the server was not told: ${err instanceof Error ? err.message : String(err)})`);
  }
  store.set(env.serverUrl, null);
  io.out("signed out");
}

export async function roomsCommand(env: CliEnv, io: Io, json: boolean) {
  const client = await openClient(env, ONE_SHOT_WAIT_MS);
  try {
    const rooms = await listAllRooms(client.api);
    for (const r of rooms) {
      if (json) io.out(JSON.stringify(r));
      else io.out(`#${r.id}\t${r.members ? dmLabel({ members: r.members }, client.user?.id) : r.name}\t${r.memberCount} member${r.memberCount === 1 ? "" : "s"}${r.isPrivate ? "\tprivate" : ""}${r.isMember ? "\tjoined" : ""}`);
    }
    if (!json && rooms.length === 0) io.err("no rooms yet: `parley create <name>`");
  } finally {
    await client.close();
  }
}

/** `parley unread`: rooms with unread messages (mentions first), and followed threads with unread replies. */
export async function unreadCommand(env: CliEnv, io: Io, json: boolean) {
  const client = await openClient(env, ONE_SHOT_WAIT_MS);
  try {
    const rooms = (await listAllRooms(client.api)).filter((r) => r.isMember && r.badgeCount > 0);
    rooms.sort((x, y) => y.mentionCount - x.mentionCount || y.unreadCount - x.unreadCount);
    const threads = await client.api.threads.list.query({ unreadOnly: true });
    for (const r of rooms) {
      const name = r.members ? dmLabel({ members: r.members }, client.user?.id) : r.name;
      if (json) io.out(JSON.stringify({ roomId: r.id, name, unreadCount: r.unreadCount, mentionCount: r.mentionCount, muted: r.muted }));
      else io.out(`#${r.id}\t${name}\t${r.unreadCount} unread${r.mentionCount > 0 ? `\t${r.mentionCount} mention${r.mentionCount === 1 ? "" : "s"}` : ""}${r.muted ? "\tmuted" : ""}`);
    }
    for (const th of threads) {
      if (json) io.out(JSON.stringify({ threadId: th.threadId, roomId: th.roomId, unreadCount: th.unreadCount }));
      else io.out(`thread ${th.threadId} in #${th.roomId}\t${th.unreadCount} unread`);
    }
    if (!json && rooms.length === 0 && threads.length === 0) io.err("nothing unread");
  } finally {
    await client.close();
  }
}

export async function createCommand(env: CliEnv, io: Io, name: string, isPrivate: boolean) {
  const client = await openClient(env, ONE_SHOT_WAIT_MS);
  try {
    const room = await client.api.rooms.create.mutate({ name, isPrivate });
    io.out(`created #${room.id} ${room.name}`);
  } finally {
    await client.close();
  }
}

export async function joinCommand(env: CliEnv, io: Io, ref: string) {
  const client = await openClient(env, ONE_SHOT_WAIT_MS);
  try {
    const room = await resolveRoom(client, ref);
    if (!room.isMember) await client.api.rooms.join.mutate({ roomId: room.id });
    io.out(`joined #${room.id} ${room.name}`);
  } finally {
    await client.close();
  }
}

/** Sends one message; with `thread`, a reply in the thread of that message (`--thread`, `--also-to-room`). */
export async function sendCommand(
  env: CliEnv,
  io: Io,
  ref: string,
  text: string,
  timeoutMs: number,
  json: boolean,
  thread?: { threadId: number; alsoToRoom: boolean },
) {
  const client = await openClient(env, timeoutMs);
  try {
    const room = await resolveRoom(client, ref);
    const sending = thread ? client.reply(room.id, thread.threadId, text, { alsoToRoom: thread.alsoToRoom }) : client.send(room.id, text);
    const m = await within(sending, timeoutMs, "message");
    io.out(json ? JSON.stringify(m) : `sent #${m.id} to ${room.name}${m.threadId === null ? "" : ` in thread #${m.threadId}`}`);
  } finally {
    await client.close();
  }
}

/** A message id as typed: `42` or `#42`. */
export function parseMessageId(ref: string): number {
  const m = /^#?(\d{1,15})$/.exec(ref.trim());
  if (!m) throw new CliError(`"${ref}" is not a message id (like 42 or #42)`, 2);
  return Number(m[1]);
}

/** Waits for an outbox operation at most `ms`, failing with a CLI error that says what did not arrive, or why it was refused. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError(`${what} not delivered within ${ms / 1000} s (server unreachable?)`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } catch (err) {
    if (err instanceof SendFailedError) throw new CliError(`refused (${err.code}): ${err.message}`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Replaces the text of one of your messages. */
export async function editCommand(env: CliEnv, io: Io, ref: string, text: string, timeoutMs: number, json: boolean) {
  const messageId = parseMessageId(ref);
  const client = await openClient(env, timeoutMs);
  try {
    const m = await within(client.edit(messageId, text), timeoutMs, "edit");
    io.out(json ? JSON.stringify(m) : `edited #${m.id} (rev ${m.rev})`);
  } finally {
    await client.close();
  }
}

/** Deletes one of your messages (or any, as an admin of its room). */
export async function deleteCommand(env: CliEnv, io: Io, ref: string, timeoutMs: number, json: boolean) {
  const messageId = parseMessageId(ref);
  const client = await openClient(env, timeoutMs);
  try {
    const m = await within(client.delete(messageId), timeoutMs, "delete");
    io.out(json ? JSON.stringify(m) : `deleted #${m.id}`);
  } finally {
    await client.close();
  }
}

/** `parley react <messageId> <emoji|:shortcode:>` (and `--remove`): through the outbox, so a dropped connection is retried. */
export async function reactCommand(env: CliEnv, io: Io, ref: string, emoji: string, opts: { remove: boolean; timeoutMs: number; json: boolean }) {
  const messageId = parseMessageId(ref);
  const client = await openClient(env, opts.timeoutMs);
  try {
    const r = await within(opts.remove ? client.unreact(messageId, emoji) : client.react(messageId, emoji), opts.timeoutMs, "reaction");
    if (opts.json) io.out(JSON.stringify(r));
    else if (!r.changed) io.out(`${opts.remove ? "no" : "already"} ${r.emoji} on #${messageId} (${r.count})`);
    else io.out(`${opts.remove ? "removed" : "reacted"} ${r.emoji} ${opts.remove ? "from" : "to"} #${messageId} (${r.count})`);
  } finally {
    await client.close();
  }
}

/** Reports connection changes on stderr, so stdout stays the messages. */
function reportConnection(client: ParleyClient, io: Io): void {
  let last = client.connection.get().status;
  client.connection.subscribe((c) => {
    if (c.status === last) return;
    last = c.status;
    if (c.status === "reconnecting") {
      const wait = c.nextRetryAt ? ` in ${Math.max(0, Math.round((c.nextRetryAt - Date.now()) / 100) / 10)} s` : "";
      io.err(`-- connection lost, reconnecting${wait} (attempt ${(c.attempt ?? 0) + 1})`);
    } else if (c.status === "open") io.err("-- connected");
    else if (c.status !== "closed") io.err(`-- ${c.status}`);
  });
}

/**
 * Prints the room's last `n` messages, then each new one as it arrives, once
 * and in order, across drops and restarts (the client resumes the stream).
 * After a `resync`, whatever was missed is fetched from history.
 */
export async function tailCommand(env: CliEnv, io: Io, ref: string, n: number, json: boolean) {
  const client = await openClient(env);
  try {
    const room = await resolveRoom(client, ref);
    if (!room.isMember) throw new CliError(`you are not in ${room.name}: \`parley join ${ref}\` first`);
    let lastPrinted = 0;
    let paused = true;
    const held: Message[] = [];
    const print = (m: Message) => {
      if (m.id <= lastPrinted) return;
      lastPrinted = m.id;
      io.out(formatMessage(m, json));
    };
    const flush = () => {
      paused = false;
      for (const m of held.splice(0)) print(m);
    };
    const catchUp = async () => {
      paused = true;
      try {
        const { messages, complete } = await client.catchUp(room.id, lastPrinted);
        if (!complete) io.err("-- (older missed messages skipped)");
        for (const m of messages) print(m);
      } finally {
        flush();
      }
    };

    // The room's timeline, as history lists it: replies shown only in their thread are left out (`parley thread`).
    const inTimeline = (m: Message) => m.threadId === null || m.alsoToRoom;
    client.events.on(
      "message.created",
      ({ message: m }) => {
        if (!inTimeline(m)) return;
        if (paused) held.push(m);
        else print(m);
      },
      { roomId: room.id },
    );
    client.events.on("resync", () => {
      io.err("-- catching up");
      catchUp().catch((err: unknown) => io.err(`-- could not catch up: ${String(err)}`));
    });
    const ended = new Promise<string>((resolve) => {
      client.events.on("room.deleted", () => resolve("room deleted"), { roomId: room.id });
      client.events.on("member.removed", (e) => e.userId === client.user?.id && resolve("removed from the room"), { roomId: room.id });
      client.connection.subscribe((c) => {
        if (c.status === "unauthenticated") resolve("signed out: run `parley login`");
      });
    });
    reportConnection(client, io);

    if (n > 0) {
      const page = await client.api.messages.list.query({ roomId: room.id, limit: Math.min(n, 100) });
      for (const m of page.items) print(m);
    }
    flush();
    io.err(`-- tailing ${room.name} (Ctrl-C to stop)`);
    const why = await Promise.race([ended, io.stopped.then(() => null)]);
    if (why) io.err(`-- ${why}`);
  } finally {
    await client.close();
  }
}

/** An example bot: answers every message of someone else in the room with `echo: <text>`. */
export async function echoBotCommand(env: CliEnv, io: Io, ref: string) {
  const client = await openClient(env);
  try {
    const room = await resolveRoom(client, ref);
    if (!room.isMember) await client.api.rooms.join.mutate({ roomId: room.id });
    const me = client.user?.id;
    client.events.on(
      "message.created",
      ({ message: m }) => {
        if (m.kind !== "text" || !m.sender || m.sender.id === me || m.content.startsWith("echo: ")) return;
        const text = `echo: ${m.content}`.slice(0, 4000);
        // A reply in a thread is answered in that thread.
        (m.threadId === null ? client.send(room.id, text) : client.reply(room.id, m.threadId, text)).then(
          (reply) => io.out(`replied #${reply.id} to #${m.id}`),
          (err: unknown) => io.err(`could not reply to #${m.id}: ${String(err)}`),
        );
      },
      { roomId: room.id },
    );
    reportConnection(client, io);
    io.err(`echo bot listening in ${room.name} (Ctrl-C to stop)`);
    await io.stopped;
  } finally {
    await client.close();
  }
}

/** Prints a thread: its root, then every reply, oldest first (paged back from the newest). */
export async function threadCommand(env: CliEnv, io: Io, ref: string, messageRef: string, json: boolean) {
  const asId = /^#?(\d+)$/.exec(messageRef);
  if (!asId) throw new CliError(`not a message id: ${messageRef}`, 2);
  const client = await openClient(env, ONE_SHOT_WAIT_MS);
  try {
    const room = await resolveRoom(client, ref);
    const thread: Message[] = [];
    let before: number | null = null;
    do {
      const page: { items: Message[]; nextCursor: number | null } = await client.api.messages.list.query({
        roomId: room.id,
        threadId: Number(asId[1]),
        before,
        limit: 100,
      });
      thread.unshift(...page.items);
      before = page.nextCursor;
    } while (before !== null);
    const [root, ...replies] = thread;
    if (!root) return;
    if (json) {
      for (const m of thread) io.out(formatMessage(m, true));
      return;
    }
    const n = root.thread?.replyCount ?? 0;
    io.out(`${formatMessage(root, false)}  (${n} repl${n === 1 ? "y" : "ies"})`);
    for (const m of replies) io.out(`  ${formatMessage(m, false)}`);
  } finally {
    await client.close();
  }
}
