import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { Progress } from "./progress.ts";
import { benchDir, buildServer, loadAvg, repoRoot, startParley, startRaw } from "./proc.ts";
import { chart, table } from "./report.ts";
import { type ConnectionsParams, type ConnectionsResult, runConnections } from "./scenarios/connections.ts";
import { type FanoutParams, type FanoutResult, runFanout } from "./scenarios/fanout.ts";
import { type FilesParams, type FilesResult, runFiles } from "./scenarios/files.ts";
import { type HistoryParams, type HistoryResult, queryHistory, seedHistory } from "./scenarios/history.ts";
import { type IngestParams, type IngestResult, rawInsertRate, runIngest } from "./scenarios/ingest.ts";
import { type MixedParams, type MixedResult, runMixed } from "./scenarios/mixed.ts";
import { prepareWeb, runWeb, seedRoom, type WebParams, type WebResult } from "./scenarios/web.ts";
import { runUnread, type UnreadParams, type UnreadResult } from "./scenarios/unread.ts";
import { runSearch, type SearchParams, type SearchResult } from "./scenarios/search.ts";
import { createUsersInRooms, login, rpc } from "./setup.ts";

export interface BenchOptions {
  quick: boolean;
  only?: string[] | undefined;
  quiet?: boolean;
  /** Write the JSON (and SVG) files. */
  write?: boolean;
  /** Fan-out rates to step through instead of the defaults. */
  rates?: number[] | undefined;
  /** Skip the raw reference (for quick before/after comparisons while tuning). */
  skipRaw?: boolean;
  /** Build apps/server first (default true). */
  build?: boolean;
  /** A server bundle of an older commit to measure too (fan-out, connections, ingest, unread), for before/after figures. */
  baseline?: string | undefined;
  /** The built web app (dist folder) of an older commit to measure too in the web scenario. */
  webBaseline?: string | undefined;
}

export interface BenchResults {
  ok: boolean;
  quick: boolean;
  problems: string[];
  machine: { cpu: string; cores: number; memGb: number; node: string; loadStart: number; loadEnd: number };
  startedAt: string;
  finishedAt: string;
  fanout?: { params: FanoutParams; parley: FanoutResult; raw: FanoutResult; before?: FanoutResult };
  connections?: { params: ConnectionsParams; parley: ConnectionsResult; raw: ConnectionsResult; before?: ConnectionsResult };
  /** The older build measured as "before", if any. */
  baseline?: string;
  history?: HistoryResult & { params: HistoryParams };
  /** `rounds`: with --baseline, alternated runs of the older build and this one. */
  ingest?: { params: IngestParams; parley: IngestResult; raw: { perTransaction: number; batchedBy100: number }; rounds?: IngestRound[] };
  mixed?: MixedResult & { params: MixedParams };
  /** The web app in Chromium with a long room loaded; `before` from `--web-dist` (an older build), if given. */
  web?: { params: WebParams; after: WebResult; before?: WebResult };
  unread?: UnreadResult & { params: UnreadParams };
  search?: SearchResult & { params: SearchParams };
  files?: FilesResult & { params: FilesParams };
}

export const SCENARIOS = ["fanout", "connections", "history", "ingest", "mixed", "web", "unread", "search", "files"] as const;

