import Database from "better-sqlite3";

/**
 * Where each of `needles` occurs in a server's SQLite file: every message's
 * text, every kept revision and every event payload in the log (what replay,
 * search and exports read). Read-only, beside the running server (WAL).
 */
export function findInDatabase(file: string, needles: readonly string[]): { found: string[]; rows: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const texts = [
      ...db.prepare<[], { id: number; text: string }>("SELECT id, content AS text FROM messages").all().map((r) => [`messages ${r.id}`, r.text] as const),
      ...db
        .prepare<[], { id: number; text: string }>("SELECT message_id AS id, content AS text FROM message_revisions")
        .all()
        .map((r) => [`message_revisions of ${r.id}`, r.text] as const),
      ...db.prepare<[], { id: number; text: string }>("SELECT id, payload AS text FROM events").all().map((r) => [`events ${r.id}`, r.text] as const),
    ];
    const found: string[] = [];
    for (const [where, text] of texts) for (const n of needles) if (text.includes(n)) found.push(`${n} in ${where}`);
    return { found, rows: texts.length };
  } finally {
    db.close();
  }
}
