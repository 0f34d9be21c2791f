import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpApi, registerUser, sleep, type TestUser } from "../test/harness.ts";
import { ServerProcess } from "../test/process.ts";
import { seededRandom } from "../test/random.ts";
import { openWire, type WireMessage, type WireSocket } from "../test/wire.ts";

/**
 * Reconnect storm: 1,000 streaming clients lose the server at once (kill -9)
 * and come back with jittered exponential backoff. Pass: every client is
 * back and resumed (no fresh `ready`, nothing missed or doubled), nobody
 * loops, and the server answers /healthz and a query promptly throughout.
 *
 * The clients are raw sockets speaking tRPC's wire protocol (what the client
 * library does, minus everything a storm does not need). CI: one storm of
 * 1,000. `pnpm test:soak` (PARLEY_SOAK=1): 2,000 clients, three storms.
 */

const SOAK = process.env.PARLEY_SOAK === "1";
const CLIENTS = Number(process.env.PARLEY_STORM_CLIENTS ?? (SOAK ? 2000 : 1000));
const STORMS = SOAK ? 3 : 1;
const USERS = 10;

/** The client library's schedule (packages/client transport.ts backoffDelay, defaults): 0–250 ms, then equal jitter from 500 ms up. */
function backoffDelay(attempt: number, random: () => number): number {
  if (attempt === 0) return random() * 250;
  const step = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return step / 2 + random() * (step / 2);
}

