import {
  attachFiles,
  attachmentsOf,
  type Database,
  deleteUnattached,
  detachMessages,
  fileReadableBy,
  type FileRow,
  insertFile,
  type Kysely,
  ownFiles,
  staleUploads,
  uploadedBytes,
} from "@parley/db";
import { notFound } from "../errors.ts";
import type { Services } from "../services.ts";
import { type Attachment, toAttachment } from "../shapes.ts";
import type { Writer } from "./writer.ts";

/**
 * Files (issue 16): the rules. Bytes live in a storage backend the app
 * wires (a directory or S3, apps/server/src/files/); rows and references
 * live in the database and change only through the write path. Bytes are
 * written before their row (an upload) and deleted after their row (a
 * delete), so a crash in between leaves bytes nobody points to — never a
 * row pointing to nothing — and the check command reports them.
 */

/** Deletes stored bytes; the app wires its storage backend in. Never rejects: the app logs what it could not delete. */
export interface FileBlobs {
  remove(ids: readonly string[]): Promise<void>;
}

export const noFileBlobs: FileBlobs = { remove: async () => {} };

/** The per-uploader byte quota was reached. */
export class UploadQuotaExceeded extends Error {
  readonly code = "QUOTA_EXCEEDED";
  constructor(readonly usedBytes: number) {
    super("Upload quota exceeded");
  }
}

export interface NewUpload {
  id: string;
  name: string;
  size: number;
  contentType: string;
  width: number | null;
  height: number | null;
}

/**
 * Records a stored upload, if the uploader's files and this one fit in
 * `quotaBytes` (null: no quota). Checked in the write transaction, so
 * concurrent uploads cannot overshoot together.
 */
export function recordUpload(writes: Writer, uploaderId: number, upload: NewUpload, quotaBytes: number | null): Promise<FileRow> {
  return writes.run(async (tx, now) => {
    if (quotaBytes !== null) {
      const used = await uploadedBytes(tx.db, uploaderId);
      if (used + upload.size > quotaBytes) throw new UploadQuotaExceeded(used);
    }
    const row: FileRow = {
      id: upload.id,
      uploader_id: uploaderId,
      name: upload.name,
      size: upload.size,
      content_type: upload.contentType,
      width: upload.width,
      height: upload.height,
      created_at: now,
      attached_at: null,
    };
    await insertFile(tx.db, row);
    return { result: row, events: [] };
  });
}

/** Bytes the uploader holds now (a quick refusal before reading a body that cannot fit). */
export const bytesUsed = (db: Kysely<Database>, uploaderId: number) => uploadedBytes(db, uploaderId);

/** The file if `userId` may download it; undefined for a missing file and a forbidden one alike. */
export const readableFile = (db: Kysely<Database>, userId: number, fileId: string) => fileReadableBy(db, fileId, userId);

/**
 * The sender's own uploads among `ids`, in the given order; NOT_FOUND if any
 * is missing or someone else's (the same answer: ids are not to be probed).
 * Read before the message is written (writer.ts: no throw after a write).
 */
export async function filesToAttach(db: Kysely<Database>, senderId: number, ids: readonly string[]): Promise<FileRow[]> {
  const rows = await ownFiles(db, senderId, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) throw notFound("File");
    return row;
  });
}

export async function attach(db: Kysely<Database>, messageId: number, files: readonly FileRow[], now: number): Promise<Attachment[]> {
  await attachFiles(db, { messageId, fileIds: files.map((f) => f.id), now });
  return files.map(toAttachment);
}

/** Attachments per message, for presenting a page of messages. */
export async function attachmentsByMessage(db: Kysely<Database>, messageIds: readonly number[]): Promise<Map<number, Attachment[]>> {
  const byMessage = new Map<number, Attachment[]>();
  for (const row of await attachmentsOf(db, messageIds)) {
    const list = byMessage.get(Number(row.message_id)) ?? [];
    list.push(toAttachment(row));
    byMessage.set(Number(row.message_id), list);
  }
  return byMessage;
}

/** Drops these messages' references (in the write transaction); returns the files now referenced by nothing, deleted. */
export const releaseFiles = (db: Kysely<Database>, messageIds: readonly number[]) => detachMessages(db, messageIds);

/** After the commit: their bytes go. A failure leaves bytes the check command reports, never a dangling row. */
export async function removeBlobs(svc: Services, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await svc.fileBlobs.remove(ids);
}

export const ORPHAN_AGE_MS = 24 * 3600 * 1000;

/**
 * Deletes uploads never attached and older than `maxAgeMs` at `now` (the
 * caller's clock: tests pass their own), a batch per write, rows first then
 * bytes. Returns how many went.
 */
export async function sweepOrphans(svc: Services, now: number, maxAgeMs = ORPHAN_AGE_MS): Promise<number> {
  let total = 0;
  for (;;) {
    const stale = await staleUploads(svc.db, now - maxAgeMs, 200);
    if (stale.length === 0) return total;
    const gone = await svc.writes.run(async (tx) => ({ result: await deleteUnattached(tx.db, stale.map((f) => f.id)), events: [] }));
    await removeBlobs(svc, gone);
    total += gone.length;
    // Everything stale was attached meanwhile: nothing more this round.
    if (gone.length === 0) return total;
  }
}