export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const progress = new Progress(opts.quiet);
  const want = (s: string) => !opts.only || opts.only.includes(s);
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-"));
  const cpu = cpus();
  const r: BenchResults = {
    ok: true,
    quick: opts.quick,
    problems: [],
    machine: {
      cpu: cpu[0]?.model.trim() ?? "unknown",
      cores: cpu.length,
      memGb: Math.round(totalmem() / 2 ** 30),
      node: process.versions.node,
      loadStart: loadAvg(),
      loadEnd: 0,
    },
    startedAt: new Date().toISOString(),
    finishedAt: "",
  };
  try {
    if (opts.build !== false) {
      progress.note("building apps/server (production bundle)");
      buildServer();
    }
    if (want("fanout")) r.fanout = await fanout(opts, dir, progress);
    if (want("connections")) r.connections = await connections(opts, dir, progress);
    if (opts.baseline) r.baseline = opts.baseline;
    if (want("history")) r.history = await history(opts.quick, dir, progress, opts.baseline);
    if (want("ingest")) r.ingest = await ingest(opts, dir, progress);
    if (want("mixed")) r.mixed = await mixed(opts.quick, dir, progress);
    if (opts.only?.includes("web")) r.web = await web(opts, dir, progress);
    if (want("unread")) r.unread = await runUnread(opts.quick, dir, progress, opts.baseline);
    if (want("search")) r.search = await search(opts.quick, dir, progress);
    if (want("files")) r.files = await files(opts.quick, dir, progress);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  r.machine.loadEnd = loadAvg();
  r.finishedAt = new Date().toISOString();
  r.problems = problems(r);
  r.ok = r.problems.length === 0;
  console.log(table(r));
  if (opts.write !== false) {
    const resultsDir = join(benchDir, "results");
    mkdirSync(resultsDir, { recursive: true });
    const json = join(resultsDir, opts.quick ? "quick.json" : "latest.json");
    writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
    const svg = await chart(r);
    let svgPath: string | null = null;
    if (svg) {
      // The quick chart only proves the rendering works: it goes to the temp dir, not the repo.
      svgPath = opts.quick ? join(tmpdir(), "parley-bench-quick.svg") : join(repoRoot, "docs", "bench", "latest.svg");
      mkdirSync(join(svgPath, ".."), { recursive: true });
      writeFileSync(svgPath, svg);
    }
    console.log(`\nwrote ${json}${svgPath ? ` and ${svgPath}` : ""}`);
  }
  return r;
}

