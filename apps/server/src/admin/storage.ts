import { existsSync } from "node:fs";
import type { ServerConfig } from "../config.ts";

/**
 * Where uploaded files live, for backup, restore, export and doctor (issue
 * 18). The hook for file uploads (issue 16): `UPLOADS_DIR`, else
 * `uploads/` beside the SQLite database; null when there is no such
 * directory (nothing to copy). Change this one function if uploads move.
 */
export function uploadsDirectory(config: ServerConfig): string | null {
  // The files backend's directory (issue 16: `UPLOADS_DIR`, default `uploads/` beside the database).
  return existsSync(config.files.uploadsDir) ? config.files.uploadsDir : null;
}

/** A backup's uploaded files are kept beside it: `<file>.uploads/`. */
export const backupUploads = (file: string) => `${file}.uploads`;
