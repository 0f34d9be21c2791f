import { type Kysely, sql } from "kysely";
import type { AuditRow, Database, ServerRole, UserRow } from "../schema.ts";

type Db = Kysely<Database>;

/** Server roles, deactivation and the audit log (migration 0015). */

export async function serverRole(db: Db, userId: number): Promise<{ role: ServerRole; deactivated: boolean } | undefined> {
  const r = await db.selectFrom("users").select(["role", "deactivated_at"]).where("id", "=", userId).executeTakeFirst();
  return r ? { role: r.role, deactivated: r.deactivated_at !== null } : undefined;
}

/**
 * The first account of a server becomes its admin: after its insert, the
 * user with the lowest id is promoted if nobody is admin yet. Two racing
 * first registrations both run it and agree on the lowest id.
 */
export async function promoteFirstUser(db: Db, userId: number): Promise<boolean> {
  const r = await db
    .updateTable("users")
    .set({ role: "admin" })
    .where("id", "=", userId)
    .where("id", "=", (eb) => eb.selectFrom("users").select((f) => f.fn.min("id").as("m")))
    .where((eb) => eb.not(eb.exists(eb.selectFrom("users as a").select("a.id").where("a.role", "=", "admin"))))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Makes the users with these username keys admins (`PARLEY_ADMINS`); returns how many changed. */
export async function promoteByKeys(db: Db, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const r = await db.updateTable("users").set({ role: "admin" }).where("username_key", "in", keys).where("role", "<>", "admin").executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function setRole(db: Db, userId: number, role: ServerRole): Promise<void> {
  await db.updateTable("users").set({ role }).where("id", "=", userId).execute();
}

export async function countAdminsOnServer(db: Db): Promise<number> {
  const r = await db
    .selectFrom("users")
    .select(sql<number>`count(*)`.as("n"))
    .where("role", "=", "admin")
    .where("deactivated_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function setDeactivated(db: Db, userId: number, at: number | null): Promise<void> {
  await db.updateTable("users").set({ deactivated_at: at }).where("id", "=", userId).execute();
}

/** Revokes every live session of a user; returns their ids (to close their sockets on every node). */
export async function revokeUserSessions(db: Db, userId: number, now: number): Promise<string[]> {
  const rows = await db.selectFrom("sessions").select("id").where("user_id", "=", userId).where("revoked_at", "is", null).execute();
  if (rows.length === 0) return [];
  await db.updateTable("sessions").set({ revoked_at: now }).where("user_id", "=", userId).where("revoked_at", "is", null).execute();
  return rows.map((r) => r.id);
}

/** Users in id order after `after`, optionally by username-key prefix or e-mail substring. */
export function listUsersPage(db: Db, q: { query: string | null; after: number; limit: number }): Promise<UserRow[]> {
  let query = db.selectFrom("users").selectAll().where("id", ">", q.after);
  if (q.query) {
    const like = `%${q.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb("username_key", "like", sql<string>`${like} escape '\\'`), eb("email", "like", sql<string>`${like} escape '\\'`)]));
  }
  return query.orderBy("id").limit(q.limit).execute();
}

/** The senders among `ids` whose accounts are deactivated (messages show it). */
export async function deactivatedAmong(db: Db, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom("users").select("id").where("id", "in", ids).where("deactivated_at", "is not", null).execute();
  return new Set(rows.map((r) => Number(r.id)));
}

export interface NewAudit {
  actorId: number;
  action: string;
  targetType: string;
  targetId: string | null;
  detail: Record<string, unknown>;
  now: number;
}

export async function insertAudit(db: Db, a: NewAudit): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      actor_id: a.actorId,
      action: a.action,
      target_type: a.targetType,
      target_id: a.targetId,
      detail: JSON.stringify(a.detail),
      created_at: a.now,
    })
    .execute();
}

/** Newest first, before id `before`, with the actor's name. */
export function listAudit(db: Db, q: { before: number | null; limit: number }): Promise<(AuditRow & { actor_name: string | null })[]> {
  let query = db
    .selectFrom("audit_log as a")
    .leftJoin("users as u", "u.id", "a.actor_id")
    .selectAll("a")
    .select("u.username as actor_name");
  if (q.before !== null) query = query.where("a.id", "<", q.before);
  return query.orderBy("a.id", "desc").limit(q.limit).execute();
}