/** What must hold in every run, quick or full: nothing lost, duplicated or reordered; every connection held. */
function problems(r: BenchResults): string[] {
  const out: string[] = [];
  const f = r.fanout;
  if (f) {
    for (const x of [f.parley, f.raw]) {
      if (x.lost || x.duplicated || x.outOfOrder) {
        out.push(`fan-out ${x.target}: lost ${x.lost}, duplicated ${x.duplicated}, out of order ${x.outOfOrder}`);
      }
      const closed = Object.entries(x.closed);
      if (closed.length) out.push(`fan-out ${x.target}: sockets closed during the run: ${JSON.stringify(x.closed)}`);
      const errors = x.steps.reduce((n, s) => n + s.errors, 0);
      if (errors) out.push(`fan-out ${x.target}: ${errors} sends failed (${x.steps.find((s) => s.firstError)?.firstError})`);
    }
    const rc = f.parley.realClient;
    if (rc && (rc.received !== rc.expected || rc.outOfOrder || rc.errors.length)) {
      out.push(`@trpc/client client: received ${rc.received} of ${rc.expected}, out of order ${rc.outOfOrder}, errors ${rc.errors.join("; ")}`);
    }
    const lc = f.parley.libClient;
    if (lc && (lc.received !== lc.expected || lc.outOfOrder)) {
      out.push(`@parley/client client: received ${lc.received} of ${lc.expected}, out of order ${lc.outOfOrder}, errors ${lc.errors.join("; ")}`);
    }
  }
  const c = r.connections;
  if (c) for (const x of [c.parley, c.raw]) if (x.failed) out.push(`connections ${x.target}: ${x.failed} failed (${x.firstError})`);
  if (r.ingest?.parley.errors) out.push(`ingest: ${r.ingest.parley.errors} sends failed (${r.ingest.parley.firstError})`);
  const w = r.web?.after;
  if (w && !r.quick) {
    if (w.appearMs.p95 > 50) out.push(`web: an incoming message appears in ${w.appearMs.p95} ms p95 (target ≤ 50)`);
    if (w.scriptMs.p95 > 16) out.push(`web: an incoming message costs ${w.scriptMs.p95} ms of script p95 (target ≤ 16)`);
    if (w.olderPageLongestTaskMs.max > 16) out.push(`web: an older page blocked for ${w.olderPageLongestTaskMs.max} ms (target ≤ 16)`);
    if (w.switchMs.p95 > 100) out.push(`web: switching rooms takes ${w.switchMs.p95} ms p95 (target ≤ 100)`);
    if (w.heapMb > 40) out.push(`web: JS heap ${w.heapMb} MB (target ≤ 40)`);
  }
  const m = r.mixed;
  if (m) {
    for (const [kind, x] of Object.entries(m.kinds)) {
      if (x.errors) out.push(`mixed ${kind}: ${x.errors} failed (${x.firstError})`);
      if (x.late) out.push(`mixed ${kind}: ${x.late} deliveries missing when the wait ended`);
    }
    if (m.lost || m.duplicated || m.outOfOrder) out.push(`mixed: lost ${m.lost}, duplicated ${m.duplicated}, out of order ${m.outOfOrder}`);
    if (Object.keys(m.closed).length) out.push(`mixed: sockets closed during the run: ${JSON.stringify(m.closed)}`);
  }
  const u = r.unread;
  if (u) {
    if (u.unchangedWrites !== 0) out.push(`unread: markRead with nothing to change wrote ${u.unchangedWrites} event rows`);
    const want = { unreadCount: u.params.unreadPerRoom, mentionCount: Math.round(u.params.unreadPerRoom / u.params.mentionEvery) };
    if (u.firstRoom.unreadCount !== want.unreadCount) out.push(`unread: first room listed ${u.firstRoom.unreadCount} unread, seeded ${want.unreadCount}`);
  }
  const fl = r.files;
  if (fl && fl.downloadedBytes !== fl.params.bytes) out.push(`files: downloaded ${fl.downloadedBytes} of ${fl.params.bytes} bytes`);
  // The streaming target scales with the upload: 32 MB for 100 MB.
  if (fl && fl.rssRiseMb > 32) out.push(`files: server RSS rose ${fl.rssRiseMb} MB during a ${fl.mb} MB upload (target ≤ 32 MB)`);
  return out;
}

async function fanout(opts: BenchOptions, dir: string, progress: Progress) {
  const params: FanoutParams = opts.quick
    ? { rooms: 2, perRoom: 50, rates: [100, 200], stepMs: 1000, workers: 2, drainMs: 5000 }
    : { rooms: 20, perRoom: 50, rates: [250, 500, 1000, 2000, 4000], stepMs: 8000, workers: 2, drainMs: 10_000 };
  if (opts.rates?.length) params.rates = opts.rates;
  progress.note(
    `fan-out: ${params.rooms * params.perRoom} connections in ${params.rooms} rooms of ${params.perRoom}; rates ${params.rates.join(", ")} msg/s, ${params.stepMs / 1000} s each, ${params.workers} load processes`,
  );
  const parley = await parleyFanout("parley", undefined, params, join(dir, "fanout.db"), progress);
  const before = opts.baseline ? await parleyFanout("before", opts.baseline, params, join(dir, "fanout-before.db"), progress) : undefined;
  if (opts.skipRaw) return { params, parley, before, raw: { ...parley, target: "raw" as const, steps: [], saturationDeliveriesPerSec: 0 } };
  const raw = await startRaw();
  try {
    const conns = Array.from({ length: params.rooms * params.perRoom }, (_, i) => {
      const room = Math.floor(i / params.perRoom) + 1;
      return { token: `room:${room}:${i + 1}`, roomId: room };
    });
    return { params, parley, before, raw: await runFanout("raw", raw, conns, params, progress, null) };
  } finally {
    await raw.stop();
  }
}

