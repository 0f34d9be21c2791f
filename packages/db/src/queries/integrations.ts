import type { Kysely } from "kysely";
import type { Database, UserRow } from "../schema.ts";

type Db = Kysely<Database>;

/** Bots, personal access tokens and incoming webhooks (issue 17): executor first, one place per query. */

export function insertBot(
  db: Db,
  b: { username: string; usernameKey: string; displayName: string | null; ownerId: number; now: number },
): Promise<UserRow> {
  return db
    .insertInto("users")
    .values({
      username: b.username,
      username_key: b.usernameKey,
      // Unique and not an address: a bot has no mailbox and cannot be found by e-mail at sign-in.
      email: `${b.usernameKey}@bots.invalid`,
      // Not a bcrypt hash: no password ever matches it (and login refuses bots before checking).
      password_hash: "!bot",
      created_at: b.now,
      last_seen: null,
      is_bot: 1,
      bot_owner_id: b.ownerId,
      display_name: b.displayName,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function listBotsOf(db: Db, ownerId: number): Promise<UserRow[]> {
  return db.selectFrom("users").selectAll().where("bot_owner_id", "=", ownerId).orderBy("id").execute();
}

/**
 * A deleted bot keeps its row, so its messages keep a sender; it loses its
 * owner (no longer listed or managed) and frees its username.
 */
export async function retireBot(db: Db, id: number): Promise<void> {
  const name = `deleted-bot-${id}`;
  await db
    .updateTable("users")
    .set({ bot_owner_id: null, username: name, username_key: name, email: `${name}@bots.invalid` })
    .where("id", "=", id)
    .execute();
}

export interface NewAccessToken {
  userId: number;
  createdBy: number;
  name: string;
  scopes: string;
  tokenHash: string;
  sessionId: string;
  now: number;
  expiresAt: number | null;
}

/** The token and its own session, together. */
export async function insertAccessToken(db: Db, t: NewAccessToken): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto("sessions")
      .values({ id: t.sessionId, user_id: t.userId, created_at: t.now, expires_at: t.expiresAt ?? Number.MAX_SAFE_INTEGER, revoked_at: null })
      .execute();
    const row = await trx
      .insertInto("access_tokens")
      .values({
        user_id: t.userId,
        created_by: t.createdBy,
        name: t.name,
        scopes: t.scopes,
        token_hash: t.tokenHash,
        session_id: t.sessionId,
        created_at: t.now,
        expires_at: t.expiresAt,
        revoked_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  });
}

/** A live token by hash, with the user it acts as. */
export function findAccessToken(db: Db, tokenHash: string) {
  return db
    .selectFrom("access_tokens as t")
    .innerJoin("sessions as s", "s.id", "t.session_id")
    .innerJoin("users as u", "u.id", "t.user_id")
    .select(["t.id", "t.user_id", "u.username", "t.scopes", "t.session_id", "t.expires_at", "s.revoked_at"])
    .where("t.token_hash", "=", tokenHash)
    .executeTakeFirst();
}

/** The caller's tokens: their own and their bots', unrevoked. */
export function listAccessTokens(db: Db, createdBy: number) {
  return db
    .selectFrom("access_tokens as t")
    .innerJoin("users as u", "u.id", "t.user_id")
    .select(["t.id", "t.name", "t.scopes", "t.user_id", "u.is_bot", "t.created_at", "t.expires_at"])
    .where("t.created_by", "=", createdBy)
    .where("t.revoked_at", "is", null)
    .orderBy("t.id")
    .execute();
}

export function findAccessTokenById(db: Db, id: number) {
  return db.selectFrom("access_tokens").select(["id", "user_id", "created_by", "session_id", "revoked_at"]).where("id", "=", id).executeTakeFirst();
}

/** Marks the token and its session revoked; the caller then announces the session's revocation. */
export async function revokeAccessToken(db: Db, id: number, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.updateTable("access_tokens").set({ revoked_at: now }).where("id", "=", id).returning("session_id").executeTakeFirst();
    if (row) await trx.updateTable("sessions").set({ revoked_at: now }).where("id", "=", row.session_id).where("revoked_at", "is", null).execute();
  });
}

/** Sessions of every token acting as `userId` (a bot being deleted). */
export async function sessionsOfTokens(db: Db, userId: number): Promise<string[]> {
  const rows = await db.selectFrom("access_tokens").select("session_id").where("user_id", "=", userId).where("revoked_at", "is", null).execute();
  return rows.map((r) => r.session_id);
}

export function insertIncomingWebhook(
  db: Db,
  w: { roomId: number; botId: number; name: string; secretHash: string; createdBy: number; now: number },
): Promise<{ id: number }> {
  return db
    .insertInto("incoming_webhooks")
    .values({ room_id: w.roomId, bot_id: w.botId, name: w.name, secret_hash: w.secretHash, created_by: w.createdBy, created_at: w.now, revoked_at: null })
    .returning("id")
    .executeTakeFirstOrThrow();
}

export function findIncomingWebhook(db: Db, secretHash: string) {
  return db
    .selectFrom("incoming_webhooks as w")
    .innerJoin("users as u", "u.id", "w.bot_id")
    .select(["w.id", "w.room_id", "w.bot_id", "u.username as bot_name", "w.name"])
    .where("w.secret_hash", "=", secretHash)
    .where("w.revoked_at", "is", null)
    .executeTakeFirst();
}

export function findIncomingWebhookById(db: Db, id: number) {
  return db.selectFrom("incoming_webhooks").selectAll().where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst();
}

export function listIncomingWebhooks(db: Db, roomId: number) {
  return db
    .selectFrom("incoming_webhooks")
    .select(["id", "room_id", "name", "bot_id", "created_by", "created_at"])
    .where("room_id", "=", roomId)
    .where("revoked_at", "is", null)
    .orderBy("id")
    .execute();
}

export async function setIncomingWebhookSecret(db: Db, id: number, secretHash: string): Promise<void> {
  await db.updateTable("incoming_webhooks").set({ secret_hash: secretHash }).where("id", "=", id).execute();
}

export async function revokeIncomingWebhook(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable("incoming_webhooks").set({ revoked_at: now }).where("id", "=", id).execute();
}

/** Revokes every token acting as `userId`, and their sessions. */
export async function revokeAccessTokensOf(db: Db, userId: number, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const rows = await trx.updateTable("access_tokens").set({ revoked_at: now }).where("user_id", "=", userId).where("revoked_at", "is", null).returning("session_id").execute();
    const ids = rows.map((r) => r.session_id);
    if (ids.length > 0) await trx.updateTable("sessions").set({ revoked_at: now }).where("id", "in", ids).where("revoked_at", "is", null).execute();
  });
}
