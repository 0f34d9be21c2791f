import { fork } from "node:child_process";
import { statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { listRoomsJson, openSqlite } from "@parley/db";
import SQLite from "better-sqlite3";
import { benchDir, type ChildServer, startParley } from "../proc.ts";
import { login, rpc } from "../setup.ts";
import type { Progress } from "../progress.ts";
import { exactQuantile } from "../stats.ts";
import { WireConn } from "../wire.ts";

export interface UnreadParams {
  /** Rooms the reader is in. */
  rooms: number;
  messages: number;
  /** Unread messages left in each room after seeding. */
  unreadPerRoom: number;
  /** One message in this many mentions the reader. */
  mentionEvery: number;
  lists: number;
}

type Quantiles = { p50: number; p99: number; max: number };

export interface UnreadResult {
  rooms: number;
  messages: number;
  seedMs: number;
  dbSizeMb: number;
  /** `rooms.list` of all the reader's rooms (one page of 500), over the WebSocket. */
  listMs: Quantiles;
  /**
   * With --baseline: the older build's `rooms.list` on the same database, its calls alternated one for one
   * with this build's (each server on its own socket), so load that comes and goes hits both alike; and
   * this build's figures from those same alternated calls.
   */
  alternated?: { before: Quantiles; after: Quantiles };
  /** The query `rooms.list` runs on SQLite (the rooms page with the read state, as JSON text: db queries/rooms-json.ts), in this process: the database's share, without the socket and the server's event loop. */
  listQueriesMs: Quantiles;
  /** The load average (1 min) as the figures were taken: the machine may be shared. */
  loadAvg: number;
  /** Start-up to `indexing: false`: the first server indexing the seeded messages for search; the figures come from a second server started after it. */
  indexingMs: number;
  /** `rooms.markRead` moving the marker forward by one message. */
  markReadMs: Quantiles;
  /** `rooms.markRead` where the marker already is. */
  markReadUnchangedMs: Quantiles;
  /** Event rows the unchanged calls wrote (must be 0). */
  unchangedWrites: number;
  /** What the list said for the first room, checked against the seed. */
  firstRoom: { unreadCount: number; mentionCount: number };
}

const q = (xs: number[]): Quantiles => {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(exactQuantile(s, 0.5)), p99: r(exactQuantile(s, 0.99)), max: r(s[s.length - 1] ?? Number.NaN) };
};

/**
 * Seeds straight into the SQLite file the server migrated: `rooms` rooms
 * with the reader and the sender in each, `messages` text messages round
 * robin (every `mentionEvery`-th mentioning the reader, with its mention
 * row), the rooms' timeline counters, the members' mention counters, and the reader's markers
 * `unreadPerRoom` messages before each room's end. Returns, per room, the id
 * of the first unread message (where markRead goes next).
 */
