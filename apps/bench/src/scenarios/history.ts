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
  /** With --baseline: the older build on its own copy of the same history, its calls alternated with these. */
  before?: { coldStartMs: number; pageMs: HistoryResult["pageMs"]; firstPageMs: HistoryResult["firstPageMs"] };
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

/** A server holding a seeded history: the build under test, or the --baseline build on its own copy. */
export interface HistoryTarget {
  server: ChildServer;
  token: string;
  roomIds: number[];
}

type Timings = { pageMs: HistoryResult["pageMs"]; firstPageMs: HistoryResult["firstPageMs"] };

/**
 * `messages.list` over the WebSocket at random cursors, one request at a
 * time. With two targets (--baseline) both get the same rooms and cursors,
 * call for call, the one asked first alternating, so a change in the
 * machine's load falls on both alike.
 */
export async function queryHistory(
  targets: HistoryTarget[],
  opts: { minId: number; maxId: number; queries: number; pageSize: number },
): Promise<Timings[]> {
  const conns = targets.map((t) => new WireConn(t.server.wsUrl, t.token, () => {}));
  try {
    for (const conn of conns) await conn.opened();
    // The seeded messages were written behind the server's back, so it starts by indexing them for search, in
    // batches on the one write path (domain/search-tail.ts). Timed after that, as a server holding such a history
    // in steady state has long finished, and as the unread and search scenarios do. (A build without search
    // refuses the call: it has nothing to wait for.)
    const deadline = performance.now() + 600_000;
    for (const conn of conns) {
      const indexing = () =>
        conn.call("query", "messages.search", { query: "history", limit: 1 }).then(
          (r) => (r as { indexing: boolean }).indexing,
          () => false,
        );
      while (await indexing()) {
        if (performance.now() > deadline) throw new Error("the server was still indexing for search after 10 minutes");
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    const rooms = Math.min(...targets.map((t) => t.roomIds.length));
    const pages = targets.map(() => [] as number[]);
    const first = targets.map(() => [] as number[]);
    const time = async (k: number, input: { room: number; before?: number }, into: number[][]) => {
      const order = conns.map((_, i) => (i + k) % conns.length);
      for (const i of order) {
        const conn = conns[i];
        const roomId = targets[i]?.roomIds[input.room];
        if (!conn || roomId === undefined) throw new Error("no such target");
        const t = performance.now();
        const page = (await conn.call("query", "messages.list", { roomId, limit: opts.pageSize, ...(input.before === undefined ? {} : { before: input.before }) })) as { items: unknown[] };
        into[i]?.push(performance.now() - t);
        if (!Array.isArray(page.items)) throw new Error("messages.list returned no items");
      }
    };
    const room = () => Math.floor(Math.random() * rooms);
    const warm = targets.map(() => [] as number[]);
    for (let k = 0; k < 50; k++) await time(k, { room: room() }, warm);
    for (let k = 0; k < opts.queries; k++) await time(k, { room: room(), before: opts.minId + Math.floor(Math.random() * (opts.maxId - opts.minId)) }, pages);
    for (let k = 0; k < Math.min(500, opts.queries); k++) await time(k, { room: room() }, first);
    return targets.map((_, i) => ({ pageMs: q(pages[i] ?? []), firstPageMs: q(first[i] ?? []) }));
  } finally {
    for (const conn of conns) conn.close();
  }
}