/** CPU time (user + system) a process has used, from /proc; -1 where there is none. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return -1;
  }
}

class StormClient {
  attempts = 0;
  failuresInARow = 0;
  open = false;
  readies = 0;
  resyncs = 0;
  duplicates = 0;
  readonly messages = new Set<number>();
  private lastId: string | null = null;
  private sub = 0;
  private wire: WireSocket | null = null;
  private stopped = false;

  constructor(
    private readonly server: ServerProcess,
    private readonly user: TestUser,
    private readonly random: () => number,
  ) {}

  connect(): void {
    if (this.stopped) return;
    this.attempts++;
    const w = openWire(this.server, { token: this.user.accessToken, keep: false, onMessage: (m) => this.onMessage(m) });
    this.wire = w;
    w.opened.then(
      () => {
        this.sub = w.subscribe("events.stream", undefined, this.lastId ?? undefined);
      },
      () => {},
    );
    void w.closed.then(() => {
      this.open = false;
      if (this.stopped) return;
      const delay = backoffDelay(this.failuresInARow, this.random);
      this.failuresInARow++;
      setTimeout(() => this.connect(), delay);
    });
  }

  private onMessage(m: WireMessage): void {
    if (m.id !== this.sub || !m.result) return;
    if (m.result.type === "started") {
      this.open = true;
      this.failuresInARow = 0;
      return;
    }
    if (m.result.type !== "data") return;
    if (typeof m.result.id === "string") this.lastId = m.result.id;
    const data = m.result.data as { data?: { type?: string; message?: { id: number } } } | { type?: string };
    const event = "data" in data && data.data ? data.data : (data as { type?: string; message?: { id: number } });
    if (event.type === "ready") this.readies++;
    if (event.type === "resync") this.resyncs++;
    if (event.type === "message.created" && event.message) {
      if (this.messages.has(event.message.id)) this.duplicates++;
      this.messages.add(event.message.id);
    }
  }

  stop(): void {
    this.stopped = true;
    this.wire?.close();
  }
}

let server: ServerProcess;
let users: TestUser[];
let roomId: number;
const clients: StormClient[] = [];

beforeAll(async () => {
  server = new ServerProcess({ MAX_SOCKETS_PER_USER: String(CLIENTS) });
  await server.start();
  users = [];
  for (let i = 0; i < USERS; i++) users.push(await registerUser(server, "storm"));
  const [owner] = users;
  if (!owner) throw new Error("no users");
  roomId = (await owner.http.rooms.create.mutate({ name: "storm" })).id;
  for (const u of users.slice(1)) await u.http.rooms.join.mutate({ roomId });
});
afterAll(async () => {
  for (const c of clients) c.stop();
  await server[Symbol.asyncDispose]();
});

async function waitAll(pred: (c: StormClient) => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!clients.every(pred)) {
    if (Date.now() - t0 > timeoutMs) {
      const open = clients.filter((c) => c.open).length;
      const readies = clients.map((c) => c.readies).join("");
      throw new Error(`only ${clients.filter(pred).length}/${clients.length} after ${timeoutMs} ms (open ${open}, readies ${readies.slice(0, 50)}…)`);
    }
    await sleep(50);
  }
  return Date.now() - t0;
}

describe("reconnect storm", () => {
  it(`brings ${CLIENTS} clients dropped at once back with jitter, no loops, and the server stays responsive`, { timeout: SOAK ? 600_000 : 120_000 }, async () => {
    const [owner] = users;
    if (!owner) throw new Error("no users");
    // The jitter is seeded (printed on failure): the same schedule can be replayed.
    const { random } = seededRandom(1107);
    clients.push(...Array.from({ length: CLIENTS }, (_, i) => new StormClient(server, users[i % USERS] ?? owner, random)));
    for (const [i, c] of clients.entries()) {
      c.connect();
      if (i % 100 === 99) await sleep(20);
    }
    await waitAll((c) => c.open && c.readies === 1, 60_000);
    const sentBefore = await owner.http.messages.send.mutate({ roomId, content: "before the storm", clientId: "before" });
    await waitAll((c) => c.messages.has(sentBefore.id), 30_000);

    for (let storm = 0; storm < STORMS; storm++) {
      const attemptsBefore = clients.reduce((n, c) => n + c.attempts, 0);
      await server.stop("SIGKILL");
      // Probe the server from the moment it comes back until the storm is over.
      const latencies: number[] = [];
      const failures: string[] = [];
      let storming = true;
      let up = false;
      // A probe every 250 ms, each on its own (a slow answer does not delay the next probe).
      const inFlight: Promise<void>[] = [];
      const probeOnce = async () => {
        const api = httpApi(server, owner.accessToken);
        const t = Date.now();
        // Only probes sent once the server was known to be up count (earlier ones meet a closed port).
        const counts = up;
        try {
          const h = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(15_000) });
          if (!h.ok) failures.push(`healthz ${h.status}`);
          up = true;
          await api.rooms.get.query({ roomId });
          latencies.push(Date.now() - t);
        } catch (err) {
          const cause = (err as { cause?: unknown }).cause;
          if (counts) failures.push(`${String(err)}${cause ? ` (${String(cause)})` : ""} after ${Date.now() - t} ms`);
        }
      };
      const probe = (async () => {
        while (storming) {
          inFlight.push(probeOnce());
          await sleep(250);
        }
        await Promise.all(inFlight);
      })();
      const stormStart = Date.now();
      await server.start();
      // Something happens while (most) clients are away.
      const during = await owner.http.messages.send.mutate({ roomId, content: `during storm ${storm}`, clientId: `during-${storm}` });
      await waitAll((c) => c.open && c.messages.has(during.id), 60_000);
      const backMs = Date.now() - stormStart;
      const serverCpu = cpuMs(server.pid);
      // Keep probing a little past the burst, so the figures cover it whole.
      await sleep(Math.max(0, 3000 - backMs));
      storming = false;
      await probe;

      // No loops: once back, nobody keeps reconnecting.
      const settled = clients.reduce((n, c) => n + c.attempts, 0);
      await sleep(1500);
      expect(clients.reduce((n, c) => n + c.attempts, 0)).toBe(settled);
      const perClient = clients.map((c) => c.attempts).sort((a, b) => a - b);
      const stormAttempts = settled - attemptsBefore;
      latencies.sort((a, b) => a - b);
      const median = latencies[Math.floor(latencies.length / 2)] ?? 0;
      console.log(
        `storm ${storm}: ${CLIENTS} clients back ${backMs} ms after the kill, ${stormAttempts} attempts ` +
          `(max per client ${perClient.at(-1)}), server CPU since start ${serverCpu} ms, ` +
          `probes: median ${median} ms, max ${latencies.at(-1)} ms over ${latencies.length}`,
      );
      expect(failures).toEqual([]);
      expect(latencies.length).toBeGreaterThan(0);
      // Responsive: every probe answered (15 s timeout each). The median bound is loose on purpose:
      // CI shares two cores with browser suites, and 1,000 reconnects cost the server ~3–4 s of CPU
      // (SECURITY.md, "Known limits"); the figures above are the measurement.
      expect(median).toBeLessThan(10_000);
      expect(stormAttempts).toBeLessThan(CLIENTS * 6);
      // Everyone resumed (no fresh start, no resync) and saw each message exactly once.
      expect(clients.filter((c) => c.readies !== 1 || c.resyncs !== 0 || c.duplicates !== 0)).toHaveLength(0);
    }
  });
});