export function seedUnread(file: string, o: UnreadParams & { readerId: number; senderId: number }, progress: Progress) {
  const t0 = performance.now();
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const now = Date.now();
  const roomIds: number[] = [];
  db.transaction(() => {
    const insRoom = db.prepare("insert into rooms (name, description, is_private, created_by, created_at, deleted_at, member_count) values (?, '', 0, ?, ?, null, 2)");
    const insMember = db.prepare("insert into room_members (room_id, user_id, is_admin, joined_at) values (?, ?, 0, ?)");
    for (let i = 0; i < o.rooms; i++) {
      const id = Number(insRoom.run(`unread-${i}`, o.senderId, now).lastInsertRowid);
      roomIds.push(id);
      insMember.run(id, o.readerId, now);
      insMember.run(id, o.senderId, now);
    }
  })();
  const insMsg = db.prepare("insert into messages (room_id, sender_id, kind, content, client_id, created_at, edited_at, mentions) values (?, ?, 'text', ?, ?, ?, null, ?)");
  const insMention = db.prepare("insert into mentions (user_id, room_id, message_id) values (?, ?, ?)");
  const mentions = JSON.stringify({ userIds: [o.readerId], room: false, here: false });
  const ids: number[][] = roomIds.map(() => []);
  const batch = 50_000;
  const run = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const r = i % roomIds.length;
      const roomId = roomIds[r] ?? 0;
      // Every `mentionEvery`-th message of each room (messages go round robin, so count per room).
      const mention = Math.floor(i / roomIds.length) % o.mentionEvery === 0;
      const content = mention ? `@reader message ${i}: the quick brown fox` : `message ${i}: the quick brown fox jumps over the lazy dog`;
      const id = Number(insMsg.run(roomId, o.senderId, content, `u-${i}`, now - (o.messages - i) * 10, mention ? mentions : null).lastInsertRowid);
      if (mention) insMention.run(o.readerId, roomId, id);
      ids[r]?.push(id);
    }
  });
  for (let from = 0; from < o.messages; from += batch) {
    run(from, Math.min(o.messages, from + batch));
    if ((from + batch) % 200_000 === 0) progress.note(`unread: seeded ${from + batch} messages`);
  }
  const next: number[] = [];
  db.transaction(() => {
    const setCount = db.prepare("update rooms set timeline_count = ? where id = ?");
    const setMarker = db.prepare("update room_members set last_read_id = ?, read_count = ? where room_id = ? and user_id = ?");
    // The mention counter (migration 0028) as the write path keeps it: the member's mention rows after the marker.
    const countMentions = db.prepare(
      "update room_members set mention_unread = (select count(*) from mentions mn where mn.user_id in (room_members.user_id, 0) and mn.room_id = room_members.room_id and mn.message_id > room_members.last_read_id) where room_id = ?",
    );
    roomIds.forEach((roomId, r) => {
      const list = ids[r] ?? [];
      const read = Math.max(0, list.length - o.unreadPerRoom);
      setCount.run(list.length, roomId);
      setMarker.run(list[read - 1] ?? 0, read, roomId, o.readerId);
      setMarker.run(list[list.length - 1] ?? 0, list.length, roomId, o.senderId);
      countMentions.run(roomId);
      next.push(list[read] ?? 0);
    });
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return { roomIds, next, seedMs: performance.now() - t0 };
}

const eventCount = (file: string) => {
  const db = new SQLite(file, { readonly: true });
  try {
    return Number((db.prepare("select count(*) as n from events").get() as { n: number }).n);
  } finally {
    db.close();
  }
};

/**
 * Waits until the server has indexed for search what the seed wrote: the seed wrote a million messages
 * behind its back, so it starts by indexing them (SQLite, domain/search-tail.ts), in batches of the write
 * path on the event loop, for half a minute. A server holding that database in steady state has done so long
 * ago; timing rooms.list meanwhile measured the indexer (most of the server's CPU in a profile), not the list.
 * Waited out as the search scenario does. Returns how long it took.
 */
export async function indexingDone(conn: WireConn): Promise<number> {
  const t0 = performance.now();
  while (((await conn.call("query", "messages.search", { query: "fox", limit: 1 })) as { indexing: boolean }).indexing) {
    if (performance.now() - t0 > 600_000) throw new Error("the server was still indexing for search after 10 minutes");
    await new Promise((r) => setTimeout(r, 250));
  }
  return performance.now() - t0;
}

/** `rooms.list` of 500 rooms over two servers' sockets in turn, one call at a time: the older build's and this one's. */
export async function alternatedLists(before: WireConn, after: WireConn, lists: number): Promise<{ before: Quantiles; after: Quantiles }> {
  const time = async (conn: WireConn) => {
    const t = performance.now();
    const out = (await conn.call("query", "rooms.list", { limit: 500 })) as unknown[];
    if (out.length !== 500) throw new Error(`rooms.list returned ${out.length} rooms`);
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) {
    await time(before);
    await time(after);
  }
  const b: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < lists; i++) {
    // Which goes first alternates too, so neither always follows the other's reply.
    if (i % 2 === 0) {
      b.push(await time(before));
      a.push(await time(after));
    } else {
      a.push(await time(after));
      b.push(await time(before));
    }
  }
  return { before: q(b), after: q(a) };
}

/** Start-up to the end of the search indexing pass, on its own socket. */
async function waitForIndex(server: ChildServer, token: string): Promise<number> {
  const conn = new WireConn(server.wsUrl, token, () => {});
  try {
    await conn.opened();
    return await indexingDone(conn);
  } finally {
    conn.close();
  }
}

