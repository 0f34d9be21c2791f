import type { Kysely } from "kysely";
import type { Database, UserRow } from "../schema.ts";

type Db = Kysely<Database>;

export interface NewUser {
  username: string;
  usernameKey: string;
  email: string;
  passwordHash: string;
  now: number;
}

export function insertUser(db: Db, u: NewUser): Promise<UserRow> {
  return db
    .insertInto("users")
    .values({
      username: u.username,
      username_key: u.usernameKey,
      email: u.email,
      password_hash: u.passwordHash,
      created_at: u.now,
      last_seen: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Login accepts the username (by its key) or the e-mail address. */
export function findUserByLogin(db: Db, usernameKey: string, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom("users")
    .selectAll()
    .where((eb) => eb.or([eb("username_key", "=", usernameKey), eb("email", "=", email)]))
    .executeTakeFirst();
}

export function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findUserByKey(db: Db, usernameKey: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("username_key", "=", usernameKey).executeTakeFirst();
}

export function findUsersByIds(db: Db, ids: readonly number[]): Promise<UserRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("users").selectAll().where("id", "in", ids).execute();
}

export async function setLastSeen(db: Db, userId: number, at: number): Promise<void> {
  await db.updateTable("users").set({ last_seen: at }).where("id", "=", userId).execute();
}
