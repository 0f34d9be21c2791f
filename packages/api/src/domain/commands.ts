import { randomBytes } from "node:crypto";
import { deleteSlashCommand, findPublicRoomByName, findSlashCommand, findSlashCommandById, findUserByKey, insertSlashCommand, listSlashCommands } from "@parley/db";
import { DomainError, notFound } from "../errors.ts";
import { messageContentSchema } from "../schemas.ts";
import type { Services } from "../services.ts";
import type { Message } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import { makeBot } from "./bots.ts";
import { openDm } from "./dms.ts";
import { sendMessage } from "./messages.ts";
import { addMember, joinRoom, leaveRoom, requireAdmin, type RoomAccess, roomAccess, updateRoom } from "./rooms.ts";
import { issueResponseUrl } from "./command-responses.ts";
import { signedPost } from "./signed-post.ts";
import { requireScope } from "./tokens.ts";

/**
 * Slash commands. The built-ins are room operations said in the composer;
 * each runs the same domain function as its procedure (so the same access
 * rules, and the token scope that procedure needs). A custom command is
 * POSTed to its URL, signed like an outgoing webhook, and must answer within
 * `COMMAND_DEADLINE_MS` with `{ text, response_type? }`: "in_channel" posts
 * the text as the command's bot, anything else answers only the caller.
 * The request also carries a `response_url` for answers after the deadline
 * (domain/command-responses.ts).
 */

export const BUILT_IN_COMMANDS = [
  { trigger: "me", usage: "/me <action>", description: "say what you are doing" },
  { trigger: "join", usage: "/join #room", description: "join a public room" },
  { trigger: "leave", usage: "/leave", description: "leave this room" },
  { trigger: "topic", usage: "/topic <text>", description: "set this room's description (admins)" },
  { trigger: "invite", usage: "/invite @user", description: "add someone to this room (admins)" },
  { trigger: "dm", usage: "/dm @user <text>", description: "send a direct message" },
  { trigger: "shrug", usage: "/shrug [text]", description: "append ¯\\_(ツ)_/¯" },
] as const;

export const COMMAND_DEADLINE_MS = 3000;
const SHRUG = "¯\\_(ツ)_/¯";

export type CommandResult =
  | { kind: "message"; message: Message }
  | { kind: "ephemeral"; text: string }
  | { kind: "done"; text: string };

const bad = (why: string) => new DomainError("BAD_REQUEST", why);
const content = (text: string) => {
  const r = messageContentSchema.safeParse(text);
  if (!r.success) throw bad(r.error.issues[0]?.message ?? "Message is empty");
  return r.data;
};

/**
 * Who may add a custom command to a room: its admins. Issue 18 adds server
 * admins, who may too: this is the one place to let them in.
 */
export function mayManageCommands(access: RoomAccess): void {
  requireAdmin(access);
}

