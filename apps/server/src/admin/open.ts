import { migrate, openPostgres, openSqlite, type ParleyDb } from "@parley/db";
import type { ServerConfig } from "../config.ts";

/** The configured database, for the admin commands (no bus, no services). `migrated`: brought up to date first. */
export async function openDatabase(config: ServerConfig, opts: { migrated: boolean }): Promise<ParleyDb> {
  const d = config.database;
  const handle = d.kind === "postgres" ? openPostgres({ url: d.url, poolSize: 2 }) : openSqlite({ filename: d.filename, synchronous: d.synchronous });
  if (opts.migrated) {
    try {
      await migrate(handle);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}
