import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/**
 * Edits and deletes of messages: the row, its earlier versions, and the log
 * payloads that carried its text. Every function takes the writer's
 * transaction (`WriteTx.db`) as its executor.
 */

/**
 * Replaces a message's text, if it is still at `rev`: the version bump and
 * the content change are one statement, so a stale writer changes nothing
 * (returns false).
 */
export async function updateMessageContent(db: Db, m: { id: number; rev: number; content: string; now: number }): Promise<boolean> {
  const r = await db
    .updateTable("messages")
    .set({ content: m.content, rev: m.rev + 1, edited_at: m.now })
    .where("id", "=", m.id)
    .where("rev", "=", m.rev)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Keeps the version an edit replaced, with the position of the `message.updated` that replaced it. */
export async function insertRevision(
  db: Db,
  r: { messageId: number; rev: number; content: string; createdAt: number; replacedAt: number; eventId: number },
): Promise<void> {
  await db
    .insertInto("message_revisions")
    .values({ message_id: r.messageId, rev: r.rev, content: r.content, created_at: r.createdAt, replaced_at: r.replacedAt, event_id: r.eventId })
    .execute();
}

/** A message's earlier versions, oldest first. */
export function listRevisions(db: Db, messageId: number) {
  return db
    .selectFrom("message_revisions")
    .select(["rev", "content", "created_at", "replaced_at"])
    .where("message_id", "=", messageId)
    .orderBy("rev")
    .execute();
}

/**
 * Turns a message into a tombstone and removes everything that held its
 * text or hung on it: its earlier versions and its reactions. Returns the
 * positions of the events that carried its text (its `message.created` and
 * every `message.updated`), read from the row and the revisions before they
 * go, so the caller can rewrite those payloads without scanning the log.
 */
export async function tombstoneMessage(db: Db, m: { id: number; now: number }): Promise<number[]> {
  const row = await db.selectFrom("messages").select("event_id").where("id", "=", m.id).executeTakeFirst();
  const revisions = await db.selectFrom("message_revisions").select("event_id").where("message_id", "=", m.id).execute();
  await db.deleteFrom("message_revisions").where("message_id", "=", m.id).execute();
  await db.deleteFrom("reactions").where("message_id", "=", m.id).execute();
  await db.updateTable("messages").set({ content: "", deleted_at: m.now }).where("id", "=", m.id).execute();
  const positions = [row?.event_id, ...revisions.map((r) => r.event_id)];
  return positions.flatMap((p) => (p === null || p === undefined ? [] : [Number(p)]));
}

/** The log rows at `positions` with their type, so each can be rewritten as its own type. */
export function eventTypesAt(db: Db, positions: readonly number[]) {
  if (positions.length === 0) return Promise.resolve([]);
  return db.selectFrom("events").select(["id", "type"]).where("id", "in", positions).execute();
}

/**
 * Rewrites one log row's body in place (a deleted message's earlier events
 * become tombstones): same position, same type and scope, so replay order
 * and visibility are unchanged; the version is the one the new body was
 * encoded with.
 */
export async function rewriteEventPayload(db: Db, e: { id: number; payload: string; version: number }): Promise<void> {
  await db.updateTable("events").set({ payload: e.payload, version: e.version }).where("id", "=", e.id).execute();
}
