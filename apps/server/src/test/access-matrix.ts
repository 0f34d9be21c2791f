import { appRouter } from "@parley/api";
import type { Endpoint, TestUser } from "./harness.ts";
import { openWire, type WireMessage, wireCode } from "./wire.ts";

/**
 * The procedures of the router, each in the class of object it acts on, so
 * the access matrix (reliability/access*.test.ts) is generated from the
 * router and a new procedure cannot skip it:
 * - `room`: its input takes a `roomId` (with a sample input below);
 * - `message`: its input takes a `messageId` (with a sample input below);
 * - `account`: neither; listed by hand below, with whether it is public.
 * A procedure in no class, or in a class without its sample, fails the
 * matrix's first test.
 */

type ProcedureType = "query" | "mutation" | "subscription";
interface ProcedureDef {
  _def: { type: ProcedureType; inputs: unknown[] };
}
// tRPC keeps a router's flattened procedures in `_def`; this file is the one place the matrix reads it.
const defs = (appRouter._def as unknown as { procedures: Record<string, ProcedureDef> }).procedures;

/** The keys an input schema's object takes, through `.optional()` wrappers. */
function inputKeys(schema: unknown): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  if ("shape" in schema && typeof schema.shape === "object" && schema.shape !== null) return Object.keys(schema.shape);
  if ("unwrap" in schema && typeof schema.unwrap === "function") return inputKeys((schema.unwrap as () => unknown).call(schema));
  return [];
}

export interface Procedure {
  path: string;
  type: ProcedureType;
  keys: string[];
}
export const procedures: Procedure[] = Object.entries(defs).map(([path, p]) => ({ path, type: p._def.type, keys: p._def.inputs.flatMap(inputKeys) }));

export const roomProcedures = procedures.filter((p) => p.keys.includes("roomId"));
export const messageProcedures = procedures.filter((p) => !p.keys.includes("roomId") && p.keys.includes("messageId"));
/** Room procedures that also name a thread: each is tried again with the `threadId` of a root the caller may not see. */
export const threadProcedures = roomProcedures.filter((p) => p.keys.includes("threadId"));

export interface Cast {
  owner: TestUser;
  outsider: TestUser;
}

let seq = 0;
/** A fresh client id per call: a refused send stores nothing, and a retry must not be mistaken for one. */
const clientId = (tag: string) => `${tag}-${++seq}`;

/** A valid input for each room procedure, so a refusal is about access, not validation. */
export const roomSamples: Record<string, (roomId: number, c: Cast) => unknown> = {
  "rooms.get": (roomId) => ({ roomId }),
  "rooms.update": (roomId) => ({ roomId, name: "pwned", description: "pwned" }),
  "rooms.delete": (roomId) => ({ roomId }),
  "rooms.join": (roomId) => ({ roomId }),
  "rooms.leave": (roomId) => ({ roomId }),
  "rooms.members": (roomId) => ({ roomId }),
  "rooms.addMember": (roomId, c) => ({ roomId, username: c.outsider.username }),
  "rooms.removeMember": (roomId, c) => ({ roomId, userId: c.owner.id }),
  "rooms.setAdmin": (roomId, c) => ({ roomId, userId: c.outsider.id, isAdmin: true }),
  "rooms.typing": (roomId) => ({ roomId, isTyping: true }),
  "rooms.watch": (roomId) => ({ roomId }),
  "rooms.mute": (roomId, c) => ({ roomId, userId: c.owner.id, until: Date.now() + 3_600_000 }),
  "rooms.ban": (roomId, c) => ({ roomId, userId: c.owner.id }),
  "rooms.unban": (roomId, c) => ({ roomId, userId: c.owner.id }),
  "messages.list": (roomId) => ({ roomId }),
  "messages.send": (roomId) => ({ roomId, content: "let me in", clientId: clientId("intruder") }),
  // Issue 14: read markers and notification settings (members only).
  "rooms.markRead": (roomId) => ({ roomId, messageId: 1 }),
  "rooms.markUnread": (roomId) => ({ roomId, messageId: 1 }),
  "rooms.setNotifications": (roomId) => ({ roomId, level: "all", muted: true }),
  // Search names a room optionally; with one, the room's access rule applies (without, only the caller's rooms are searched).
  "messages.search": (roomId) => ({ roomId, query: "classified" }),
  // A message that is in no room: the room's access is checked first, so an outsider of a private room learns nothing.
  "messages.around": (roomId) => ({ roomId, messageId: Number.MAX_SAFE_INTEGER }),
  "webhooks.create": (roomId) => ({ roomId, name: "intruder hook" }),
  "webhooks.list": (roomId) => ({ roomId }),
  "webhooks.createOutgoing": (roomId) => ({ roomId, url: "http://127.0.0.1:9/intruder" }),
  "commands.run": (roomId) => ({ roomId, text: "/shrug let me in", clientId: clientId("intruder") }),
  "commands.list": (roomId) => ({ roomId }),
  "commands.create": (roomId) => ({ roomId, trigger: "intrude", url: "http://127.0.0.1:9/intruder" }),
};

