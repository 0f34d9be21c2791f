import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/** A response URL handed to a custom command (migration 0023): only its secret's hash is stored. Expired ones go first. */
export async function insertCommandResponse(
  db: Db,
  r: { secretHash: string; commandId: number; roomId: number; userId: number; clientId: string; now: number; expiresAt: number },
): Promise<void> {
  await db.deleteFrom("command_responses").where("expires_at", "<=", r.now).execute();
  await db
    .insertInto("command_responses")
    .values({
      secret_hash: r.secretHash,
      command_id: r.commandId,
      room_id: r.roomId,
      user_id: r.userId,
      client_id: r.clientId,
      created_at: r.now,
      expires_at: r.expiresAt,
    })
    .execute();
}

/**
 * Takes one use of a live response URL: the row (with its use number, 1
 * first, and the command's bot) if it is known, not expired and has uses
 * left; undefined otherwise. One statement, so two concurrent POSTs cannot
 * both take the last use.
 */
export async function takeCommandResponse(db: Db, q: { secretHash: string; now: number; maxUses: number }) {
  const taken = await db
    .updateTable("command_responses")
    .set((eb) => ({ uses: eb("uses", "+", 1) }))
    .where("secret_hash", "=", q.secretHash)
    .where("expires_at", ">", q.now)
    .where("uses", "<", q.maxUses)
    .returning(["command_id", "room_id", "user_id", "client_id", "uses"])
    .executeTakeFirst();
  if (!taken) return undefined;
  const command = await db
    .selectFrom("slash_commands as c")
    .innerJoin("users as u", "u.id", "c.bot_id")
    .select(["c.id", "c.trigger", "c.bot_id", "u.username as bot_name"])
    .where("c.id", "=", Number(taken.command_id))
    .executeTakeFirst();
  return command ? { ...taken, command } : undefined;
}
