import { join } from "node:path";
import SQLite from "better-sqlite3";
import { startParley } from "../proc.ts";
import type { Progress } from "../progress.ts";
import { createUsersInRooms, rpc } from "../setup.ts";
import { exactQuantile } from "../stats.ts";
import { WireConn } from "../wire.ts";
import { type IngestParams, type IngestResult, runIngest } from "./ingest.ts";

export interface SearchParams {
  messages: number;
  rooms: number;
  senders: number;
  /** Queries per kind. */
  queries: number;
  ingest: IngestParams;
}

type Quantiles = { p50: number; p99: number; max: number };

export interface SearchResult {
  messages: number;
  rooms: number;
  seedMs: number;
  /** Spawn to accepting requests, with every message still to index: start-up does not wait for the index. */
  coldStartMs: number;
  /** Start-up to `indexing: false`: the background indexing of every message. */
  backfillMs: number;
  /** Per query kind: latency of one `messages.search` over the WebSocket, one at a time. */
  kinds: Record<string, Quantiles & { avgHits: number }>;
  /** The same closed-loop ingest with the search index maintained and without (see `ingestOn`). */
  ingestWithIndex: IngestResult;
  ingestWithoutIndex: IngestResult;
}

/** A vocabulary with a Zipf-like spread: a few words in many messages, most in few. */
const VOCABULARY = Array.from({ length: 5000 }, (_, i) => {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  let s = "";
  let n = i + 7;
  while (s.length < 4 || n > 0) {
    s += letters[n % 26];
    n = Math.floor(n / 26);
  }
  return s;
});
const zipf = (r: number) => VOCABULARY[Math.min(VOCABULARY.length - 1, Math.floor(VOCABULARY.length ** r) - 1)] ?? "x";

/**
 * Writes the messages straight into the file as a database from before the
 * search index would have them: `search_backfill` says everything is still
 * to index by the backfill (and nothing by the tail, migration 0022), so the
 * server's background indexer does the work.
 */
function seed(file: string, opts: { roomIds: number[]; senderIds: number[]; messages: number }, progress: Progress): number {
  const t0 = performance.now();
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const ins = db.prepare("insert into messages (room_id, sender_id, kind, content, client_id, created_at, edited_at) values (?, ?, 'text', ?, null, ?, null)");
  const start = Date.now() - opts.messages * 1000;
  const run = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const words = 6 + (i % 7);
      let content = "";
      for (let w = 0; w < words; w++) content += (w ? " " : "") + zipf(Math.random());
      ins.run(opts.roomIds[i % opts.roomIds.length] ?? 0, opts.senderIds[i % opts.senderIds.length] ?? 0, content, start + i * 1000);
    }
  });
  for (let from = 0; from < opts.messages; from += 50_000) {
    run(from, Math.min(opts.messages, from + 50_000));
    if ((from + 50_000) % 250_000 === 0) progress.note(`search: seeded ${from + 50_000} messages`);
  }
  db.exec("update search_backfill set pending_upto = (select max(id) from messages), indexed_upto = (select max(id) from messages)");
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return performance.now() - t0;
}

const q = (xs: number[]): Quantiles => {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(exactQuantile(s, 0.5)), p99: r(exactQuantile(s, 0.99)), max: r(s[s.length - 1] ?? Number.NaN) };
};

