import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/** Stores (or moves to this user, with new keys) a push subscription: an endpoint belongs to one browser, so to one user. */
export async function upsertPushSubscription(db: Db, s: { endpoint: string; userId: number; p256dh: string; auth: string; now: number }): Promise<void> {
  await db
    .insertInto("push_subscriptions")
    .values({ endpoint: s.endpoint, user_id: s.userId, p256dh: s.p256dh, auth: s.auth, created_at: s.now })
    .onConflict((oc) => oc.column("endpoint").doUpdateSet({ user_id: s.userId, p256dh: s.p256dh, auth: s.auth }))
    .execute();
}

/** Removes a subscription: the caller's own (`userId`), or any (a push service said it is gone). */
export async function deletePushSubscription(db: Db, endpoint: string, userId?: number): Promise<boolean> {
  let q = db.deleteFrom("push_subscriptions").where("endpoint", "=", endpoint);
  if (userId !== undefined) q = q.where("user_id", "=", userId);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function anyPushSubscription(db: Db): Promise<boolean> {
  return (await db.selectFrom("push_subscriptions").select("endpoint").limit(1).executeTakeFirst()) !== undefined;
}

/**
 * The members of a room (but `exceptUserId`) who have a push subscription,
 * with what decides whether they get one: their level and mute in the room,
 * do not disturb, and the room's kind.
 */
export function pushCandidates(db: Db, roomId: number, exceptUserId: number) {
  return db
    .selectFrom("room_members as rm")
    .innerJoin("users as u", "u.id", "rm.user_id")
    .innerJoin("rooms as r", "r.id", "rm.room_id")
    .select(["rm.user_id", "rm.notify_level", "rm.muted", "u.dnd_until", "r.kind", "r.name"])
    .where("rm.room_id", "=", roomId)
    .where("rm.user_id", "!=", exceptUserId)
    .where((eb) => eb.exists(eb.selectFrom("push_subscriptions as ps").select("ps.endpoint").whereRef("ps.user_id", "=", "rm.user_id")))
    .execute();
}

export function pushSubscriptionsOf(db: Db, userIds: readonly number[]) {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom("push_subscriptions").select(["endpoint", "user_id", "p256dh", "auth"]).where("user_id", "in", userIds).execute();
}

export async function readSecret(db: Db, name: string): Promise<string | undefined> {
  return (await db.selectFrom("server_secrets").select("value").where("name", "=", name).executeTakeFirst())?.value;
}

/** Stores a secret unless one is there already (another node won the race): read it back after. */
export async function insertSecretOnce(db: Db, name: string, value: string, now: number): Promise<void> {
  await db
    .insertInto("server_secrets")
    .values({ name, value, created_at: now })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
}
