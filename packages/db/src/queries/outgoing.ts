import type { Kysely } from "kysely";
import type { Database, EventRow } from "../schema.ts";

type Db = Kysely<Database>;

/** Outgoing webhooks and their durable delivery queue (issue 17, migration 0018). */

export function insertOutgoingWebhook(
  db: Db,
  w: { roomId: number; botId: number; url: string; triggerWords: string; secret: string; createdBy: number; now: number },
): Promise<{ id: number }> {
  return db
    .insertInto("outgoing_webhooks")
    .values({
      room_id: w.roomId,
      bot_id: w.botId,
      url: w.url,
      trigger_words: w.triggerWords,
      secret: w.secret,
      created_by: w.createdBy,
      created_at: w.now,
      revoked_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

export function liveOutgoingWebhooks(db: Db) {
  return db.selectFrom("outgoing_webhooks").selectAll().where("revoked_at", "is", null).execute();
}

export function findOutgoingWebhook(db: Db, id: number) {
  return db.selectFrom("outgoing_webhooks").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function revokeOutgoingWebhook(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable("outgoing_webhooks").set({ revoked_at: now }).where("id", "=", id).execute();
}

export async function readCursor(db: Db, name: string): Promise<number | null> {
  const row = await db.selectFrom("integration_cursors").select("position").where("name", "=", name).executeTakeFirst();
  return row ? Number(row.position) : null;
}

/** Sets the cursor from `from` to `to`; false if another node moved it first (it then did this work). */
export async function moveCursor(db: Db, name: string, from: number | null, to: number): Promise<boolean> {
  if (from === null) {
    const r = await db.insertInto("integration_cursors").values({ name, position: to }).onConflict((oc) => oc.column("name").doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const r = await db.updateTable("integration_cursors").set({ position: to }).where("name", "=", name).where("position", "=", from).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** New messages after `after` in the given rooms, in log order. */
export function messageEventsAfter(db: Db, after: number, roomIds: readonly number[], limit: number): Promise<EventRow[]> {
  return db
    .selectFrom("events")
    .selectAll()
    .where("id", ">", after)
    .where("type", "=", "message.created")
    .where("room_id", "in", roomIds)
    .orderBy("id")
    .limit(limit)
    .execute();
}

export async function insertDeliveries(
  db: Db,
  rows: readonly { webhookId: number; messageId: number; payload: string; now: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto("webhook_deliveries")
    .values(rows.map((r) => ({ webhook_id: r.webhookId, message_id: r.messageId, payload: r.payload, attempts: 0, next_at: r.now, delivered_at: null, failed_at: null, last_error: null, created_at: r.now })))
    .onConflict((oc) => oc.columns(["webhook_id", "message_id"]).doNothing())
    .execute();
}

export function dueDeliveries(db: Db, now: number, limit: number) {
  return db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("outgoing_webhooks as w", "w.id", "d.webhook_id")
    .select(["d.id", "d.webhook_id", "d.payload", "d.attempts", "d.next_at", "w.url", "w.secret", "w.room_id", "w.bot_id"])
    .where("d.delivered_at", "is", null)
    .where("d.failed_at", "is", null)
    .where("d.next_at", "<=", now)
    .where("w.revoked_at", "is", null)
    .orderBy("d.next_at")
    .limit(limit)
    .execute();
}

/** Takes a due delivery for `leaseMs` (until it is answered or the lease runs out); false if another node took it. */
export async function claimDelivery(db: Db, d: { id: number; nextAt: number; until: number }): Promise<boolean> {
  const r = await db.updateTable("webhook_deliveries").set({ next_at: d.until }).where("id", "=", d.id).where("next_at", "=", d.nextAt).where("delivered_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markDelivered(db: Db, id: number, now: number, attempts: number): Promise<void> {
  await db.updateTable("webhook_deliveries").set({ delivered_at: now, attempts, last_error: null }).where("id", "=", id).execute();
}

export async function markRetry(db: Db, d: { id: number; attempts: number; nextAt: number; error: string; failed: boolean; now: number }): Promise<void> {
  await db
    .updateTable("webhook_deliveries")
    .set({ attempts: d.attempts, next_at: d.nextAt, last_error: d.error.slice(0, 500), failed_at: d.failed ? d.now : null })
    .where("id", "=", d.id)
    .execute();
}

export function deliveriesOf(db: Db, webhookId: number) {
  return db.selectFrom("webhook_deliveries").selectAll().where("webhook_id", "=", webhookId).orderBy("id").execute();
}

export function insertSlashCommand(
  db: Db,
  c: { roomId: number; trigger: string; url: string; secret: string; botId: number; createdBy: number; now: number },
): Promise<{ id: number }> {
  return db
    .insertInto("slash_commands")
    .values({ room_id: c.roomId, trigger: c.trigger, url: c.url, secret: c.secret, bot_id: c.botId, created_by: c.createdBy, created_at: c.now })
    .returning("id")
    .executeTakeFirstOrThrow();
}

export function findSlashCommand(db: Db, roomId: number, trigger: string) {
  return db
    .selectFrom("slash_commands as c")
    .innerJoin("users as u", "u.id", "c.bot_id")
    .select(["c.id", "c.url", "c.secret", "c.bot_id", "u.username as bot_name"])
    .where("c.room_id", "=", roomId)
    .where("c.trigger", "=", trigger)
    .executeTakeFirst();
}

export function listSlashCommands(db: Db, roomId: number) {
  return db.selectFrom("slash_commands").select(["id", "trigger", "url"]).where("room_id", "=", roomId).orderBy("trigger").execute();
}

export function findSlashCommandById(db: Db, id: number) {
  return db.selectFrom("slash_commands").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function deleteSlashCommand(db: Db, id: number): Promise<void> {
  await db.deleteFrom("slash_commands").where("id", "=", id).execute();
}

/** A live public channel by name (case-insensitive), for `/join #name`. */
export function findPublicRoomByName(db: Db, name: string) {
  return db
    .selectFrom("rooms")
    .select(["id", "name"])
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()))
    .where("is_private", "=", 0)
    .where("deleted_at", "is", null)
    .where("kind", "=", "channel")
    .orderBy("id")
    .executeTakeFirst();
}
