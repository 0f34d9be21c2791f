import { createHash, randomBytes } from "node:crypto";
import { findAccessToken, findAccessTokenById, findUserById, insertAccessToken, listAccessTokens, revokeAccessToken } from "@parley/db";
import { PAT_PREFIX, TOKEN_SCOPES, type TokenScope } from "../integration-schemas.ts";
import { forbidden, notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import { newSessionId } from "../auth/tokens.ts";
import type { Auth } from "./auth.ts";
import { revokeAndDisconnect } from "./auth.ts";

/**
 * Personal access tokens. A token is 32 random bytes: SHA-256 is the right
 * hash for it (a slow password hash protects guessable secrets; nobody
 * guesses 256 bits), and a lookup costs one indexed read. Each token has a
 * session of its own, so revoking it goes the way a logout goes: the row,
 * then every node closes that session's sockets (realtime/revocations.ts).
 */

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export interface TokenInfo {
  id: number;
  name: string;
  scopes: TokenScope[];
  /** The bot it acts as; null for the caller's own token. */
  botId: number | null;
  createdAt: number;
  expiresAt: number | null;
}

const parseScopes = (text: string): TokenScope[] => TOKEN_SCOPES.filter((s) => text.split(",").includes(s));

/** Whether `auth` may call a procedure of `scope`: a signed-in session may do anything, a token what its scopes say. */
export function allows(auth: Auth, scope: TokenScope): boolean {
  const scopes = auth.scopes;
  return scopes === undefined || scopes.includes("admin") || scopes.includes(scope);
}

/** The caller itself, or a bot the caller owns; anything else is NOT_FOUND (another's bot does not exist for them). */
export async function ownBotOrSelf(svc: Services, auth: Auth, botId: number | undefined): Promise<number> {
  if (botId === undefined) return auth.userId;
  const bot = await findUserById(svc.db, botId);
  if (!bot || Number(bot.is_bot) !== 1 || Number(bot.bot_owner_id) !== auth.userId) throw notFound("Bot");
  return botId;
}

export async function createToken(
  svc: Services,
  auth: Auth,
  input: { name: string; scopes: TokenScope[]; expiresIn?: number | undefined; botId?: number | undefined },
): Promise<{ id: number; token: string }> {
  const userId = await ownBotOrSelf(svc, auth, input.botId);
  const now = svc.now();
  const token = PAT_PREFIX + randomBytes(32).toString("base64url");
  const id = await insertAccessToken(svc.db, {
    userId,
    createdBy: auth.userId,
    name: input.name,
    scopes: input.scopes.join(","),
    tokenHash: hashToken(token),
    sessionId: `pat_${newSessionId()}`,
    now,
    expiresAt: input.expiresIn === undefined ? null : now + input.expiresIn * 1000,
  });
  return { id, token };
}

export async function listTokens(svc: Services, auth: Auth): Promise<TokenInfo[]> {
  const rows = await listAccessTokens(svc.db, auth.userId);
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    scopes: parseScopes(r.scopes),
    botId: Number(r.is_bot) === 1 ? Number(r.user_id) : null,
    createdAt: Number(r.created_at),
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  }));
}

/** Revokes a token its creator made (or one acting as the caller); its sockets close on every node. */
export async function revokeToken(svc: Services, auth: Auth, id: number): Promise<{ ok: true }> {
  const row = await findAccessTokenById(svc.db, id);
  if (!row || (Number(row.created_by) !== auth.userId && Number(row.user_id) !== auth.userId)) throw notFound("Token");
  if (row.revoked_at === null) await revokeAccessToken(svc.db, id, svc.now());
  // Announced even if the row was revoked before: a node that missed it closes the sockets now.
  await revokeAndDisconnect(svc, row.session_id);
  return { ok: true };
}

/** The caller a personal access token stands for, or null (unknown, revoked, expired). */
export async function authenticateToken(svc: Services, token: string): Promise<Auth | null> {
  const row = await findAccessToken(svc.db, hashToken(token));
  if (!row || row.revoked_at !== null || svc.revokedSessions.has(row.session_id)) return null;
  const expiresAt = row.expires_at === null ? Number.MAX_SAFE_INTEGER : Number(row.expires_at);
  if (expiresAt <= svc.now()) return null;
  return { userId: Number(row.user_id), username: row.username, sessionId: row.session_id, expiresAt, scopes: parseScopes(row.scopes) };
}

/** FORBIDDEN unless the caller's token has `scope` (see `allows`). */
export function requireScope(auth: Auth, scope: TokenScope): void {
  if (!allows(auth, scope)) throw forbidden(`This token's scopes do not allow that (it needs "${scope}")`);
}
