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
    .values({ token_hash: t.tokenHash, session_id: t.sessionId, created_at: t.now, used_at: null })
    .execute();
}

export function findRefreshToken(db: Db, tokenHash: string) {
  return db
    .selectFrom("refresh_tokens as t")
    .innerJoin("sessions as s", "s.id", "t.session_id")
    .select(["t.token_hash", "t.used_at", "s.id as session_id", "s.user_id", "s.expires_at", "s.revoked_at"])
    .where("t.token_hash", "=", tokenHash)
    .executeTakeFirst();
}

/** Marks a refresh token used; false if it already was (a concurrent or replayed refresh). */
export async function useRefreshToken(db: Db, tokenHash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable("refresh_tokens")
    .set({ used_at: now })
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
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
