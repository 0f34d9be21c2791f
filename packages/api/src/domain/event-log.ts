import { type Database, insertEvent, lockEventLog, type Transaction } from "@parley/db";
import type { EventDraft } from "../events.ts";

/**
 * Appends events inside the caller's transaction; the hub is notified after
 * commit. Call it as the last write of the transaction: on PostgreSQL it
 * takes the event-log lock (see `lockEventLog`) that is held until commit.
 */
export async function appendEvents(trx: Transaction<Database>, now: number, drafts: readonly EventDraft[]): Promise<void> {
  if (drafts.length === 0) return;
  await lockEventLog(trx);
  for (const d of drafts) {
    await insertEvent(trx, {
      type: d.body.type,
      scope: d.scope,
      room_id: "roomId" in d.body ? d.body.roomId : null,
      user_id: d.userId ?? null,
      payload: JSON.stringify(d.body),
      created_at: now,
    });
  }
}