async function parleyFanout(target: "parley" | "before", serverJs: string | undefined, params: FanoutParams, dbFile: string, progress: Progress) {
  const server = await startParley({ dbFile, serverJs });
  try {
    const users = await createUsersInRooms(server.httpUrl, {
      rooms: params.rooms,
      perRoom: params.perRoom,
      prefix: "fan",
      progress: (d, t) => progress.note(`registered ${d}/${t} users`),
    });
    const first = users[0];
    if (!first) throw new Error("no users");
    const realToken = await login(server.httpUrl, first.username);
    const conns = users.map((u) => ({ token: u.token, roomId: u.roomId }));
    const realClient = { token: realToken, roomId: first.roomId, username: first.username, password: "bench-password" };
    return await runFanout(target, server, conns, params, progress, realClient);
  } finally {
    await server.stop();
  }
}

async function connections(opts: BenchOptions, dir: string, progress: Progress) {
  const quick = opts.quick;
  const params: ConnectionsParams = { connections: quick ? 500 : 10_000, workers: quick ? 1 : 2, concurrency: 100 };
  const users = quick ? 50 : 1000;
  const perUser = params.connections / users;
  progress.note(`connections: ${params.connections} sockets (${users} users × ${perUser} devices), each with events.stream`);
  const parley = await parleyConnections("parley", undefined, params, users, join(dir, "connections.db"), progress);
  const before = opts.baseline
    ? await parleyConnections("before", opts.baseline, params, users, join(dir, "connections-before.db"), progress)
    : undefined;
  const raw = await startRaw({ inspect: true });
  try {
    const conns = Array.from({ length: params.connections }, (_, k) => ({ token: `room:${(k % 20) + 1}:${k + 1}`, roomId: (k % 20) + 1 }));
    return { params, parley, before, raw: await runConnections("raw", raw, conns, params, progress) };
  } finally {
    await raw.stop();
  }
}

async function parleyConnections(
  target: "parley" | "before",
  serverJs: string | undefined,
  params: ConnectionsParams,
  users: number,
  dbFile: string,
  progress: Progress,
) {
  const server = await startParley({ dbFile, inspect: true, serverJs });
  try {
    const us = await createUsersInRooms(server.httpUrl, {
      rooms: users / 50,
      perRoom: 50,
      prefix: "idle",
      progress: (d, t) => progress.note(`registered ${d}/${t} users`),
    });
    // Every user's first socket, then their other devices (so presence is announced once per user).
    const conns = Array.from({ length: params.connections }, (_, k) => {
      const u = us[k % users];
      if (!u) throw new Error("no user");
      return { token: u.token, roomId: u.roomId };
    });
    return await runConnections(target, server, conns, params, progress);
  } finally {
    await server.stop();
  }
}

async function history(quick: boolean, dir: string, progress: Progress, baseline: string | undefined) {
  const params: HistoryParams = quick
    ? { messages: 20_000, rooms: 10, queries: 200, pageSize: 50 }
    : { messages: 1_000_000, rooms: 100, queries: 2000, pageSize: 50 };
  progress.note(`history: ${params.messages} messages in ${params.rooms} rooms; ${params.queries} messages.list at random cursors`);
  const after = await historyServer(undefined, join(dir, "history.db"), params, progress);
  let before: Awaited<ReturnType<typeof historyServer>> | null = null;
  try {
    if (baseline) {
      progress.note("history: the --baseline build, on its own copy");
      before = await historyServer(baseline, join(dir, "history-before.db"), params, progress);
    }
    progress.note(`history: cold start ${Math.round(after.coldStartMs)} ms; querying`);
    const [a, b] = await queryHistory([after, ...(before ? [before] : [])], { minId: params.rooms * 2, maxId: params.messages, queries: params.queries, pageSize: params.pageSize });
    if (!a) throw new Error("history: no timings");
    progress.note(`history: page p50 ${a.pageMs.p50} ms, p99 ${a.pageMs.p99} ms${b ? ` (before: p50 ${b.pageMs.p50} ms, p99 ${b.pageMs.p99} ms)` : ""}`);
    const { seedMs, dbSizeMb, coldStartMs } = after;
    return {
      params,
      messages: params.messages,
      rooms: params.rooms,
      seedMs,
      dbSizeMb,
      coldStartMs,
      queries: params.queries,
      ...a,
      ...(before && b ? { before: { coldStartMs: before.coldStartMs, ...b } } : {}),
    };
  } finally {
    await after.server.stop();
    await before?.server.stop();
  }
}

