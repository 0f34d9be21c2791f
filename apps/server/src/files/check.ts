import { allFileIds, type Database, type Kysely } from "@parley/db";
import type { FileStorage } from "./storage.ts";

export interface FilesReport {
  /** Rows whose bytes are not in storage: downloads of these fail. */
  missing: string[];
  /** Storage keys no row accounts for (an original or a thumbnail): space nobody can reach. */
  orphans: string[];
  /** Rows whose stored size differs from the database's. */
  wrongSize: string[];
}

const fileIdOf = (key: string) => key.split(".")[0] ?? key;

/**
 * Storage against the database, both ways (`parley-server files check`).
 * Bytes are stored before their row and deleted after it, so an upload or
 * delete under way can show up as an orphan for a moment; a missing file is
 * always a fault.
 */
export async function checkFiles(db: Kysely<Database>, storage: FileStorage): Promise<FilesReport> {
  const known = await allFileIds(db);
  const seen = new Set<string>();
  const orphans: string[] = [];
  const wrongSize: string[] = [];
  for await (const o of storage.list()) {
    const id = fileIdOf(o.key);
    const size = known.get(id);
    if (size === undefined) {
      orphans.push(o.key);
      continue;
    }
    if (o.key === id) {
      seen.add(id);
      if (o.size !== size) wrongSize.push(id);
    }
  }
  const missing = [...known.keys()].filter((id) => !seen.has(id));
  return { missing: missing.sort(), orphans: orphans.sort(), wrongSize: wrongSize.sort() };
}
