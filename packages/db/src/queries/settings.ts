import type { Kysely } from "kysely";
import type { Database, InviteRow } from "../schema.ts";

type Db = Kysely<Database>;

/** Server settings (JSON values), stored so every node reads the same (migration 0015). */
export async function readSettings(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom("settings").select(["key", "value"]).execute();
  return new Map(rows.map((r) => [r.key, r.value]));
}

export async function writeSetting(db: Db, key: string, value: string, now: number): Promise<void> {
  await db
    .insertInto("settings")
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value, updated_at: now }))
    .execute();
}

export async function insertInvite(
  db: Db,
  i: { code: string; createdBy: number; now: number; expiresAt: number | null; maxUses: number | null },
): Promise<InviteRow> {
  return db
    .insertInto("invites")
    .values({ code: i.code, created_by: i.createdBy, created_at: i.now, expires_at: i.expiresAt, max_uses: i.maxUses, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Spends one use of an invite if it is live: not revoked, not expired, not
 * used up. One conditional update, so racing registrations on two nodes
 * cannot spend more uses than it has.
 */
export async function spendInvite(db: Db, code: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable("invites")
    .set((eb) => ({ uses: eb("uses", "+", 1) }))
    .where("code", "=", code)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .where((eb) => eb.or([eb("max_uses", "is", null), eb("uses", "<", eb.ref("max_uses"))]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function findInvite(db: Db, code: string): Promise<InviteRow | undefined> {
  return db.selectFrom("invites").selectAll().where("code", "=", code).executeTakeFirst();
}

export function listInvites(db: Db): Promise<InviteRow[]> {
  return db.selectFrom("invites").selectAll().orderBy("created_at", "desc").limit(500).execute();
}

export async function revokeInvite(db: Db, code: string, now: number): Promise<boolean> {
  const r = await db.updateTable("invites").set({ revoked_at: now }).where("code", "=", code).where("revoked_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
