import { type Kysely, sql } from "kysely";
import type { Database, FileRow } from "../schema.ts";

type Db = Kysely<Database>;

/** Files and attachments (migration 0013), executor first. */

export function insertFile(db: Db, f: Omit<FileRow, "attached_at">): Promise<unknown> {
  return db
    .insertInto("files")
    .values({ ...f, attached_at: null })
    .execute();
}

export function findFile(db: Db, id: string): Promise<FileRow | undefined> {
  return db.selectFrom("files").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Bytes an uploader holds (the quota counts attached and unattached files alike). */
export async function uploadedBytes(db: Db, uploaderId: number): Promise<number> {
  const row = await db
    .selectFrom("files")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("size"), sql<number>`0`).as("bytes"))
    .where("uploader_id", "=", uploaderId)
    .executeTakeFirst();
  return Number(row?.bytes ?? 0);
}

/**
 * The download rule: its uploader before it is attached, or anyone who may
 * read a live message that shows it — any signed-in user for a public
 * channel, a member for a private room or a DM (as `messages.list`).
 */
export async function fileReadableBy(db: Db, fileId: string, userId: number): Promise<FileRow | undefined> {
  return db
    .selectFrom("files as f")
    .selectAll("f")
    .where("f.id", "=", fileId)
    .where((eb) =>
      eb.or([
        eb.and([eb("f.uploader_id", "=", userId), eb("f.attached_at", "is", null)]),
        eb.exists(
          eb
            .selectFrom("message_attachments as a")
            .innerJoin("messages as m", "m.id", "a.message_id")
            .innerJoin("rooms as r", "r.id", "m.room_id")
            .leftJoin("room_members as rm", (j) => j.onRef("rm.room_id", "=", "r.id").on("rm.user_id", "=", userId))
            .select(sql.lit(1).as("one"))
            .whereRef("a.file_id", "=", "f.id")
            .where("m.deleted_at", "is", null)
            .where("r.deleted_at", "is", null)
            .where((w) => w.or([w("r.is_private", "=", 0), w("rm.user_id", "is not", null)])),
        ),
      ]),
    )
    .executeTakeFirst();
}

/** The caller's own files among `ids` (only its uploader may attach a file). */
export function ownFiles(db: Db, uploaderId: number, ids: readonly string[]): Promise<FileRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("files").selectAll().where("uploader_id", "=", uploaderId).where("id", "in", ids).execute();
}

export async function attachFiles(db: Db, a: { messageId: number; fileIds: readonly string[]; now: number }): Promise<void> {
  if (a.fileIds.length === 0) return;
  await db
    .insertInto("message_attachments")
    .values(a.fileIds.map((fileId, position) => ({ message_id: a.messageId, file_id: fileId, position })))
    .execute();
  await db.updateTable("files").set({ attached_at: a.now }).where("id", "in", a.fileIds).where("attached_at", "is", null).execute();
}

export interface AttachmentRow extends FileRow {
  message_id: number;
}

/** The attachments of `messageIds`, in each message's order. */
export function attachmentsOf(db: Db, messageIds: readonly number[]): Promise<AttachmentRow[]> {
  if (messageIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom("message_attachments as a")
    .innerJoin("files as f", "f.id", "a.file_id")
    .selectAll("f")
    .select("a.message_id")
    .where("a.message_id", "in", messageIds)
    .orderBy("a.message_id")
    .orderBy("a.position")
    .execute();
}

/**
 * Drops the references of `messageIds` and deletes the files nothing else
 * references; returns the deleted ids (their bytes go from storage after
 * the commit).
 */
export async function detachMessages(db: Db, messageIds: readonly number[]): Promise<string[]> {
  if (messageIds.length === 0) return [];
  const refs = await db.selectFrom("message_attachments").select("file_id").where("message_id", "in", messageIds).execute();
  if (refs.length === 0) return [];
  await db.deleteFrom("message_attachments").where("message_id", "in", messageIds).execute();
  const candidates = [...new Set(refs.map((r) => r.file_id))];
  const still = await db.selectFrom("message_attachments").select("file_id").distinct().where("file_id", "in", candidates).execute();
  const kept = new Set(still.map((r) => r.file_id));
  const gone = candidates.filter((id) => !kept.has(id));
  if (gone.length > 0) await db.deleteFrom("files").where("id", "in", gone).execute();
  return gone;
}

/** Every message of a room that references a file (a room delete detaches them all). */
export async function messagesWithFilesIn(db: Db, roomId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("message_attachments as a")
    .innerJoin("messages as m", "m.id", "a.message_id")
    .select("a.message_id")
    .distinct()
    .where("m.room_id", "=", roomId)
    .execute();
  return rows.map((r) => Number(r.message_id));
}

/** Uploads never attached and older than `before`: the orphan sweep's work, a batch at a time. */
export function staleUploads(db: Db, before: number, limit: number): Promise<FileRow[]> {
  return db.selectFrom("files").selectAll().where("attached_at", "is", null).where("created_at", "<", before).orderBy("created_at").limit(limit).execute();
}

/** Deletes `ids` if still unattached (an attach may have won the race); returns those deleted. */
export async function deleteUnattached(db: Db, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.deleteFrom("files").where("id", "in", ids).where("attached_at", "is", null).returning("id").execute();
  return rows.map((r) => r.id);
}

/** Every file the database knows, by id (the storage check). */
export async function allFileIds(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom("files").select(["id", "size"]).execute();
  return new Map(rows.map((r) => [r.id, Number(r.size)]));
}
