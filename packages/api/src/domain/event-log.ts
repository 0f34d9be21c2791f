import { type Database, insertEvent, type Kysely } from "@parley/db";
import type { EventDraft } from "../events.ts";

/** Appends events inside the caller's transaction; the hub is notified after commit. */
export async function appendEvents(trx: Kysely<Database>, now: number, drafts: readonly EventDraft[]): Promise<void> {
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