/** A valid input for each message procedure. */
export const messageSamples: Record<string, (messageId: number) => unknown> = {
  "messages.edit": (messageId) => ({ messageId, content: "rewritten by an intruder" }),
  "messages.delete": (messageId) => ({ messageId }),
  "messages.revisions": (messageId) => ({ messageId }),
  "messages.react": (messageId) => ({ messageId, emoji: "👍" }),
  "messages.unreact": (messageId) => ({ messageId, emoji: "👍" }),
  "messages.reactions": (messageId) => ({ messageId, emoji: "👍" }),
  // Issue 14: receipts, and threads named by a message (their root or a reply).
  "messages.readBy": (messageId) => ({ messageId }),
  "threads.follow": (messageId) => ({ messageId }),
  "threads.unfollow": (messageId) => ({ messageId }),
  "threads.markRead": (messageId) => ({ threadId: messageId, messageId }),
  "messages.report": (messageId) => ({ messageId, reason: "reported by an intruder" }),
};

/**
 * Procedures about neither a room nor a message: the caller's account, the
 * stream, people. The public ones are how a caller without a session signs
 * in (their limits have their own tests); every other one is tried without a
 * session, with this input.
 */
export const accountProcedures: Record<string, "public" | { sample: (c: Cast) => unknown }> = {
  "auth.register": "public",
  "auth.login": "public",
  "auth.refresh": "public",
  "auth.logout": { sample: () => undefined },
  "auth.me": { sample: () => undefined },
  "dms.open": { sample: (c) => ({ userIds: [c.owner.id] }) },
  "events.stream": { sample: () => ({ lastEventId: "0" }) },
  "rooms.list": { sample: () => undefined },
  "rooms.create": { sample: () => ({ name: "anonymous room" }) },
  "rooms.unwatch": { sample: () => undefined },
  "users.online": { sample: () => undefined },
  "users.search": { sample: (c) => ({ query: c.owner.username.slice(0, 3) }) },
  // Issue 13: one's own profile, password and sessions; anyone's public profile. Another user's session is
  // NOT_FOUND to revoke (its own test, account.test.ts).
  "users.updateProfile": { sample: () => ({ statusText: "anonymous" }) },
  "users.profile": { sample: (c) => ({ userId: c.owner.id }) },
  "auth.changePassword": { sample: () => ({ currentPassword: "correct horse", newPassword: "anonymous horse" }) },
  "auth.sessions": { sample: () => undefined },
  "auth.revokeSession": { sample: () => ({ id: "not-a-session" }) },
  // Issue 14: the caller's own settings and followed threads.
  "users.settings": { sample: () => undefined },
  "users.setDnd": { sample: () => ({ until: null }) },
  "users.setReceiptPrivacy": { sample: () => ({ hidden: false }) },
  "threads.list": { sample: () => ({ unreadOnly: true }) },
  "push.publicKey": { sample: () => undefined },
  "push.subscribe": { sample: () => ({ endpoint: "https://push.example.com/x", keys: { p256dh: "B".repeat(87), auth: "A".repeat(22) } }) },
  "push.unsubscribe": { sample: () => ({ endpoint: "https://push.example.com/x" }) },
  // Integrations (issue 17): each acts on the caller's own tokens, bots and webhooks; another's are NOT_FOUND.
  "tokens.create": { sample: () => ({ name: "matrix token", scopes: ["read"] }) },
  "tokens.list": { sample: () => undefined },
  "tokens.revoke": { sample: () => ({ id: 999_999 }) },
  "bots.create": { sample: () => ({ username: clientId("mbot") }) },
  "bots.list": { sample: () => undefined },
  "bots.delete": { sample: () => ({ botId: 999_999 }) },
  "webhooks.rotate": { sample: () => ({ webhookId: 999_999 }) },
  "webhooks.delete": { sample: () => ({ webhookId: 999_999 }) },
  "webhooks.deleteOutgoing": { sample: () => ({ webhookId: 999_999 }) },
  "webhooks.deliveries": { sample: () => ({ webhookId: 999_999 }) },
  "commands.delete": { sample: () => ({ commandId: 999_999 }) },
  "users.exportMine": { sample: () => undefined },
  // Avatars (issue 16): one's own; another's upload is NOT_FOUND (files/avatars.test.ts).
  "users.setAvatar": { sample: () => ({ fileId: "AAAAAAAAAAAAAAAAAAAAAA" }) },
  "users.removeAvatar": { sample: () => undefined },
  // Server administration (issue 18): FORBIDDEN to members (reliability/access-admin.test.ts).
  "admin.users.list": { sample: () => ({ query: "" }) },
  "admin.users.setRole": { sample: (c) => ({ userId: c.outsider.id, role: "admin" }) },
  "admin.users.deactivate": { sample: (c) => ({ userId: c.owner.id }) },
  "admin.users.reactivate": { sample: (c) => ({ userId: c.owner.id }) },
  "admin.settings.get": { sample: () => undefined },
  "admin.settings.update": { sample: () => ({ registration: "open" }) },
  "admin.audit.list": { sample: () => ({}) },
  "admin.reports.list": { sample: () => ({}) },
  "invites.create": { sample: () => ({ maxUses: 1 }) },
  "invites.list": { sample: () => undefined },
  "invites.revoke": { sample: () => ({ code: "not-a-real-invite-code" }) },
};

