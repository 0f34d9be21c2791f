import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Database, type Kysely, type ParleyDb, recountMembers } from "@parley/db";
import { sql } from "kysely";
import type { z } from "zod";
import { AdminError } from "./backup.ts";
import { FILES, type FileName, manifestSchema, type MessageRecord, type RoomRecord, type UserRecord } from "./format.ts";
import { readNdjson } from "./ndjson.ts";

type Db = Kysely<Database>;
type Records = { [K in FileName]: z.infer<(typeof FILES)[K]>[] };

/** Imported accounts have no password (an export holds none): `parley-admin password <user>` sets one. */
export const NO_PASSWORD = "!";
const BATCH = 500;

async function inBatches<T>(rows: readonly T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

/** Reads and validates an export directory; the first bad line stops it, before anything is written. */
export async function readExport(dir: string): Promise<Records> {
  const manifestFile = join(dir, "manifest.json");
  if (!existsSync(manifestFile)) throw new AdminError(`${dir} has no manifest.json: not a Parley export`);
  const manifest = manifestSchema.safeParse(JSON.parse(readFileSync(manifestFile, "utf8")));
  if (!manifest.success) throw new AdminError(`${manifestFile}: not a Parley export of a version this build reads`);
  const out = {} as Record<FileName, unknown[]>;
  for (const name of Object.keys(FILES) as FileName[]) {
    const file = join(dir, `${name}.ndjson`);
    const rows: unknown[] = [];
    if (existsSync(file)) {
      let line = 0;
      for await (const value of readNdjson(file)) {
        line++;
        const r = FILES[name].safeParse(value);
        if (!r.success) throw new AdminError(`${file}: record ${line}: ${r.error.issues[0]?.path.join(".")} ${r.error.issues[0]?.message}`);
        rows.push(r.data);
      }
    }
    out[name] = rows;
  }
  return out as Records;
}

/** Imports need a fresh database: ids are kept, so nothing may be there to collide with. */
export async function requireEmpty(db: Db): Promise<void> {
  const [users, rooms] = await Promise.all([
    db.selectFrom("users").select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow(),
    db.selectFrom("rooms").select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow(),
  ]);
  if (Number(users.n) > 0 || Number(rooms.n) > 0) throw new AdminError("the database is not empty: import into a fresh one (a new DATABASE_URL)");
}

const userRow = (u: UserRecord) => ({
  id: u.id,
  username: u.username,
  username_key: u.username.normalize("NFKC").toLowerCase(),
  email: u.email,
  password_hash: NO_PASSWORD,
  created_at: u.createdAt,
  last_seen: null,
  role: u.role,
  deactivated_at: u.deactivatedAt,
});
const roomRow = (r: RoomRecord) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  is_private: r.isPrivate ? (1 as const) : (0 as const),
  created_by: r.createdBy,
  created_at: r.createdAt,
  deleted_at: r.deletedAt,
  kind: r.kind,
  dm_key: r.dmKey,
  slow_mode_seconds: r.slowModeSeconds,
});
const messageRow = (m: MessageRecord) => ({
  id: m.id,
  room_id: m.roomId,
  sender_id: m.senderId,
  kind: m.kind,
  content: m.content,
  client_id: m.clientId,
  created_at: m.createdAt,
  edited_at: m.editedAt,
  rev: m.rev,
  deleted_at: m.deletedAt,
  event_id: null,
  thread_id: m.threadId,
  in_room: m.inRoom ? (1 as const) : (0 as const),
});

/**
 * Writes the records in one transaction, ids kept. There is no event log to
 * import: clients read history from the messages, and the log starts at the
 * import. On PostgreSQL the id sequences are moved past the imported ids.
 */
export async function writeRecords(handle: ParleyDb, r: Records): Promise<Record<FileName, number>> {
  await handle.db.transaction().execute(async (trx) => {
    await requireEmpty(trx);
    await inBatches(r.users.map(userRow), (b) => trx.insertInto("users").values(b).execute());
    await inBatches(r.rooms.map(roomRow), (b) => trx.insertInto("rooms").values(b).execute());
    const members = r.members.map((m) => ({ room_id: m.roomId, user_id: m.userId, is_admin: m.isAdmin ? (1 as const) : (0 as const), joined_at: m.joinedAt }));
    await inBatches(members, (b) => trx.insertInto("room_members").values(b).execute());
    await recountMembers(trx);
    await inBatches(r.messages.map(messageRow), (b) => trx.insertInto("messages").values(b).execute());
    const revisions = r.messages.flatMap((m) =>
      m.revisions.map((v) => ({ message_id: m.id, rev: v.rev, content: v.content, created_at: v.createdAt, replaced_at: v.replacedAt, event_id: null })),
    );
    await inBatches(revisions, (b) => trx.insertInto("message_revisions").values(b).execute());
    const reactions = r.reactions.map((x) => ({ message_id: x.messageId, emoji: x.emoji, user_id: x.userId, created_at: x.createdAt }));
    await inBatches(reactions, (b) => trx.insertInto("reactions").values(b).execute());
    for (const t of r.threads) {
      await trx.updateTable("messages").set({ reply_count: t.replyCount, last_reply_at: t.lastReplyAt }).where("id", "=", t.rootId).execute();
      const participants = t.participants.map((p) => ({ root_id: t.rootId, user_id: p.userId, first_at: p.firstAt }));
      await inBatches(participants, (b) => trx.insertInto("thread_participants").values(b).execute());
    }
    if (handle.dialect === "postgres") {
      for (const table of ["users", "rooms", "messages", "message_revisions"]) {
        await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(trx);
      }
    }
  });
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.length])) as Record<FileName, number>;
}

/** A Parley export: its records, then its files into the uploads directory. */
export async function importParley(handle: ParleyDb, dir: string, uploads: string): Promise<Record<FileName, number>> {
  const records = await readExport(dir);
  const counts = await writeRecords(handle, records);
  const files = join(dir, "files");
  if (existsSync(files)) cpSync(files, uploads, { recursive: true });
  return counts;
}