/** A server (this build, or `serverJs`) on a file holding the seeded history: its schema and rooms made through the API, the messages written straight into the file. */
async function historyServer(serverJs: string | undefined, file: string, params: HistoryParams, progress: Progress) {
  // Run the server once so its migrations create the schema, and make the rooms through the API.
  let server = await startParley({ dbFile: file, serverJs });
  let token: string;
  let user: { id: number; username: string };
  const roomIds: number[] = [];
  try {
    const a = await rpc<{ user: { id: number; username: string }; accessToken: string }>(server.httpUrl, "auth.register", {
      username: "historian",
      email: "historian@bench.invalid",
      password: "bench-password",
    });
    token = a.accessToken;
    user = a.user;
    for (let i = 0; i < params.rooms; i++) roomIds.push((await rpc<{ id: number }>(server.httpUrl, "rooms.create", { name: `history-${i}` }, token)).id);
  } finally {
    await server.stop();
  }
  progress.note(`history: seeding ${params.messages} messages and their events`);
  const seedMs = seedHistory(file, { roomIds, senderId: user.id, senderName: user.username, messages: params.messages }, progress);
  const dbSizeMb = Math.round(statSync(file).size / 1048576);
  server = await startParley({ dbFile: file, serverJs });
  return { server, token, roomIds, seedMs, dbSizeMb, coldStartMs: server.startMs };
}

async function ingest(opts: BenchOptions, dir: string, progress: Progress) {
  const quick = opts.quick;
  const params: IngestParams = quick
    ? { senders: 20, rooms: 2, durationMs: 1500, inflight: 1, workers: 1 }
    : { senders: 200, rooms: 20, durationMs: 10_000, inflight: 1, workers: 2 };
  const file = join(dir, "ingest.db");
  const { result: parley, sender } = await ingestOnce(undefined, params, file, progress);
  progress.note("ingest: raw better-sqlite3 insert rate on the same file");
  const raw = rawInsertRate(file, { roomId: sender.roomId, senderId: sender.id, durationMs: quick ? 500 : 3000 });
  progress.note(`ingest: raw ${raw.perTransaction}/s (one per transaction), ${raw.batchedBy100}/s (100 per transaction)`);
  if (!opts.baseline) return { params, parley, raw };
  // With --baseline: runs of the older build and this one, alternated, so load that comes and goes hits both alike.
  const rounds: IngestRound[] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const before = (await ingestOnce(opts.baseline, params, join(dir, `ingest-before-${i}.db`), progress)).result;
    const after = i === 0 ? parley : (await ingestOnce(undefined, params, join(dir, `ingest-${i}.db`), progress)).result;
    rounds.push({ before, after });
  }
  return { params, parley, raw, rounds };
}

export interface IngestRound {
  before: IngestResult;
  after: IngestResult;
}

async function ingestOnce(serverJs: string | undefined, params: IngestParams, file: string, progress: Progress) {
  const server = await startParley({ dbFile: file, serverJs });
  try {
    const us = await createUsersInRooms(server.httpUrl, { rooms: params.rooms, perRoom: params.senders / params.rooms, prefix: "ing" });
    const u = us[0];
    if (!u) throw new Error("no users");
    if (serverJs) progress.note("ingest: the --baseline build");
    const result = await runIngest(server, us.map((x) => ({ token: x.token, roomId: x.roomId })), params, progress);
    return { result, sender: { id: u.id, roomId: u.roomId } };
  } finally {
    await server.stop();
  }
}

