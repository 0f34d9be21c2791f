import { type Kysely, sql } from "kysely";
import { isPostgres } from "../postgres.ts";
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

/**
 * Users whose username key starts with `prefix` (already a key: NFKC,
 * lower-cased, non-empty), in key order: a range on the key's index, never a
 * scan. PostgreSQL compares in the database's collation, where a locale may
 * skip punctuation and break prefix ranges, so there the key is compared
 * bytewise (`collate "C"`, indexed by migration 0008); SQLite's default is
 * bytewise already.
 */
export function searchUsersByPrefixQuery(db: Db, q: { prefix: string; limit: number }) {
  const last = q.prefix.charCodeAt(q.prefix.length - 1);
  if (Number.isNaN(last)) throw new Error("searchUsersByPrefix needs a non-empty prefix");
  const upper = q.prefix.slice(0, -1) + String.fromCharCode(last + 1);
  const key = isPostgres(db) ? sql<string>`username_key collate "C"` : sql<string>`username_key`;
  return db.selectFrom("users").select(["id", "username", "avatar_id"]).where(key, ">=", q.prefix).where(key, "<", upper).orderBy(key).limit(q.limit);
}

export function searchUsersByPrefix(db: Db, q: { prefix: string; limit: number }) {
  return searchUsersByPrefixQuery(db, q).execute();
}
