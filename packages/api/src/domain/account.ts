import { findSession, findUserById, listLiveSessions, roomIdsOfMember, setPasswordHash, updateProfile as updateProfileRow } from "@parley/db";
import { DomainError, notFound, tooManyRequests, unauthorized } from "../errors.ts";
import type { EventDraft } from "../events.ts";
import type { Services } from "../services.ts";
import { type Profile, toProfile, toUser, type User } from "../shapes.ts";
import { type Auth, revokeAndDisconnect } from "./auth.ts";

/**
 * One's own account (issue 13): profile, password, sessions. The profile goes
 * through the one write path, so the people who share a room with the user
 * see the change live (`user.updated`, one per room of theirs, and one to the
 * user's own other tabs).
 */
export function updateProfile(
  svc: Pick<Services, "writes" | "profileLimiter">,
  auth: Auth,
  patch: { displayName?: string | undefined; statusText?: string | undefined },
): Promise<User> {
  // Each change is told in every room of the user's: bounded, so it cannot flood their rooms.
  if (!svc.profileLimiter.take(String(auth.userId))) return Promise.reject(tooManyRequests("Too many profile changes; try again later"));
  return svc.writes.run(async (tx) => {
    // "" clears the display name: the username shows again.
    const displayName = patch.displayName === undefined ? undefined : patch.displayName === "" ? null : patch.displayName;
    const row = await updateProfileRow(tx.db, auth.userId, { displayName, statusText: patch.statusText });
    const user = toProfile(row);
    const rooms = await roomIdsOfMember(tx.db, auth.userId);
    const events: EventDraft[] = [
      { body: { type: "user.updated", roomId: null, user }, scope: "user", userId: auth.userId },
      ...rooms.map((roomId): EventDraft => ({ body: { type: "user.updated", roomId, user }, scope: "room" })),
    ];
    return { result: toUser(row), events };
  });
}

/** Anyone's public profile (what `users.search` already shows, plus name and status), and whether they are online. */
export async function profileOf(svc: Pick<Services, "db" | "presence">, userId: number): Promise<Profile & { online: boolean; lastSeen: number | null }> {
  const row = await findUserById(svc.db, userId);
  if (!row) throw notFound("User");
  return { ...toProfile(row), online: svc.presence.isOnline(userId), lastSeen: row.last_seen === null ? null : Number(row.last_seen) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Checks the current password (limited like sign-in attempts: a stolen token
 * cannot guess it), sets the new one and revokes every other session of the
 * user: their sockets close on every node (the revocation bus) and their
 * refresh tokens stop working. This session stays signed in.
 */
export async function changePassword(
  svc: Services,
  auth: Auth,
  input: { currentPassword: string; newPassword: string },
  clientAddress: string,
): Promise<{ revokedSessions: number }> {
  const row = await findUserById(svc.db, auth.userId);
  if (!row) throw unauthorized();
  const attempt = svc.logins.reserve(`user:${auth.userId}`, clientAddress);
  if (!attempt) throw tooManyRequests("Too many wrong passwords; try again later");
  if (attempt.delayMs > 0) await sleep(attempt.delayMs);
  // FORBIDDEN, not UNAUTHORIZED: the caller's token is fine, and clients sign out on UNAUTHORIZED.
  if (!(await svc.passwords.verify(input.currentPassword, row.password_hash))) throw new DomainError("FORBIDDEN", "Your current password is not right");
  attempt.succeeded();
  await setPasswordHash(svc.db, auth.userId, await svc.passwords.hash(input.newPassword));
  const others = (await listLiveSessions(svc.db, auth.userId, svc.now())).filter((s) => s.id !== auth.sessionId);
  for (const s of others) await revokeAndDisconnect(svc, s.id);
  return { revokedSessions: others.length };
}

export interface SessionInfo {
  id: string;
  createdAt: number;
  /** When it last refreshed its token (≈ last used), or when it began. */
  lastActiveAt: number;
  expiresAt: number;
  /** The session making this call. */
  current: boolean;
}

export async function sessions(svc: Pick<Services, "db" | "now">, auth: Auth): Promise<SessionInfo[]> {
  const rows = await listLiveSessions(svc.db, auth.userId, svc.now());
  return rows.map((s) => ({
    id: s.id,
    createdAt: Number(s.created_at),
    lastActiveAt: Number(s.last_active_at ?? s.created_at),
    expiresAt: Number(s.expires_at),
    current: s.id === auth.sessionId,
  }));
}

/** Signs out one of one's own sessions (this one too, like logout); another user's is NOT_FOUND, as if it did not exist. */
export async function revokeOwnSession(svc: Services, auth: Auth, id: string): Promise<{ ok: true }> {
  const s = await findSession(svc.db, id);
  if (!s || Number(s.user_id) !== auth.userId || s.revoked_at !== null) throw notFound("Session");
  await revokeAndDisconnect(svc, id);
  return { ok: true };
}