export async function runCommand(svc: Services, auth: Auth, input: { roomId: number; text: string; clientId: string }): Promise<CommandResult> {
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(input.text.trim());
  if (!match) throw bad("A command starts with /");
  const trigger = (match[1] ?? "").toLowerCase();
  const args = (match[2] ?? "").trim();
  const { roomId, clientId } = input;
  switch (trigger) {
    case "me":
      return { kind: "message", message: await sendMessage(svc, auth, { roomId, content: content(`*${auth.username} ${args}*`), clientId }) };
    case "shrug":
      return { kind: "message", message: await sendMessage(svc, auth, { roomId, content: content(args ? `${args} ${SHRUG}` : SHRUG), clientId }) };
    case "join": {
      requireScope(auth, "rooms");
      const name = args.replace(/^#/, "");
      const room = name ? await findPublicRoomByName(svc.db, name) : undefined;
      if (!room) throw notFound("Room");
      await joinRoom(svc, auth, await roomAccess(svc, Number(room.id), auth.userId));
      return { kind: "done", text: `Joined #${room.name}` };
    }
    case "leave":
      requireScope(auth, "rooms");
      await leaveRoom(svc, auth, await roomAccess(svc, roomId, auth.userId));
      return { kind: "done", text: "Left the room" };
    case "topic": {
      requireScope(auth, "rooms");
      const room = await updateRoom(svc, auth, await roomAccess(svc, roomId, auth.userId), { description: args });
      return { kind: "done", text: room.description ? `Topic set: ${room.description}` : "Topic cleared" };
    }
    case "invite": {
      requireScope(auth, "rooms");
      const username = args.replace(/^@/, "");
      if (!username) throw bad("Usage: /invite @user");
      const member = await addMember(svc, auth, await roomAccess(svc, roomId, auth.userId), username);
      return { kind: "done", text: `Added ${member.username}` };
    }
    case "dm": {
      const m = /^@?(\S+)\s+([\s\S]+)$/.exec(args);
      if (!m) throw bad("Usage: /dm @user <text>");
      const user = await findUserByKey(svc.db, (m[1] ?? "").normalize("NFKC").toLowerCase());
      if (!user) throw notFound("User");
      const dm = await openDm(svc, auth, [Number(user.id)]);
      return { kind: "message", message: await sendMessage(svc, auth, { roomId: dm.id, content: content(m[2] ?? ""), clientId }) };
    }
    default:
      return runCustom(svc, auth, { roomId, trigger, args, clientId });
  }
}

async function runCustom(svc: Services, auth: Auth, c: { roomId: number; trigger: string; args: string; clientId: string }): Promise<CommandResult> {
  const access = await roomAccess(svc, c.roomId, auth.userId);
  if (!access.membership) throw new DomainError("FORBIDDEN", "Join the room first");
  const command = await findSlashCommand(svc.db, c.roomId, c.trigger);
  if (!command) throw bad(`Unknown command /${c.trigger}`);
  // Where a late answer may follow (domain/command-responses.ts): one URL per run.
  const responseUrl = await issueResponseUrl(svc, { commandId: Number(command.id), roomId: c.roomId, userId: auth.userId, clientId: c.clientId });
  const body = JSON.stringify({
    command: `/${c.trigger}`,
    text: c.args,
    room: { id: c.roomId, name: access.room.name },
    user: { id: auth.userId, username: auth.username },
    response_url: responseUrl,
  });
  let reply: { status: number; body: string };
  try {
    reply = await signedPost({ url: command.url, secret: command.secret, body, nowMs: svc.now(), timeoutMs: COMMAND_DEADLINE_MS, allowHosts: svc.config.webhookAllowHosts });
  } catch (err) {
    const late = err instanceof Error && err.message.startsWith("no answer");
    return { kind: "ephemeral", text: late ? `/${c.trigger} did not answer within ${COMMAND_DEADLINE_MS / 1000} s` : `/${c.trigger} could not be reached` };
  }
  if (reply.status < 200 || reply.status >= 300) return { kind: "ephemeral", text: `/${c.trigger} failed (HTTP ${reply.status})` };
  let answer: { text?: unknown; response_type?: unknown } = {};
  try {
    answer = JSON.parse(reply.body) as typeof answer;
  } catch {
    return { kind: "ephemeral", text: reply.body.slice(0, 500) || `/${c.trigger} answered nothing` };
  }
  const text = typeof answer.text === "string" ? answer.text : "";
  if (answer.response_type !== "in_channel") return { kind: "ephemeral", text: text || `/${c.trigger} answered nothing` };
  const bot = { userId: Number(command.bot_id), username: command.bot_name, sessionId: `command:${command.id}`, expiresAt: Number.MAX_SAFE_INTEGER };
  // The caller's clientId, under the bot: a retried command posts its answer once.
  return { kind: "message", message: await sendMessage(svc, bot, { roomId: c.roomId, content: content(text), clientId: `cmd-${auth.userId}-${c.clientId}`.slice(0, 64) }) };
}

export async function createCommand(svc: Services, auth: Auth, access: RoomAccess, input: { trigger: string; url: string }): Promise<{ id: number; secret: string }> {
  mayManageCommands(access);
  const trigger = input.trigger.toLowerCase();
  if (BUILT_IN_COMMANDS.some((b) => b.trigger === trigger)) throw new DomainError("CONFLICT", `/${trigger} is a built-in command`);
  if (await findSlashCommand(svc.db, Number(access.room.id), trigger)) throw new DomainError("CONFLICT", `/${trigger} already exists here`);
  const now = svc.now();
  const bot = await makeBot(svc.db, { username: `cmd-${randomBytes(6).toString("hex")}`, displayName: `/${trigger}`, ownerId: auth.userId, now });
  await addMember(svc, auth, access, bot.username);
  const secret = randomBytes(32).toString("hex");
  const { id } = await insertSlashCommand(svc.db, { roomId: Number(access.room.id), trigger, url: input.url, secret, botId: Number(bot.id), createdBy: auth.userId, now });
  return { id: Number(id), secret };
}

/** The built-ins and the room's own, for the composer's autocomplete. */
export async function listCommands(svc: Services, access: RoomAccess) {
  const custom = await listSlashCommands(svc.db, Number(access.room.id));
  return [
    ...BUILT_IN_COMMANDS.map((b) => ({ trigger: b.trigger, usage: b.usage, description: b.description, custom: false })),
    ...custom.map((c) => ({ trigger: c.trigger, usage: `/${c.trigger} …`, description: "custom command", custom: true })),
  ];
}

export async function deleteCommand(svc: Services, auth: Auth, commandId: number): Promise<{ ok: true }> {
  const command = await findSlashCommandById(svc.db, commandId);
  if (!command) throw notFound("Command");
  const access = await roomAccess(svc, Number(command.room_id), auth.userId).catch(() => null);
  if (!access?.membership || Number(access.membership.is_admin) !== 1) throw notFound("Command");
  await deleteSlashCommand(svc.db, commandId);
  return { ok: true };
}