/** `rooms.list` and `rooms.markRead` over one WebSocket, one call at a time. */
export async function measureUnread(
  wsUrl: string,
  file: string,
  token: string,
  seed: { roomIds: number[]; next: number[] },
  lists: number,
): Promise<Pick<UnreadResult, "indexingMs" | "listMs" | "markReadMs" | "markReadUnchangedMs" | "unchangedWrites" | "firstRoom">> {
  const conn = new WireConn(wsUrl, token, () => {});
  await conn.opened();
  const indexingMs = await indexingDone(conn);
  const time = async (method: "query" | "mutation", path: string, input: unknown) => {
    const t = performance.now();
    const out = await conn.call(method, path, input);
    return { ms: performance.now() - t, out };
  };
  try {
    let first: { unreadCount: number; mentionCount: number } = { unreadCount: -1, mentionCount: -1 };
    for (let i = 0; i < 20; i++) await time("query", "rooms.list", { limit: 500 });
    const list: number[] = [];
    for (let i = 0; i < lists; i++) {
      const { ms, out } = await time("query", "rooms.list", { limit: 500 });
      list.push(ms);
      const items = out as { id: number; unreadCount: number; mentionCount: number }[];
      if (items.length !== seed.roomIds.length) throw new Error(`rooms.list returned ${items.length} rooms, not ${seed.roomIds.length}`);
      const f = items.find((x) => x.id === seed.roomIds[0]);
      if (f) first = { unreadCount: f.unreadCount, mentionCount: f.mentionCount };
    }
    const forward: number[] = [];
    const unchanged: number[] = [];
    for (const [i, roomId] of seed.roomIds.entries()) {
      forward.push((await time("mutation", "rooms.markRead", { roomId, messageId: seed.next[i] })).ms);
    }
    const before = eventCount(file);
    for (const [i, roomId] of seed.roomIds.entries()) {
      unchanged.push((await time("mutation", "rooms.markRead", { roomId, messageId: seed.next[i] })).ms);
    }
    const unchangedWrites = eventCount(file) - before;
    return { indexingMs, listMs: q(list), markReadMs: q(forward), markReadUnchangedMs: q(unchanged), unchangedWrites, firstRoom: first };
  } finally {
    conn.close();
  }
}

/** The one query behind `rooms.list` on SQLite (the rooms page with the read state, built as its JSON text), timed in this process over the seeded file (the server is not running). */
export async function measureListQueries(file: string, readerId: number, runs: number): Promise<Quantiles> {
  const handle = openSqlite({ filename: file });
  try {
    const ms: number[] = [];
    for (let i = 0; i < runs + 20; i++) {
      const t0 = performance.now();
      const text = await listRoomsJson(handle.db, readerId, { after: 0, limit: 500 });
      // The first 20 warm the page cache and the statement cache.
      if (i >= 20) ms.push(performance.now() - t0);
      if (text === "[]") throw new Error("no rooms listed");
    }
    return q(ms);
  } finally {
    // The checkpointer's worker and its stop timeout are unref'd: with nothing else running here, the process
    // would exit in the middle of close(). A ref'd timer keeps it alive until close is done.
    const alive = setInterval(() => {}, 1000);
    await handle.close().finally(() => clearInterval(alive));
  }
}