async function mixed(quick: boolean, dir: string, progress: Progress) {
  // The issue's storm: 1,000 reactions/s on messages in rooms of 50, with sends and edits alongside.
  const params: MixedParams = quick
    ? { rooms: 2, perRoom: 50, durationMs: 3000, rates: { send: 100, reaction: 1000, edit: 50 }, emoji: 30, workers: 2, drainMs: 10_000 }
    : { rooms: 10, perRoom: 50, durationMs: 10_000, rates: { send: 200, reaction: 1000, edit: 100 }, emoji: 30, workers: 2, drainMs: 10_000 };
  const server = await startParley({ dbFile: join(dir, "mixed.db") });
  try {
    const users = await createUsersInRooms(server.httpUrl, {
      rooms: params.rooms,
      perRoom: params.perRoom,
      prefix: "mix",
      progress: (d, t) => progress.note(`registered ${d}/${t} users`),
    });
    return { params, ...(await runMixed(server, users, params, progress)) };
  } finally {
    await server.stop();
  }
}

/** Only with --only=web: it needs Chromium and a built apps/web (served by the server from WEB_DIR). */
async function web(opts: BenchOptions, dir: string, progress: Progress) {
  const params: WebParams = opts.quick ? { messages: 1000, incoming: 10, switches: 5 } : { messages: 10_000, incoming: 30, switches: 10 };
  const run = async (webDir: string, name: string) => {
    const file = join(dir, `web-${name}.db`);
    let server = await startParley({ dbFile: file, env: { WEB_DIR: webDir } });
    let setup: Awaited<ReturnType<typeof prepareWeb>>;
    try {
      setup = await prepareWeb(server);
    } finally {
      await server.stop();
    }
    seedRoom(file, setup.longRoom, setup.reader.user.id, params.messages);
    server = await startParley({ dbFile: file, env: { WEB_DIR: webDir } });
    try {
      progress.note(`web (${name}): ${webDir}`);
      return await runWeb(server, setup, params, progress);
    } finally {
      await server.stop();
    }
  };
  const after = await run(join(repoRoot, "apps", "web", "dist"), "after");
  const before = opts.webBaseline ? await run(opts.webBaseline, "before") : undefined;
  return { params, after, before };
}

async function search(quick: boolean, dir: string, progress: Progress) {
  // The issue's figure: 1M messages in 100 rooms on SQLite; ingest with and without the index maintained.
  const params: SearchParams = quick
    ? { messages: 20_000, rooms: 10, senders: 10, queries: 50, ingest: { senders: 20, rooms: 2, durationMs: 1500, inflight: 1, workers: 1 } }
    : { messages: 1_000_000, rooms: 100, senders: 50, queries: 100, ingest: { senders: 200, rooms: 20, durationMs: 10_000, inflight: 1, workers: 2 } };
  return { params, ...(await runSearch(params, dir, progress)) };
}

/** One big upload and download (issue 16): streaming keeps the server's memory flat. */
async function files(quick: boolean, dir: string, progress: Progress) {
  // Quick: small, so the smoke run (and its test) stays short; the RSS target is judged on the full 100 MB run.
  const params: FilesParams = { bytes: (quick ? 4 : 100) * 1024 * 1024 };
  progress.note(`files: one ${params.bytes / 2 ** 20} MB upload and download`);
  const server = await startParley({ dbFile: join(dir, "files.db"), env: { MAX_UPLOAD_BYTES: String(200 * 2 ** 20), UPLOAD_QUOTA_BYTES: "0" } });
  try {
    return { params, ...(await runFiles(server, params, progress)) };
  } finally {
    await server.stop();
  }
}
