import { type Database, insertEvent, lockEventLog, type NewEvent, type Transaction } from "@parley/db";
import type { EventDraft } from "../events.ts";

/**
 * Call first in every transaction that will append events: on PostgreSQL it
 * takes the event-log lock (held to commit), so the transaction's other ids
 * (the message id) are drawn in the same order as its event ids and history
 * order equals stream order. A no-op on SQLite, which has one writer.
 */
export async function beginEventWrite(trx: Transaction<Database>): Promise<void> {
  await lockEventLog(trx);
}

/**
 * Appends events inside the caller's transaction; the hub is notified after
 * commit. It takes the event-log lock too (once per transaction), so a
 * writer that forgot `beginEventWrite` still cannot make the log skip.
 */
export async function appendEvents(trx: Transaction<Database>, now: number, drafts: readonly EventDraft[]): Promise<void> {
  if (drafts.length === 0) return;
  await lockEventLog(trx);
  for (const d of drafts) await insertEvent(trx, toNewEvent(now, d));
}

/** The log row of an event. */
export function toNewEvent(now: number, d: EventDraft): NewEvent {
  return {
    type: d.body.type,
    scope: d.scope,
    room_id: "roomId" in d.body ? d.body.roomId : null,
    user_id: d.userId ?? null,
    payload: JSON.stringify(d.body),
    created_at: now,
  };
}

/** The log row of an event every member of its room sees. */
export function roomEvent(now: number, body: EventDraft["body"] & { roomId: number }): NewEvent {
  return toNewEvent(now, { body, scope: "room" });
}
