import {
  countAdminsOnServer,
  type Database,
  findMembership,
  findRoom,
  findUserById,
  insertAudit,
  type Kysely,
  listAudit,
  listUsersPage,
  type NewAudit,
  revokeUserSessions,
  serverRole,
  setDeactivated,
  setRole,
  type UserRow,
} from "@parley/db";
import { conflict, forbidden, notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import type { Auth } from "./auth.ts";
import { requireAdmin, type RoomAccess } from "./rooms.ts";

/**
 * Server admins (issue 18): roles, deactivation and the audit log. The role
 * is read from the database on every admin call, so a demotion takes effect
 * at once on every node, open sockets included.
 */

export type ServerRole = "admin" | "member";

export async function isServerAdmin(db: Kysely<Database>, userId: number): Promise<boolean> {
  const r = await serverRole(db, userId);
  return r !== undefined && r.role === "admin" && !r.deactivated;
}

/** FORBIDDEN unless the caller is a server admin (now, not when their token was issued). */
export async function requireServerAdmin(db: Kysely<Database>, userId: number): Promise<void> {
  if (!(await isServerAdmin(db, userId))) throw forbidden("Only a server admin can do that");
}

/** One audit entry, written in the transaction of the action it records. */
export type AuditEntry = Omit<NewAudit, "now">;
export const audit = (db: Kysely<Database>, entry: AuditEntry, now: number) => insertAudit(db, { ...entry, now });

export interface AdminUser {
  id: number;
  username: string;
  email: string;
  role: ServerRole;
  createdAt: number;
  lastSeen: number | null;
  deactivatedAt: number | null;
  online: boolean;
}

const toAdminUser = (svc: Pick<Services, "presence">, u: UserRow): AdminUser => ({
  id: Number(u.id),
  username: u.username,
  email: u.email,
  role: u.role,
  createdAt: Number(u.created_at),
  lastSeen: u.last_seen === null ? null : Number(u.last_seen),
  deactivatedAt: u.deactivated_at === null ? null : Number(u.deactivated_at),
  online: svc.presence.isOnline(Number(u.id)),
});

export async function listUsers(
  svc: Pick<Services, "db" | "presence">,
  q: { query?: string | undefined; cursor?: number | null | undefined; limit: number },
): Promise<{ items: AdminUser[]; nextCursor: number | null }> {
  const rows = await listUsersPage(svc.db, { query: q.query || null, after: q.cursor ?? 0, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: page.map((u) => toAdminUser(svc, u)), nextCursor: rows.length > q.limit && last ? Number(last.id) : null };
}

/** A server keeps at least one active admin: the last one cannot be demoted or deactivated. */
async function requireAnotherAdmin(db: Kysely<Database>, target: UserRow): Promise<void> {
  if (target.role === "admin" && target.deactivated_at === null && (await countAdminsOnServer(db)) <= 1) {
    throw conflict("A server needs at least one active admin");
  }
}

export function setUserRole(svc: Services, auth: Auth, input: { userId: number; role: ServerRole }): Promise<AdminUser> {
  return svc.writes.run(async (tx, now) => {
    const target = await findUserById(tx.db, input.userId);
    if (!target) throw notFound("User");
    if (target.role === input.role) return { result: toAdminUser(svc, target), events: [] };
    if (input.role === "member") await requireAnotherAdmin(tx.db, target);
    await setRole(tx.db, input.userId, input.role);
    await audit(tx.db, { actorId: auth.userId, action: "user.setRole", targetType: "user", targetId: String(input.userId), detail: { role: input.role, username: target.username } }, now);
    return { result: toAdminUser(svc, { ...target, role: input.role }), events: [] };
  });
}

/**
 * Deactivates an account: it cannot sign in or refresh, its sessions are
 * revoked and its sockets closed on every node (realtime/revocations.ts:
 * announced on the bus, and every node polls for revocations it missed).
 * Its messages stay, shown as from a deactivated account.
 */
export async function deactivateUser(svc: Services, auth: Auth, input: { userId: number }): Promise<AdminUser> {
  if (input.userId === auth.userId) throw conflict("You cannot deactivate your own account");
  const { user, sessions } = await svc.writes.run(async (tx, now) => {
    const target = await findUserById(tx.db, input.userId);
    if (!target) throw notFound("User");
    if (target.deactivated_at !== null) return { result: { user: toAdminUser(svc, target), sessions: [] }, events: [] };
    await requireAnotherAdmin(tx.db, target);
    await setDeactivated(tx.db, input.userId, now);
    const sessions = await revokeUserSessions(tx.db, input.userId, now);
    await audit(tx.db, { actorId: auth.userId, action: "user.deactivate", targetType: "user", targetId: String(input.userId), detail: { username: target.username, sessions: sessions.length } }, now);
    return { result: { user: toAdminUser(svc, { ...target, deactivated_at: now }), sessions }, events: [] };
  });
  for (const id of sessions) svc.revokedSessions.add(id);
  return user;
}

/** Lets the account sign in again (its old sessions stay revoked). */
export function reactivateUser(svc: Services, auth: Auth, input: { userId: number }): Promise<AdminUser> {
  return svc.writes.run(async (tx, now) => {
    const target = await findUserById(tx.db, input.userId);
    if (!target) throw notFound("User");
    if (target.deactivated_at === null) return { result: toAdminUser(svc, target), events: [] };
    await setDeactivated(tx.db, input.userId, null);
    await audit(tx.db, { actorId: auth.userId, action: "user.reactivate", targetType: "user", targetId: String(input.userId), detail: { username: target.username } }, now);
    return { result: toAdminUser(svc, { ...target, deactivated_at: null }), events: [] };
  });
}

export interface AuditItem {
  id: number;
  actor: { id: number; username: string | null };
  action: string;
  target: { type: string; id: string | null };
  detail: Record<string, unknown>;
  createdAt: number;
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Newest first; `cursor` is the `nextCursor` of the page before. */
export async function auditLog(db: Kysely<Database>, q: { cursor?: number | null | undefined; limit: number }): Promise<{ items: AuditItem[]; nextCursor: number | null }> {
  const rows = await listAudit(db, { before: q.cursor ?? null, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: Number(r.id),
      actor: { id: Number(r.actor_id), username: r.actor_name },
      action: r.action,
      target: { type: r.target_type, id: r.target_id },
      detail: parseDetail(r.detail),
      createdAt: Number(r.created_at),
    })),
    nextCursor: rows.length > q.limit && last ? Number(last.id) : null,
  };
}

/**
 * Access for managing a room: its admins, and server admins whatever their
 * standing in it (a room whose admins left, or a private room they are not
 * in — managing it does not let them read it: that still takes membership).
 * Anyone else is refused as `roomAccess` + `requireAdmin` refuse them.
 */
export async function managedRoomAccess(svc: Pick<Services, "db">, roomId: number, userId: number): Promise<RoomAccess> {
  const room = await findRoom(svc.db, roomId);
  if (!room) throw notFound("Room");
  const membership = (await findMembership(svc.db, roomId, userId)) ?? null;
  if (membership && Number(membership.is_admin) === 1) return { room, membership };
  if (room.kind !== "dm" && (await isServerAdmin(svc.db, userId))) return { room, membership, asServerAdmin: true };
  if (!membership && Number(room.is_private) === 1) throw notFound("Room");
  const access = { room, membership };
  requireAdmin(access);
  return access;
}
