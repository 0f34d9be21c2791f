import { type Kysely, sql } from "kysely";
import type { Database, UserRow } from "../schema.ts";

type Db = Kysely<Database>;

/** Sets the given profile fields (issue 13); none given: the row as it is. */
export function updateProfile(db: Db, userId: number, p: { displayName?: string | null | undefined; statusText?: string | undefined }): Promise<UserRow> {
  const set = {
    ...(p.displayName !== undefined && { display_name: p.displayName }),
    ...(p.statusText !== undefined && { status_text: p.statusText }),
  };
  if (Object.keys(set).length === 0) return db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirstOrThrow();
  return db.updateTable("users").set(set).where("id", "=", userId).returningAll().executeTakeFirstOrThrow();
}

export async function setPasswordHash(db: Db, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", userId).execute();
}

/** The rooms (channels and DMs, live ones) a user belongs to: where a change of their profile is told. */
export async function roomIdsOfMember(db: Db, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("room_members as m")
    .innerJoin("rooms as r", "r.id", "m.room_id")
    .select("m.room_id")
    .where("m.user_id", "=", userId)
    .where("r.deleted_at", "is", null)
    .orderBy("m.room_id")
    .execute();
  return rows.map((r) => Number(r.room_id));
}

/** A user's sessions that are neither revoked nor expired, newest first, with when each last refreshed its token. */
export function listLiveSessions(db: Db, userId: number, now: number) {
  return db
    .selectFrom("sessions as s")
    .select([
      "s.id",
      "s.created_at",
      "s.expires_at",
      (eb) =>
        eb
          .selectFrom("refresh_tokens as t")
          .select(sql<number>`max(t.created_at)`.as("m"))
          .whereRef("t.session_id", "=", "s.id")
          .as("last_active_at"),
    ])
    .where("s.user_id", "=", userId)
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", now)
    .orderBy("s.created_at", "desc")
    .execute();
}
