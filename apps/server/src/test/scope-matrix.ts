import type { TokenScope } from "@parley/api";
import { callOverHttp, type Procedure, procedures } from "./access-matrix.ts";
import type { Endpoint } from "./harness.ts";
import type { WireMessage, WireSocket } from "./wire.ts";

const firstReply = (wire: WireSocket, id: number): Promise<WireMessage> =>
  wire.waitFor((m) => m.id === id && (m.error !== undefined || m.result !== undefined));

/**
 * The scope each procedure needs from a personal access token (issue 17),
 * written down here independently of the router's `.meta({ scope })`, so the
 * matrix (reliability/scopes.test.ts) checks the router against the
 * contract: `read` rooms, history and the stream; `write` send, edit, react;
 * `rooms` create, join, leave, manage; `admin` everything else (tokens,
 * bots, webhooks, logout). `public` procedures take no token at all. A
 * procedure missing here fails the matrix's first test.
 */
export const procedureScopes: Record<string, TokenScope | "public"> = {
  "auth.register": "public",
  "auth.login": "public",
  "auth.refresh": "public",
  "auth.logout": "admin",
  "auth.me": "read",
  "users.online": "read",
  "users.search": "read",
  "rooms.list": "read",
  "rooms.get": "read",
  "rooms.members": "read",
  "rooms.watch": "read",
  "rooms.unwatch": "read",
  "rooms.create": "rooms",
  "rooms.update": "rooms",
  "rooms.delete": "rooms",
  "rooms.join": "rooms",
  "rooms.leave": "rooms",
  "rooms.addMember": "rooms",
  "rooms.removeMember": "rooms",
  "rooms.setAdmin": "rooms",
  "rooms.typing": "write",
  "messages.list": "read",
  "messages.revisions": "read",
  "messages.reactions": "read",
  "messages.send": "write",
  "messages.edit": "write",
  "messages.delete": "write",
  "messages.react": "write",
  "messages.unreact": "write",
  "events.stream": "read",
  "dms.open": "write",
  "tokens.create": "admin",
  "tokens.list": "admin",
  "tokens.revoke": "admin",
  "bots.create": "admin",
  "bots.list": "admin",
  "bots.delete": "admin",
  "webhooks.create": "admin",
  "webhooks.list": "admin",
  "webhooks.rotate": "admin",
  "webhooks.delete": "admin",
  "webhooks.createOutgoing": "admin",
  "webhooks.deleteOutgoing": "admin",
  "webhooks.deliveries": "admin",
  "commands.run": "write",
  "commands.list": "read",
  "commands.create": "admin",
  "commands.delete": "admin",
  // Issues 13, 14, 15 and 18: reading (and marking read) is read; a room's moderation and one's notification
  // level for it are rooms; a report is write; one's account, settings, push and server admin are admin.
  "users.profile": "read",
  "messages.readBy": "read",
  "messages.search": "read",
  "messages.around": "read",
  "threads.list": "read",
  "rooms.markRead": "read",
  "rooms.markUnread": "read",
  "threads.markRead": "read",
  "threads.follow": "read",
  "threads.unfollow": "read",
  "rooms.setNotifications": "rooms",
  "rooms.mute": "rooms",
  "rooms.ban": "rooms",
  "rooms.unban": "rooms",
  "messages.report": "write",
  "auth.changePassword": "admin",
  "auth.sessions": "admin",
  "auth.revokeSession": "admin",
  "users.updateProfile": "admin",
  "users.settings": "admin",
  "users.setDnd": "admin",
  "users.setReceiptPrivacy": "admin",
  "users.exportMine": "admin",
  "users.setAvatar": "admin",
  "users.removeAvatar": "admin",
  "push.publicKey": "admin",
  "push.subscribe": "admin",
  "push.unsubscribe": "admin",
  "admin.users.list": "admin",
  "admin.users.setRole": "admin",
  "admin.users.deactivate": "admin",
  "admin.users.reactivate": "admin",
  "admin.settings.get": "admin",
  "admin.settings.update": "admin",
  "admin.audit.list": "admin",
  "admin.reports.list": "admin",
  "invites.create": "admin",
  "invites.list": "admin",
  "invites.revoke": "admin",
};

export const unscoped = (): string[] => procedures.filter((p) => !(p.path in procedureScopes)).map((p) => p.path);

/** Whether a token with `scopes` may call `path`. */
export const mayCall = (scopes: readonly TokenScope[], path: string): boolean => {
  const need = procedureScopes[path];
  return need !== undefined && need !== "public" && (scopes.includes("admin") || scopes.includes(need));
};

/** The refusal of a call outside a token's scopes (domain/tokens.ts `requireScope`), told apart from any other FORBIDDEN. */
const SCOPE_REFUSAL = "scopes do not allow";

/** "scope" if refused for the token's scopes, else what happened otherwise (its code: OK, NOT_FOUND…). */
export async function scopeVerdict(server: Endpoint, token: string, wire: WireSocket, p: Procedure, input: unknown) {
  const http = await callOverHttp(server, token, p, input);
  const httpVerdict = http.code === "FORBIDDEN" && http.text.includes(SCOPE_REFUSAL) ? "scope" : http.code;
  const reply = p.type === "subscription" ? await firstReply(wire, wire.subscribe(p.path, input)) : await wire.call(p.type, p.path, input);
  const wsCode = reply.error ? (reply.error.data?.code ?? String(reply.error.code)) : "OK";
  const wsVerdict = wsCode === "FORBIDDEN" && (reply.error?.message ?? "").includes(SCOPE_REFUSAL) ? "scope" : wsCode;
  return { http: httpVerdict, ws: wsVerdict };
}
