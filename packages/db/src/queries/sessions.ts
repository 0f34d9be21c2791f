import type { Kysely } from "kysely";
import type { Database, SessionRow } from "../schema.ts";

type Db = Kysely<Database>;

export async function insertSession(
  db: Db,
  s: { id: string; userId: number; now: number; expiresAt: number; tokenHash: string },
): Promise<void> {
  await db
    .insertInto("sessions")
    .values({ id: s.id, user_id: s.userId, created_at: s.now, expires_at: s.expiresAt, revoked_at: null })
    .execute();
  await insertRefreshToken(db, { sessionId: s.id, tokenHash: s.tokenHash, now: s.now });
}

export async function insertRefreshToken(
  db: Db,
  t: { sessionId: string; tokenHash: string; now: number },
): Promise<void> {
  await db
    .insertInto("refresh_tokens")
    .values({ token_hash: t.tokenHash, session_id: t.sessionId, created_at: t.now, used_at: null, replaced_by: null })
    .execute();
}

export function findRefreshToken(db: Db, tokenHash: string) {
  return db
    .selectFrom("refresh_tokens as t")
    .innerJoin("sessions as s", "s.id", "t.session_id")
    .select(["t.token_hash", "t.used_at", "t.replaced_by", "s.id as session_id", "s.user_id", "s.expires_at", "s.revoked_at"])
    .where("t.token_hash", "=", tokenHash)
    .executeTakeFirst();
}

/**
 * Marks a refresh token used and names the token that replaces it; false if
 * it already was used (a concurrent or replayed refresh).
 */
export async function useRefreshToken(db: Db, tokenHash: string, now: number, replacedBy: string): Promise<boolean> {
  const r = await db
    .updateTable("refresh_tokens")
    .set({ used_at: now, replaced_by: replacedBy })
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Marks an unused token of the session used with no successor, so presenting
 * it later counts as reuse. False if it was already used (or is not the session's).
 */
export async function killRefreshToken(db: Db, t: { sessionId: string; tokenHash: string; now: number }): Promise<boolean> {
  const r = await db
    .updateTable("refresh_tokens")
    .set({ used_at: t.now, replaced_by: null })
    .where("token_hash", "=", t.tokenHash)
    .where("session_id", "=", t.sessionId)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Points a used token at a new successor; false if its successor is no longer `from`. */
export async function replaceRefreshSuccessor(db: Db, t: { tokenHash: string; from: string; to: string }): Promise<boolean> {
  const r = await db
    .updateTable("refresh_tokens")
    .set({ replaced_by: t.to })
    .where("token_hash", "=", t.tokenHash)
    .where("replaced_by", "=", t.from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function findSession(db: Db, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function revokeSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable("sessions").set({ revoked_at: now }).where("id", "=", id).where("revoked_at", "is", null).execute();
}

export async function extendSession(db: Db, id: string, expiresAt: number): Promise<void> {
  await db.updateTable("sessions").set({ expires_at: expiresAt }).where("id", "=", id).execute();
}

/** Which of these sessions are revoked (by primary key: the cost follows the list, not the table). */
export async function revokedAmong(db: Db, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom("sessions").select("id").where("id", "in", ids).where("revoked_at", "is not", null).execute();
  return rows.map((r) => r.id);
}
