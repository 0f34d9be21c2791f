import { findUserById, insertBot, isUniqueViolation, type Kysely, type Database, listBotsOf, retireBot, sessionsOfTokens, revokeAccessTokensOf } from "@parley/db";
import { conflict, notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import { toUser, type User } from "../shapes.ts";
import { type Auth, revokeAndDisconnect } from "./auth.ts";

/**
 * Bot accounts: users with `isBot`, owned by the person who made them, who
 * manages their tokens (`tokens.create({ botId })`). A bot never signs in
 * with a password (domain/auth.ts `login`).
 */

export async function createBot(svc: Services, auth: Auth, input: { username: string; displayName?: string | undefined }): Promise<User> {
  return toUser(await makeBot(svc.db, { username: input.username, displayName: input.displayName ?? null, ownerId: auth.userId, now: svc.now() }));
}

/** A bot row; CONFLICT when the username is taken. Also used for a webhook's own bot. */
export async function makeBot(db: Kysely<Database>, b: { username: string; displayName: string | null; ownerId: number; now: number }) {
  try {
    return await insertBot(db, { ...b, usernameKey: b.username.normalize("NFKC").toLowerCase() });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("That username is already taken");
    throw err;
  }
}

export async function listBots(svc: Services, auth: Auth): Promise<User[]> {
  return (await listBotsOf(svc.db, auth.userId)).map(toUser);
}

/** Revokes every token of the bot (its sockets close on every node) and retires it. */
export async function deleteBot(svc: Services, auth: Auth, botId: number): Promise<{ ok: true }> {
  const bot = await findUserById(svc.db, botId);
  if (!bot || Number(bot.is_bot) !== 1 || Number(bot.bot_owner_id) !== auth.userId) throw notFound("Bot");
  const sessions = await sessionsOfTokens(svc.db, botId);
  await revokeAccessTokensOf(svc.db, botId, svc.now());
  for (const s of sessions) await revokeAndDisconnect(svc, s);
  await retireBot(svc.db, botId);
  return { ok: true };
}
