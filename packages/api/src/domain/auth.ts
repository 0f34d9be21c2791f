import {
  type Database,
  findRefreshToken,
  findSession,
  findUserById,
  findUserByLogin,
  insertRefreshToken,
  insertSession,
  insertUser,
  isUniqueViolation,
  killRefreshToken,
  promoteFirstUser,
  replaceRefreshSuccessor,
  revokeSession,
  setRole,
  type Transaction,
  useRefreshToken,
} from "@parley/db";
import { hashRefreshToken, newRefreshToken, newSessionId } from "../auth/tokens.ts";
import { conflict, DomainError, tooManyRequests, unauthorized } from "../errors.ts";
import type { Services } from "../services.ts";
import { PAT_PREFIX, type TokenScope } from "../integration-schemas.ts";
import { toUser, type User } from "../shapes.ts";
import { joinDefaultRoom } from "./first-run.ts";
import { authenticateToken } from "./tokens.ts";
import { addressKey } from "./login-limits.ts";
import { checkRegistration, spendRegistrationInvite } from "./registration.ts";

export interface AuthResult {
  user: User;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
}

/** The authenticated caller, as the context carries it. */
export interface Auth {
  userId: number;
  username: string;
  sessionId: string;
  expiresAt: number;
  /** A personal access token's scopes (domain/tokens.ts); absent for a signed-in session, which may do anything. */
  scopes?: readonly TokenScope[] | undefined;
}

