import type { Message } from "@parley/api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, eventually, messageEvents, type Recorder, record, registerUser, sleep, type TestUser, type WsApi, wsApi } from "../test/harness.ts";
import { ServerProcess } from "../test/process.ts";

/**
 * The delivery promise as a property: for any sequence of sends, duplicate
 * sends, socket drops, reconnects, graceful restarts and hard kills (also
 * with a send in flight), every
 * client's log equals the database and no acknowledged message is missing
 * or doubled. The server is the production build in a child process.
 *
 * CI: a few short runs. `pnpm test:soak` (PARLEY_SOAK=1): many longer ones.
 * A failure prints fast-check's seed and path; replay with
 * PARLEY_FC_SEED=<seed> PARLEY_FC_PATH=<path>.
 */

const SOAK = process.env.PARLEY_SOAK === "1";
const NUM_RUNS = SOAK ? 40 : 4;
const MAX_COMMANDS = SOAK ? 40 : 12;

type Command =
  | { kind: "send"; user: number }
  | { kind: "sendDuringKill"; user: number }
  | { kind: "sendDuringRestart"; user: number }
  | { kind: "duplicate"; user: number; pick: number }
  | { kind: "drop"; client: number }
  | { kind: "reconnect"; client: number }
  | { kind: "restart" }
  | { kind: "kill" };

const USERS = 2;
const CLIENTS = 3; // client i belongs to user i % USERS

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("send" as const), user: fc.nat(USERS - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sendDuringKill" as const), user: fc.nat(USERS - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sendDuringRestart" as const), user: fc.nat(USERS - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), user: fc.nat(USERS - 1), pick: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("drop" as const), client: fc.nat(CLIENTS - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("reconnect" as const), client: fc.nat(CLIENTS - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "kill" as const }) },
);

/** A client as the client library keeps it: one stream, resumed from its last position, and a log of messages. */
class Client {
  log: Message[] = [];
  private ws: WsApi | null = null;
  private rec: Recorder | null = null;
  private lastId: string | null = null;
  private seen = 0;

  constructor(
    private readonly server: ServerProcess,
    readonly user: TestUser,
    private readonly roomId: number,
  ) {}

  get connected(): boolean {
    return this.ws !== null;
  }

  /** Opens the stream: fresh the first time (waiting for `ready`, where the log starts), resumed after. */
  async connect(): Promise<void> {
    if (this.ws) return;
    this.ws = wsApi(this.server, this.user.accessToken);
    this.rec = record(this.ws.api, this.lastId);
    this.seen = 0;
    if (this.lastId === null) {
      await this.rec.waitFor((e) => e.type === "ready", 10_000);
      this.lastId = this.rec.lastId();
    }
  }

  /** Moves what the current subscription received into the log. */
  collect(): void {
    if (!this.rec) return;
    const events = this.rec.events.slice(this.seen);
    this.seen = this.rec.events.length;
    for (const m of messageEvents(events)) if (m.roomId === this.roomId) this.log.push(m);
    this.lastId = this.rec.lastId() ?? this.lastId;
    const resync = events.find((e) => e.type === "resync");
    if (resync) throw new Error(`unexpected resync: ${JSON.stringify(resync)}`);
  }

  debug(): string {
    return JSON.stringify({ user: this.user.id, log: this.log.map((m) => m.id), events: this.rec?.events.map((e) => e.type), err: String(this.rec?.error()) });
  }

  async drop(): Promise<void> {
    this.collect();
    this.rec?.stop();
    await this.ws?.close();
    this.ws = null;
    this.rec = null;
  }
}

async function allMessages(api: Api, roomId: number): Promise<Message[]> {
  const out: Message[] = [];
  let before: number | null = null;
  for (;;) {
    const page: { items: Message[]; nextCursor: number | null } = await api.messages.list.query({ roomId, before, limit: 100 });
    out.unshift(...page.items);
    if (page.nextCursor === null) return out;
    before = page.nextCursor;
  }
}

let server: ServerProcess;
beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
});
afterAll(() => server[Symbol.asyncDispose]());