export async function runSearch(params: SearchParams, dir: string, progress: Progress): Promise<SearchResult> {
  const file = join(dir, "search.db");
  progress.note(`search: ${params.messages} messages in ${params.rooms} rooms from ${params.senders} senders`);
  let server = await startParley({ dbFile: file });
  let token: string;
  const roomNames: string[] = [];
  const roomIds: number[] = [];
  const senders: { id: number; username: string }[] = [];
  try {
    const a = await rpc<{ accessToken: string }>(server.httpUrl, "auth.register", { username: "seeker", email: "seeker@bench.invalid", password: "bench-password" });
    token = a.accessToken;
    for (let i = 0; i < params.rooms; i++) {
      roomNames.push(`search-${i}`);
      roomIds.push((await rpc<{ id: number }>(server.httpUrl, "rooms.create", { name: `search-${i}` }, token)).id);
    }
    for (let i = 0; i < params.senders; i++) {
      const u = await rpc<{ user: { id: number; username: string } }>(server.httpUrl, "auth.register", { username: `author${i}`, email: `author${i}@bench.invalid`, password: "bench-password" });
      senders.push(u.user);
    }
  } finally {
    await server.stop();
  }
  const seedMs = seed(file, { roomIds, senderIds: senders.map((s) => s.id), messages: params.messages }, progress);
  server = await startParley({ dbFile: file });
  const coldStartMs = server.startMs;
  const conn = new WireConn(server.wsUrl, token, () => {});
  try {
    await conn.opened();
    const search = (query: string) => conn.call("query", "messages.search", { query, limit: 20 }) as Promise<{ items: unknown[]; indexing: boolean }>;
    const t0 = performance.now();
    progress.note(`search: cold start ${Math.round(coldStartMs)} ms; waiting for the background indexing`);
    while ((await search("zzzz")).indexing) await new Promise((r) => setTimeout(r, 250));
    const backfillMs = performance.now() - t0;
    progress.note(`search: indexed ${params.messages} messages in ${Math.round(backfillMs / 1000)} s`);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
    const word = () => zipf(Math.random());
    const kinds: Record<string, () => string> = {
      "1 word": () => `${word()} `,
      "2 words": () => `${word()} ${word()} `,
      "3 words": () => `${word()} ${word()} ${word()} `,
      "prefix (typing)": () => word().slice(0, 3),
      "from: + word": () => `from:${pick(senders).username} ${word()} `,
      "in: + word": () => `in:${pick(roomNames)} ${word()} `,
      "from: alone": () => `from:${pick(senders).username}`,
      "in: alone": () => `in:${pick(roomNames)}`,
    };
    const result: SearchResult["kinds"] = {};
    for (let i = 0; i < 30; i++) await search(word());
    for (const [kind, make] of Object.entries(kinds)) {
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < params.queries; i++) {
        const query = make();
        const t = performance.now();
        const r = await search(query);
        times.push(performance.now() - t);
        hits += r.items.length;
      }
      result[kind] = { ...q(times), avgHits: Math.round((hits / params.queries) * 10) / 10 };
      progress.note(`search: ${kind}: p50 ${result[kind].p50} ms, p99 ${result[kind].p99} ms`);
    }
    conn.close();
    await server.stop();
    const ingestWithIndex = await ingestOn(join(dir, "ingest-index.db"), params.ingest, false, progress);
    const ingestWithoutIndex = await ingestOn(join(dir, "ingest-noindex.db"), params.ingest, true, progress);
    return { messages: params.messages, rooms: params.rooms, seedMs, coldStartMs, backfillMs, kinds: result, ingestWithIndex, ingestWithoutIndex };
  } finally {
    conn.close();
    await server.stop();
  }
}

/**
 * The ingest scenario on a fresh file, with or without the search index
 * maintained. Without: the tail's mark (migration 0022) is put past any id
 * the run will reach, so the indexer finds nothing new; the run edits and
 * deletes nothing, so the triggers never fire.
 */
async function ingestOn(file: string, params: IngestParams, dropIndex: boolean, progress: Progress): Promise<IngestResult> {
  if (dropIndex) {
    const s = await startParley({ dbFile: file });
    await s.stop();
    const db = new SQLite(file);
    db.exec("update search_backfill set indexed_upto = 1000000000000");
    db.close();
  }
  progress.note(`search: ingest ${dropIndex ? "without" : "with"} the search index`);
  const server = await startParley({ dbFile: file });
  try {
    const us = await createUsersInRooms(server.httpUrl, { rooms: params.rooms, perRoom: params.senders / params.rooms, prefix: dropIndex ? "noidx" : "idx" });
    return await runIngest(server, us.map((x) => ({ token: x.token, roomId: x.roomId })), params, progress);
  } finally {
    await server.stop();
  }
}