export async function register(
  svc: Services,
  input: { username: string; email: string; password: string; inviteCode?: string | undefined },
  clientAddress: string,
): Promise<AuthResult> {
  // Taken before the bcrypt work, and kept whatever the outcome (a CONFLICT probe costs one too).
  const tooMany = () => tooManyRequests("Too many accounts registered from your address; try again later");
  if (!svc.logins.register(clientAddress)) throw tooMany();
  // Across nodes too (a Redis bus): an address cannot multiply its allowance by spreading over nodes.
  if (svc.sharedLimits && !(await svc.sharedLimits.registrations.take(addressKey(clientAddress)))) throw tooMany();
  const mode = await checkRegistration(svc, input);
  const passwordHash = await svc.passwords.hash(input.password);
  let user: User;
  const usernameKey = input.username.toLowerCase();
  try {
    const row = await svc.writes.run(async (tx, now) => {
      if (mode === "invite" && input.inviteCode !== undefined) await spendRegistrationInvite(tx.db, input.inviteCode, now);
      const inserted = await insertUser(tx.db, { username: input.username, usernameKey, email: input.email, passwordHash, now });
      const id = Number(inserted.id);
      // The first account of a server, and anyone named in PARLEY_ADMINS, is a server admin.
      let admin = await promoteFirstUser(tx.db, id);
      if (!admin && svc.config.serverAdmins.includes(usernameKey)) {
        await setRole(tx.db, id, "admin");
        admin = true;
      }
      return { result: admin ? { ...inserted, role: "admin" as const } : inserted, events: [] };
    });
    user = toUser(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("That username or e-mail is already taken");
    throw err;
  }
  await joinDefaultRoom(svc, user);
  return startSession(svc, user);
}

const badLogin = () => unauthorized("Wrong username or password");
const lockedOut = () => tooManyRequests("Too many failed sign-in attempts; try again later");
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Every attempt is reserved before its password check and refunded on
 * success (domain/login-limits.ts), so parallel calls and batches get no
 * more checks than the limit; at most a few checks per address run at once.
 * The answers say the same whether or not the user exists.
 */
export async function login(
  svc: Services,
  input: { username: string; password: string },
  clientAddress: string,
): Promise<AuthResult> {
  const slot = svc.logins.enter(clientAddress);
  if (!slot) throw tooManyRequests("Too many sign-in attempts at once from your address; try again");
  try {
    if (!svc.logins.addressAllows(clientAddress)) throw lockedOut();
    const key = input.username.normalize("NFKC").toLowerCase();
    const row = await findUserByLogin(svc.db, key, key);
    // Username and e-mail are one account: the user's id; an unknown name is limited under its own name.
    const attempt = svc.logins.reserve(row ? `user:${row.id}` : `name:${key}`, clientAddress);
    if (!attempt) throw lockedOut();
    const shared = await reserveShared(svc, row ? `user:${row.id}` : `name:${key}`, clientAddress);
    if (!shared) {
      attempt.succeeded();
      throw lockedOut();
    }
    if (attempt.delayMs > 0) await sleep(attempt.delayMs);
    // A bot has no password: it is refused after the same work and in the same words as a wrong one.
    const account = row && Number(row.is_bot) !== 1 ? row : null;
    const ok = account ? await svc.passwords.verify(input.password, account.password_hash) : false;
    if (!account) await svc.passwords.verifyDummy(input.password);
    if (!account || !ok) throw badLogin();
    attempt.succeeded();
    await shared.succeeded();
    // Said only to whoever knows the password.
    if (account.deactivated_at !== null) throw unauthorized("This account has been deactivated");
    return await startSession(svc, toUser(account));
  } finally {
    slot.release();
  }
}

/**
 * The same reservation as `LoginLimits.reserve`, in the buckets every node
 * shares (a Redis bus), so failures spread over nodes add up; null when
 * either allowance is spent. On a single node there is nothing more to take.
 */
async function reserveShared(svc: Services, account: string, clientAddress: string): Promise<{ succeeded(): Promise<void> } | null> {
  const limits = svc.sharedLimits;
  if (!limits) return { succeeded: () => Promise.resolve() };
  const address = addressKey(clientAddress);
  const pair = `${account}\n${address}`;
  const [pairOk, addressOk] = await Promise.all([limits.loginPair.take(pair), limits.loginAddress.take(address)]);
  const refund = () => Promise.all([pairOk && limits.loginPair.refund(pair), addressOk && limits.loginAddress.refund(address)]).then(() => {});
  if (!pairOk || !addressOk) {
    await refund();
    return null;
  }
  return { succeeded: refund };
}

async function startSession(svc: Services, user: User): Promise<AuthResult> {
  const now = svc.now();
  const sessionId = newSessionId();
  const refresh = newRefreshToken();
  await insertSession(svc.db, {
    id: sessionId,
    userId: user.id,
    now,
    expiresAt: now + svc.config.refreshTokenTtlSeconds * 1000,
    tokenHash: refresh.hash,
  });
  const access = svc.tokens.issueAccess(user.id, sessionId);
  return { user, accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refresh.token };
}

/**
 * Rotates the refresh token. A token that was already used means it leaked
 * (or a client raced itself): the whole session is revoked.
 *
 * One exception, as identity providers make it (Okta's grace period, Auth0's
 * reuse interval): within `refreshReuseGraceSeconds` of a rotation whose new
 * token was never used, presenting the old token again is taken as a client
 * retrying a refresh whose reply it never received (socket closed mid-call,
 * network drop). The unseen successor is killed — whoever presents it later
 * revokes the session, so a thief racing the client still gets caught — and
 * the caller gets a fresh token in its place.
 */
export async function refresh(svc: Services, refreshToken: string): Promise<AuthResult & { sessionId: string }> {
  const now = svc.now();
  const hash = hashRefreshToken(refreshToken);
  const found = await findRefreshToken(svc.db, hash);
  if (!found || found.revoked_at !== null || Number(found.expires_at) <= now) throw unauthorized("Session expired");
  const sessionId = found.session_id;
  const fresh = newRefreshToken();
  const graceMs = svc.config.refreshReuseGraceSeconds * 1000;
  const successor = found.replaced_by;
  const rotated = await svc.db.transaction().execute(async (trx) => {
    let spent: boolean;
    if (found.used_at === null) {
      spent = await useRefreshToken(trx, hash, now, fresh.hash);
    } else if (successor !== null && graceMs > 0 && now - Number(found.used_at) <= graceMs) {
      spent = await retryLostRotation(trx, { sessionId, hash, successor, fresh: fresh.hash, now });
    } else {
      spent = false;
    }
    if (!spent) return false;
    await insertRefreshToken(trx, { sessionId, tokenHash: fresh.hash, now });
    return true;
  });
  if (!rotated) {
    await revokeAndDisconnect(svc, sessionId);
    throw unauthorized("Refresh token reused; the session was revoked");
  }
  const user = await findUserById(svc.db, Number(found.user_id));
  if (!user || user.deactivated_at !== null) throw unauthorized("Session expired");
  const access = svc.tokens.issueAccess(Number(user.id), sessionId);
  return {
    user: toUser(user),
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: fresh.token,
    sessionId,
  };
}

/**
 * The retry of a rotation whose reply was lost: kills the unused successor
 * and points the presented token at the fresh one instead. Each step is
 * conditional, so of two racing refreshes (this retry, a use of the
 * successor, another retry) only one wins; the loser gets false and the
 * session is revoked (so whatever it wrote before failing no longer matters).
 */
async function retryLostRotation(
  trx: Transaction<Database>,
  t: { sessionId: string; hash: string; successor: string; fresh: string; now: number },
): Promise<boolean> {
  if (!(await killRefreshToken(trx, { sessionId: t.sessionId, tokenHash: t.successor, now: t.now }))) return false;
  return replaceRefreshSuccessor(trx, { tokenHash: t.hash, from: t.successor, to: t.fresh });
}

/** Revokes the session in the database, then closes its sockets on every node (realtime/revocations.ts). */
export async function revokeAndDisconnect(svc: Services, sessionId: string): Promise<void> {
  await revokeSession(svc.db, sessionId, svc.now());
  svc.revokedSessions.add(sessionId);
}

/**
 * Verifies an access token and that its session is still live and its
 * account active: every way in (HTTP, a new socket, and tokens of other
 * kinds that come through here) refuses a deactivated account.
 */
export async function authenticate(svc: Services, token: string | null | undefined): Promise<Auth | null> {
  if (!token) return null;
  if (token.startsWith(PAT_PREFIX)) return authenticateToken(svc, token);
  const claims = svc.tokens.verifyAccess(token);
  if (!claims || svc.revokedSessions.has(claims.sessionId)) return null;
  const session = await findSession(svc.db, claims.sessionId);
  if (!session || session.revoked_at !== null || Number(session.user_id) !== claims.userId) return null;
  const user = await findUserById(svc.db, claims.userId);
  if (!user || user.deactivated_at !== null) return null;
  return { userId: claims.userId, username: user.username, sessionId: claims.sessionId, expiresAt: claims.expiresAt };
}

export async function me(svc: Services, userId: number): Promise<User> {
  const row = await findUserById(svc.db, userId);
  if (!row) throw new DomainError("UNAUTHORIZED", "Account no longer exists");
  return toUser(row);
}