/** The server-admin procedures: every one is FORBIDDEN to a member, and UNAUTHORIZED to a deactivated account's token. */
export const serverAdminPaths = Object.keys(accountProcedures).filter((p) => p.startsWith("admin.") || p.startsWith("invites."));

/** A valid input for any procedure but the public ones, on the given room or message. */
export function sampleInput(p: Procedure, at: { roomId: number; messageId: number }, c: Cast): unknown {
  const account = accountProcedures[p.path];
  if (roomProcedures.includes(p)) return roomSamples[p.path]?.(at.roomId, c);
  if (messageProcedures.includes(p)) return messageSamples[p.path]?.(at.messageId);
  if (account === undefined || account === "public") throw new Error(`no sample input for ${p.path}`);
  return account.sample(c);
}

/** The paths the matrix cannot test: in no class, or in a class without a sample. */
export function unclassified(): string[] {
  return procedures
    .filter((p) => {
      if (roomProcedures.includes(p)) return !(p.path in roomSamples);
      if (messageProcedures.includes(p)) return !(p.path in messageSamples);
      return !(p.path in accountProcedures);
    })
    .map((p) => p.path);
}

interface ErrorBody {
  data?: { code?: string };
}
/** The tRPC code of an HTTP reply: JSON, or for a subscription an event stream carrying its refusal in a `serialized-error` event. */
function replyCode(status: number, text: string): string {
  const streamed = /^event: serialized-error\ndata: (.*)$/m.exec(text)?.[1];
  try {
    if (streamed !== undefined) return (JSON.parse(streamed) as ErrorBody).data?.code ?? "no code";
    return (JSON.parse(text) as { error?: ErrorBody }).error?.data?.code ?? "OK";
  } catch {
    return `HTTP ${status}`;
  }
}

/** A call over plain HTTP (no client library, so the raw error body can be checked for leaks). */
export async function callOverHttp(server: Endpoint, token: string | null, p: Procedure, input: unknown) {
  const post = p.type === "mutation";
  const query = !post && input !== undefined ? `?input=${encodeURIComponent(JSON.stringify(input))}` : "";
  const res = await fetch(`${server.url}/trpc/${p.path}${query}`, {
    method: post ? "POST" : "GET",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
    body: post && input !== undefined ? JSON.stringify(input) : undefined,
    // A subscription served as an event stream would never end: the deadline turns that into a failure.
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { code: replyCode(res.status, text), text };
}

export interface Attempts {
  /** `HTTP code/WebSocket code` per path. */
  results: Record<string, string>;
  /** Every reply, as received, to look for what must not leak. */
  replies: string;
}

/**
 * Makes each call as the holder of `token` (null: no session) over HTTP and
 * over one WebSocket, in turn. A subscription's WebSocket code is that of its
 * first reply (an error, or "started").
 */
export async function attempt(server: Endpoint, token: string | null, calls: { p: Procedure; input: unknown }[]): Promise<Attempts> {
  const wire = openWire(server, token === null ? {} : { token });
  const results: Record<string, string> = {};
  const replies: string[] = [];
  try {
    for (const { p, input } of calls) {
      const http = await callOverHttp(server, token, p, input);
      let ws: WireMessage;
      if (p.type === "subscription") {
        const id = wire.subscribe(p.path, input);
        ws = await wire.waitFor((m) => m.id === id && (m.error !== undefined || m.result !== undefined));
      } else {
        ws = await wire.call(p.type, p.path, input);
      }
      results[p.path] = `${http.code}/${wireCode(ws)}`;
      replies.push(http.text, JSON.stringify(ws));
    }
  } finally {
    wire.close();
  }
  return { results, replies: replies.join("\n") };
}