async function runSequence(commands: Command[]): Promise<void> {
  const users = await Promise.all(Array.from({ length: USERS }, () => registerUser(server, "prop")));
  const [owner] = users;
  if (!owner) throw new Error("no users");
  const room = await owner.http.rooms.create.mutate({ name: "property" });
  for (const u of users.slice(1)) await u.http.rooms.join.mutate({ roomId: room.id });
  const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(server, users[i % USERS] ?? owner, room.id));
  // Clients start now: their logs hold what comes after this point.
  for (const c of clients) await c.connect();
  const baseline = (await allMessages(owner.http, room.id)).length;

  const acked = new Map<string, Message>(); // `${userId}/${clientId}` → the acknowledged message
  let n = 0;
  /** Sends until acknowledged, as the outbox does: the same clientId every time. */
  const sendUntilAcked = async (u: TestUser, clientId: string, content: string, first?: Promise<Message>) => {
    let attempt: Promise<Message> = first ?? u.http.messages.send.mutate({ roomId: room.id, content, clientId });
    for (let tries = 0; ; tries++) {
      try {
        const m = await attempt;
        const key = `${u.id}/${clientId}`;
        const earlier = acked.get(key);
        if (earlier) expect(m).toEqual(earlier);
        acked.set(key, m);
        return;
      } catch (err) {
        if (tries > 200) throw err;
        await sleep(25);
        attempt = u.http.messages.send.mutate({ roomId: room.id, content, clientId });
      }
    }
  };

  for (const cmd of commands) {
    for (const c of clients) c.collect();
    switch (cmd.kind) {
      case "send": {
        const u = users[cmd.user] ?? owner;
        n++;
        await sendUntilAcked(u, `p${n}`, `message ${n} from ${u.username}`);
        break;
      }
      case "sendDuringKill":
      case "sendDuringRestart": {
        const u = users[cmd.user] ?? owner;
        n++;
        const clientId = `p${n}`;
        const content = `message ${n} from ${u.username} during a ${cmd.kind === "sendDuringKill" ? "kill" : "restart"}`;
        const inFlight = u.http.messages.send.mutate({ roomId: room.id, content, clientId });
        inFlight.catch(() => {});
        await server.restart(cmd.kind === "sendDuringKill" ? "SIGKILL" : "SIGTERM");
        await sendUntilAcked(u, clientId, content, inFlight);
        break;
      }
      case "duplicate": {
        const u = users[cmd.user] ?? owner;
        const mine = [...acked.entries()].filter(([k]) => k.startsWith(`${u.id}/`));
        const picked = mine[cmd.pick % Math.max(1, mine.length)];
        if (!picked) break;
        const [, original] = picked;
        const again = await u.http.messages.send.mutate({ roomId: room.id, content: "a resend", clientId: original.clientId ?? "" });
        expect(again).toEqual(original);
        break;
      }
      case "drop":
        await clients[cmd.client]?.drop();
        break;
      case "reconnect":
        await clients[cmd.client]?.connect();
        break;
      case "restart":
        await server.restart("SIGTERM");
        break;
      case "kill":
        await server.restart("SIGKILL");
        break;
    }
  }

  // Settle: everyone reconnects and catches up with the database.
  for (const c of clients) await c.connect();
  const stored = await allMessages(owner.http, room.id);
  const storedIds = stored.slice(baseline).map((m) => m.id);
  await eventually(() => {
    for (const c of clients) c.collect();
    return clients.every((c) => c.log.length >= storedIds.length);
  }, 15_000).catch(() => {});
  for (const c of clients) c.collect();

  // No acknowledged message missing or doubled in the database…
  const texts = stored.filter((m) => m.kind === "text");
  expect(texts.map((m) => `${m.sender?.id}/${m.clientId}`).sort()).toEqual([...acked.keys()].sort());
  for (const m of texts) expect(m).toEqual(acked.get(`${m.sender?.id}/${m.clientId}`));
  // …and every client's log is exactly the database, in order.
  if (process.env.PARLEY_FC_DEBUG) for (const c of clients) console.log(c.debug());
  for (const c of clients) expect(c.log.map((m) => m.id)).toEqual(storedIds);
  for (const c of clients) await c.drop();
}

describe("random sequences of sends, duplicates, drops, reconnects, restarts and kills", () => {
  it("keep every client's log equal to the database with no acknowledged message missing", { timeout: SOAK ? 1_800_000 : 150_000 }, async () => {
    const seed = process.env.PARLEY_FC_SEED ? Number(process.env.PARLEY_FC_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 4, maxLength: MAX_COMMANDS }), (commands) => runSequence(commands)),
      { numRuns: NUM_RUNS, endOnFailure: !SOAK, seed, path: process.env.PARLEY_FC_PATH, verbose: 1 },
    );
  });
});
