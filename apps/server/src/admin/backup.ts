import { cpSync, existsSync, renameSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import type { ServerConfig } from "../config.ts";
import { backupUploads, uploadsDirectory } from "./storage.ts";

export class AdminError extends Error {}

function sqliteFile(config: ServerConfig): string {
  if (config.database.kind !== "sqlite") {
    throw new AdminError("backup and restore are for SQLite; on PostgreSQL use pg_dump and point-in-time recovery (docs/DEPLOYING.md)");
  }
  if (config.database.filename === ":memory:") throw new AdminError("DATABASE_URL is an in-memory database: nothing to back up");
  return config.database.filename;
}

/** `PRAGMA integrity_check` on a database file: "ok", or the problems SQLite found. */
export function integrityOf(file: string): string[] {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}

/**
 * A consistent copy of the live database while the server keeps serving:
 * SQLite's online backup API (better-sqlite3 `backup`), asked to copy every
 * page in one step. One step reads one snapshot under a read transaction, so
 * the copy is the database as of one instant (every commit before it, none
 * after), and writers elsewhere cannot make it restart (in WAL mode readers
 * and writers do not block each other). The copy is checked
 * (`integrity_check`) before it replaces `<file>`. Then the uploads
 * directory, if there is one, is copied to `<file>.uploads/`: after the
 * snapshot, so every file the backup's rows name is there, as long as a file
 * is stored before the row that names it (the uploads hook: storage.ts).
 */
export async function backup(config: ServerConfig, file: string): Promise<{ pages: number; uploads: boolean }> {
  const source = sqliteFile(config);
  const out = resolve(file);
  if (!existsSync(dirname(out))) throw new AdminError(`directory ${dirname(out)} does not exist`);
  if (out === source) throw new AdminError("the backup cannot be the database itself");
  const tmp = `${out}.partial`;
  rmSync(tmp, { force: true });
  const db = new SQLite(source, { fileMustExist: true });
  let pages = 0;
  try {
    db.pragma("busy_timeout = 10000");
    const r = await db.backup(tmp, { progress: () => 0x7fffffff });
    pages = r.totalPages;
  } finally {
    db.close();
  }
  const problems = integrityOf(tmp).filter((p) => p !== "ok");
  if (problems.length > 0) {
    rmSync(tmp, { force: true });
    throw new AdminError(`the copy failed its integrity check: ${problems.join("; ")}`);
  }
  // The copy is self-contained: no -wal or -shm beside it.
  const copy = new SQLite(tmp);
  copy.pragma("journal_mode = DELETE");
  copy.close();
  renameSync(tmp, out);
  const uploads = uploadsDirectory(config);
  const target = backupUploads(out);
  rmSync(target, { recursive: true, force: true });
  if (uploads && existsSync(uploads)) cpSync(uploads, target, { recursive: true });
  return { pages, uploads: uploads !== null && existsSync(uploads) };
}

/**
 * Puts a backup in place of the database (the server must be stopped): the
 * backup is checked first, then copied beside the database and renamed over
 * it, its -wal and -shm removed, and the uploads directory replaced by the
 * backup's. The server migrates it on start if the backup is older.
 */
export function restore(config: ServerConfig, file: string): { uploads: boolean } {
  const target = sqliteFile(config);
  const from = resolve(file);
  if (!existsSync(from)) throw new AdminError(`${from} does not exist`);
  const problems = integrityOf(from).filter((p) => p !== "ok");
  if (problems.length > 0) throw new AdminError(`${from} failed its integrity check: ${problems.join("; ")}`);
  const tmp = `${target}.restoring`;
  cpSync(from, tmp);
  for (const suffix of ["-wal", "-shm"]) rmSync(`${target}${suffix}`, { force: true });
  renameSync(tmp, target);
  const saved = backupUploads(from);
  const uploads = config.files.uploadsDir;
  if (!existsSync(saved)) return { uploads: false };
  rmSync(uploads, { recursive: true, force: true });
  cpSync(saved, uploads, { recursive: true });
  return { uploads: true };
}
