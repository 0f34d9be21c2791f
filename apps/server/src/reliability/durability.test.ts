import Database from "better-sqlite3";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { codeOf, eventually, httpApi, registerUser, sleep, startTestServer, type TestUser } from "../test/harness.ts";
import { ServerProcess } from "../test/process.ts";
import { seededRandom } from "../test/random.ts";

/**
 * Durability: an acknowledged send survives `kill -9`, exactly once, and the
 * database file stays intact. With SQLite in WAL mode a commit is in the WAL
 * before the reply goes out, so a process crash loses nothing under either
 * `synchronous` setting; what NORMAL risks is power loss (see SECURITY.md).
 *
 * CI: 20 kills. `pnpm test:soak` (PARLEY_SOAK=1): 100 kills and more senders.
 */

const SOAK = process.env.PARLEY_SOAK === "1";
const KILLS = SOAK ? 100 : 20;
const SENDERS = SOAK ? 8 : 4;

interface Ack {
  clientId: string;
  id: number;
  content: string;
  senderId: number;
}

/** One client sending continuously, retrying the same clientId until it is acknowledged (what the client library's outbox does). */
function sender(endpoint: { url: string }, user: TestUser, roomId: number, acks: Ack[], stop: { now: boolean }, random: () => number) {
  return (async () => {
    const api = httpApi(endpoint, user.accessToken);
    let n = 0;
    let attempts = 0;
    while (!stop.now) {
      const clientId = `${user.username}-${n}`;
      const content = `${user.username} says ${n}`;
      try {
        const m = await api.messages.send.mutate({ roomId, content, clientId });
        acks.push({ clientId, id: m.id, content: m.content, senderId: user.id });
        n++;
      } catch {
        attempts++;
        await sleep(10 + random() * 20);
      }
    }
    return attempts;
  })();
}

/** Sends under load while the server is killed `kills` times at seeded random moments. */
async function killUnderLoad(server: ServerProcess, kills: number, seed: number) {
  const { random } = seededRandom(seed);
  const users = await Promise.all(Array.from({ length: SENDERS }, (_, i) => registerUser(server, `dur${i}`)));
  const [owner] = users;
  if (!owner) throw new Error("no users");
  const room = await owner.http.rooms.create.mutate({ name: "durable" });
  for (const u of users.slice(1)) await u.http.rooms.join.mutate({ roomId: room.id });

  const acks: Ack[] = [];
  const stop = { now: false };
  const loops = users.map((u) => sender(server, u, room.id, acks, stop, random));
  try {
    for (let k = 0; k < kills; k++) {
      await sleep(100 + random() * 250);
      await server.restart("SIGKILL");
    }
    // Let every sender get its pending message acknowledged once more, then stop.
    const settled = acks.length;
    await eventually(() => acks.length >= settled + users.length * 3, 30_000);
  } finally {
    // Also when a wait above fails: the senders would otherwise retry forever.
    stop.now = true;
    await Promise.all(loops);
  }
  await server.stop("SIGTERM");
  return { acks, room, users };
}

function checkDatabase(file: string, roomId: number, acks: Ack[]) {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.pragma("foreign_key_check")).toEqual([]);
    const rows = db
      .prepare("select id, sender_id as senderId, client_id as clientId, content from messages where room_id = ? and kind = 'text' order by id")
      .all(roomId) as { id: number; senderId: number; clientId: string; content: string }[];
    // Exactly the acknowledged messages: none lost, none doubled, none stored without an acknowledgement.
    const byKey = (a: { senderId: number; clientId: string }) => `${a.senderId}/${a.clientId}`;
    expect(rows.map(byKey).sort()).toEqual(acks.map(byKey).sort());
    const stored = new Map(rows.map((r) => [byKey(r), r]));
    for (const a of acks) expect(stored.get(byKey(a))).toMatchObject({ id: a.id, content: a.content });
    // Each message has exactly one event in the log (message and event commit together).
    const events = db
      .prepare("select count(*) as n, count(distinct json_extract(payload, '$.message.id')) as d from events where room_id = ? and json_extract(payload, '$.type') = 'message.created'")
      .get(roomId) as { n: number; d: number };
    const allMessages = db.prepare("select count(*) as n from messages where room_id = ?").get(roomId) as { n: number };
    expect(events.n).toBe(allMessages.n);
    expect(events.d).toBe(allMessages.n);
  } finally {
    db.close();
  }
}

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s[Symbol.asyncDispose]();
});

describe("kill -9 under send load", () => {
  it(`keeps every acknowledged message exactly once across ${KILLS} kills (synchronous=NORMAL)`, { timeout: SOAK ? 600_000 : 120_000 }, async () => {
    const server = new ServerProcess({ SQLITE_SYNCHRONOUS: "NORMAL" });
    servers.push(server);
    await server.start();
    const { acks, room } = await killUnderLoad(server, KILLS, 1101);
    expect(server.starts).toBe(KILLS + 1);
    expect(acks.length).toBeGreaterThan(KILLS);
    checkDatabase(server.dbFile, room.id, acks);
  });

  it("does the same with synchronous=FULL", { timeout: SOAK ? 600_000 : 60_000 }, async () => {
    const server = new ServerProcess({ SQLITE_SYNCHRONOUS: "FULL" });
    servers.push(server);
    await server.start();
    const { acks, room } = await killUnderLoad(server, SOAK ? 30 : 3, 1102);
    checkDatabase(server.dbFile, room.id, acks);
  });
});

describe("synchronous setting", () => {
  it("applies SQLITE_SYNCHRONOUS to the connection (NORMAL = 1 by default, FULL = 2)", async () => {
    for (const [env, expected] of [[{}, 1], [{ SQLITE_SYNCHRONOUS: "FULL" }, 2]] as const) {
      const s = await startTestServer(env);
      try {
        const r = await sql<{ synchronous: number }>`pragma synchronous`.execute(s.svc.db);
        expect(r.rows[0]?.synchronous).toBe(expected);
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(s.svc.db);
        expect(mode.rows[0]?.journal_mode).toBe("wal");
      } finally {
        await s.dispose();
      }
    }
  });

  it("refuses an unknown synchronous mode (OFF would lose acknowledged commits)", async () => {
    await expect(startTestServer({ SQLITE_SYNCHRONOUS: "OFF" })).rejects.toThrow(/SQLITE_SYNCHRONOUS/);
  });
});

describe("idempotent send across a hard kill", () => {
  it("answers a retry after kill -9 with the original message", async () => {
    const server = new ServerProcess();
    servers.push(server);
    await server.start();
    const u = await registerUser(server, "retry");
    const room = await u.http.rooms.create.mutate({ name: "retry" });
    const first = await u.http.messages.send.mutate({ roomId: room.id, content: "once", clientId: "k1" });
    await server.restart("SIGKILL");
    const again = await u.http.messages.send.mutate({ roomId: room.id, content: "once", clientId: "k1" });
    expect(again).toEqual(first);
    const texts = (await u.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text");
    expect(texts.map((m) => m.id)).toEqual([first.id]);
    expect(await codeOf(u.http.auth.me.query())).toBe("OK");
  });
});
