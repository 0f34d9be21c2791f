import SQLite from "better-sqlite3";
import type { ChildServer } from "../proc.ts";
import type { Progress } from "../progress.ts";
import { exactQuantile } from "../stats.ts";
import { WireConn } from "../wire.ts";

export interface HistoryParams {
  messages: number;
  rooms: number;
  queries: number;
  pageSize: number;
}

export interface HistoryResult {
  messages: number;
  rooms: number;
  seedMs: number;
  dbSizeMb: number;
  coldStartMs: number;
  queries: number;
  pageMs: { p50: number; p99: number; max: number };
  firstPageMs: { p50: number; p99: number; max: number };
}

/**
 * Writes `messages` text messages round-robin into the given rooms, straight
 * into the SQLite file in large transactions: a `messages` row and its
 * `message.created` event row (the payload the api would have written).
 */
export function seedHistory(
  file: string,
  opts: { roomIds: number[]; senderId: number; senderName: string; messages: number },
  progress: Progress,
): number {
  const t0 = performance.now();
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const insMsg = db.prepare(
    "insert into messages (room_id, sender_id, kind, content, client_id, created_at, edited_at) values (?, ?, 'text', ?, ?, ?, null)",
  );
  const insEvent = db.prepare(
    "insert into events (type, scope, room_id, user_id, payload, created_at) values ('message.created', 'room', ?, null, ?, ?)",
  );
  const batch = 50_000;
  const start = Date.now() - opts.messages * 10;
  const run = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const roomId = opts.roomIds[i % opts.roomIds.length] ?? 0;
      const content = `history message ${i}: the quick brown fox jumps over the lazy dog`;
      const clientId = `seed-${i}`;
      const createdAt = start + i * 10;
      const id = Number(insMsg.run(roomId, opts.senderId, content, clientId, createdAt).lastInsertRowid);
      const message = {
        id,
        roomId,
        kind: "text",
        content,
        sender: { id: opts.senderId, username: opts.senderName },
        clientId,
        createdAt,
        editedAt: null,
      };
      insEvent.run(roomId, JSON.stringify({ type: "message.created", roomId, message }), createdAt);
    }
  });
  for (let from = 0; from < opts.messages; from += batch) {
    run(from, Math.min(opts.messages, from + batch));
    if ((from + batch) % 200_000 === 0) progress.note(`seeded ${from + batch} messages`);
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return performance.now() - t0;
}

const q = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(exactQuantile(s, 0.5)), p99: r(exactQuantile(s, 0.99)), max: r(s[s.length - 1] ?? Number.NaN) };
};

/** `messages.list` over the WebSocket at random cursors, one request at a time. */
export async function queryHistory(
  server: ChildServer,
  token: string,
  opts: { roomIds: number[]; minId: number; maxId: number; queries: number; pageSize: number },
): Promise<{ pageMs: HistoryResult["pageMs"]; firstPageMs: HistoryResult["firstPageMs"] }> {
  const conn = new WireConn(server.wsUrl, token, () => {});
  await conn.opened();
  // The seeded messages were written behind the server's back, so it starts by indexing them for search, in
  // batches on the one write path (domain/search-tail.ts). Timed after that, as a server holding such a history
  // in steady state has long finished, and as the unread and search scenarios do.
  const deadline = performance.now() + 600_000;
  while (((await conn.call("query", "messages.search", { query: "history", limit: 1 })) as { indexing: boolean }).indexing) {
    if (performance.now() > deadline) throw new Error("the server was still indexing for search after 10 minutes");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
  const time = async (input: unknown) => {
    const t = performance.now();
    const page = (await conn.call("query", "messages.list", input)) as { items: unknown[] };
    const ms = performance.now() - t;
    if (!Array.isArray(page.items)) throw new Error("messages.list returned no items");
    return ms;
  };
  try {
    for (let i = 0; i < 50; i++) await time({ roomId: pick(opts.roomIds), limit: opts.pageSize });
    const pages: number[] = [];
    for (let i = 0; i < opts.queries; i++) {
      const before = opts.minId + Math.floor(Math.random() * (opts.maxId - opts.minId));
      pages.push(await time({ roomId: pick(opts.roomIds), before, limit: opts.pageSize }));
    }
    const first: number[] = [];
    for (let i = 0; i < Math.min(500, opts.queries); i++) first.push(await time({ roomId: pick(opts.roomIds), limit: opts.pageSize }));
    return { pageMs: q(pages), firstPageMs: q(first) };
  } finally {
    conn.close();
  }
}