/** Issue 14's cost target: rooms.list for a user in 500 rooms of a 1M-message database, and markRead. */
export async function runUnread(quick: boolean, dir: string, progress: Progress, baseline?: string) {
  const params: UnreadParams = quick
    ? { rooms: 50, messages: 20_000, unreadPerRoom: 100, mentionEvery: 20, lists: 200 }
    : { rooms: 500, messages: 1_000_000, unreadPerRoom: 200, mentionEvery: 20, lists: 1000 };
  const file = join(dir, "unread.db");
  progress.note(`unread: a reader in ${params.rooms} rooms of ${params.messages} messages; ${params.lists} rooms.list, ${params.rooms} markRead`);
  let server = await startParley({ dbFile: file });
  const users: { id: number; token: string }[] = [];
  try {
    for (const name of ["reader", "unread-sender"]) {
      const a = await rpc<{ user: { id: number }; accessToken: string }>(server.httpUrl, "auth.register", {
        username: name,
        email: `${name}@bench.invalid`,
        password: "bench-password",
      });
      users.push({ id: a.user.id, token: a.accessToken });
    }
  } finally {
    await server.stop();
  }
  const [reader, sender] = users;
  if (!reader || !sender) throw new Error("no users");
  const seed = seedUnread(file, { ...params, readerId: reader.id, senderId: sender.id }, progress);
  const dbSizeMb = Math.round(statSync(file).size / 1048576);
  const listQueriesMs = await measureListQueries(file, reader.id, params.lists);
  progress.note(`unread: rooms.list's queries in-process p50 ${listQueriesMs.p50} ms, p99 ${listQueriesMs.p99} ms (load ${loadavg()[0]?.toFixed(2)})`);
  // The seed wrote a million messages behind the server's back, so the first server to open the file indexes
  // them for search (half a minute of batches). A server that has held the database all along indexed each
  // message as it came: the lists are timed on a server started after the index is built, as that one would
  // be, not on the one that has just done the pass; the pass's own time is reported as indexingMs.
  server = await startParley({ dbFile: file });
  let indexingMs: number;
  try {
    indexingMs = await waitForIndex(server, await login(server.httpUrl, "reader"));
  } finally {
    await server.stop();
  }
  server = await startParley({ dbFile: file });
  try {
    const token = await login(server.httpUrl, "reader");
    const m = { ...(await inFreshProcess({ kind: "measure", wsUrl: server.wsUrl, file, token, seed, lists: params.lists })), indexingMs };
    progress.note(`unread: rooms.list p99 ${m.listMs.p99} ms; markRead p99 ${m.markReadMs.p99} ms (unchanged ${m.markReadUnchangedMs.p99} ms)`);
    const alternated = baseline ? await againstBaseline(server, baseline, file, token, params.lists, progress) : undefined;
    return { params, rooms: params.rooms, messages: params.messages, seedMs: seed.seedMs, dbSizeMb, listQueriesMs, loadAvg: loadavg()[0] ?? 0, ...m, ...(alternated ? { alternated } : {}) };
  } finally {
    await server.stop();
  }
}


/** The older build on the same file (this build's server still running), its lists alternated with this build's. */
async function againstBaseline(server: ChildServer, serverJs: string, file: string, token: string, lists: number, progress: Progress) {
  // A build from before this database's newest migration will not open it (it exits): then there is nothing
  // to alternate with, and the rest of the bench (the other scenarios' baselines) still runs.
  const old = await startParley({ dbFile: file, serverJs }).catch((err: unknown) => {
    progress.note(`unread: the --baseline build did not start on this database, so no alternated lists (${err instanceof Error ? err.message.trim() : String(err)})`);
    return null;
  });
  if (!old) return undefined;
  try {
    const r = await inFreshProcess({ kind: "alternate", beforeUrl: old.wsUrl, afterUrl: server.wsUrl, token, lists });
    progress.note(`unread: alternated rooms.list, before p50 ${r.before.p50} ms, p99 ${r.before.p99} ms; after p50 ${r.after.p50} ms, p99 ${r.after.p99} ms (load ${loadavg()[0]?.toFixed(2)})`);
    return r;
  } finally {
    await old.stop();
  }
}

/** What unread-client.ts runs, and what it answers. */
export type ClientJob =
  | { kind: "measure"; wsUrl: string; file: string; token: string; seed: { roomIds: number[]; next: number[] }; lists: number }
  | { kind: "alternate"; beforeUrl: string; afterUrl: string; token: string; lists: number };
type ClientAnswer<J extends ClientJob> = J extends { kind: "measure" } ? Awaited<ReturnType<typeof measureUnread>> : Awaited<ReturnType<typeof alternatedLists>>;

/**
 * Times the calls from a fresh process, as a real client would be, not from this one: having seeded a million
 * messages, this process's heap is large, and its own mark-compacts (up to 15 ms, measured with a
 * PerformanceObserver) landed inside the timed calls and made most of the p99. Ingest and fan-out's load
 * generators are separate processes for the same reason.
 */
function inFreshProcess<J extends ClientJob>(job: J): Promise<ClientAnswer<J>> {
  const child = fork(join(benchDir, "src", "scenarios", "unread-client.ts"), [], {
    cwd: benchDir,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", (m: { ok: ClientAnswer<J> } | { error: string }) => ("ok" in m ? resolve(m.ok) : reject(new Error(`unread client: ${m.error}`))));
    child.once("exit", (code) => reject(new Error(`unread client exited with ${code} before answering`)));
    child.send(job);
  });
}
