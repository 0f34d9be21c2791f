import { existsSync, statSync } from "node:fs";
import { makeEmojiTable } from "@parley/api";
import type { ServerConfig } from "../config.ts";
import { AdminError } from "./backup.ts";
import type { FileName } from "./format.ts";
import { importParley, requireEmpty, writeRecords } from "./import-parley.ts";
import { openDatabase } from "./open.ts";
import { slackToRecords } from "./slack.ts";
import { readZip } from "./zip.ts";

/** Where imported files go: the uploads directory (UPLOADS_DIR, or uploads/ beside the SQLite file). */
function uploadsTarget(config: ServerConfig): string {
  return config.files.uploadsDir;
}

/**
 * `parley-admin import <path>`: a directory written by `export`, or a Slack
 * export ZIP, into a fresh database (migrated first). Everything is read and
 * validated before the first row is written, in one transaction.
 */
export async function importPath(config: ServerConfig, path: string): Promise<Record<FileName, number>> {
  if (!existsSync(path)) throw new AdminError(`${path} does not exist`);
  const handle = await openDatabase(config, { migrated: true });
  try {
    await requireEmpty(handle.db);
    if (statSync(path).isDirectory()) return await importParley(handle, path, uploadsTarget(config));
    const files = await readZip(path, (name) => name.endsWith(".json"));
    if (!files.has("users.json") || !files.has("channels.json")) throw new AdminError(`${path} is not a Slack export (no users.json and channels.json)`);
    const emoji = makeEmojiTable();
    try {
      return await writeRecords(handle, await slackToRecords(files, (code) => emoji.resolve(code), Date.now()));
    } catch (err) {
      if (err instanceof AdminError) throw err;
      throw new AdminError(err instanceof Error ? err.message : String(err));
    }
  } finally {
    await handle.close();
  }
}
