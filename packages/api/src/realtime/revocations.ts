import { type Database, type Kysely, revokedAmong } from "@parley/db";
import type { Bus } from "./bus.ts";
import { CloseCode, type Connections } from "./connections.ts";

export interface RevocationOptions {
  db: Kysely<Database>;
  connections: Connections;
  /** Other nodes: revocations are announced on it, and the database is polled for missed ones. */
  bus?: Bus | undefined;
  /** Longest an access token lives: a session's entry is kept that long after its revocation. */
  accessTokenTtlMs: number;
  /** How often a node on a bus checks its open sessions against the database (default 500 ms). */
  pollMs?: number | undefined;
  now: () => number;
  onError?: ((err: unknown) => void) | undefined;
}

/** Sessions checked per query when polling. */
const CHUNK = 500;
/** Kept past the access-token lifetime, for clocks that disagree between nodes. */
const SKEW_MS = 60_000;

/**
 * Sessions revoked while this process runs, so open sockets (whose token was
 * checked once, at sign-in) stop at once: every call checks `has`, and
 * the session's sockets here are closed with 4001.
 *
 * With several nodes a revocation is announced on the bus, and every node
 * closes that session's sockets. The bus is at-most-once, so each node
 * also checks, every `pollMs`, whether any session it has a socket for was
 * revoked in the database (a primary-key lookup per open session, in
 * chunks), which covers an announcement lost on the way or sent while the
 * bus was down. New sockets and HTTP calls check the database anyway
 * (`authenticate`).
 *
 * An entry is dropped once every access token of its session has expired
 * (those are refused on their own), so the set follows recent logouts, not
 * every logout since the process started.
 */
export class Revocations {
  /** Session id → when its entry may go; in insertion order, which is also expiry order. */
  private readonly entries = new Map<string, number>();
  private poll: ReturnType<typeof setInterval> | null = null;
  private checking = false;

  constructor(private readonly o: RevocationOptions) {
    o.bus?.onMessage((msg) => {
      if (msg.t === "revoked" && typeof msg.sessionId === "string") this.apply(msg.sessionId);
    });
    // Messages may have been missed while the bus was away.
    o.bus?.onReconnect(() => void this.check());
  }

  has(sessionId: string): boolean {
    return this.entries.has(sessionId);
  }

  /** Entries held now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** This node revoked the session (its row is already written): close its sockets everywhere. */
  add(sessionId: string): void {
    this.apply(sessionId);
    this.o.bus?.publish({ t: "revoked", sessionId });
  }

  start(): void {
    if (this.o.bus && !this.poll) this.poll = setInterval(() => void this.check(), this.o.pollMs ?? 500);
  }

  stop(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  private apply(sessionId: string): void {
    this.prune();
    this.entries.delete(sessionId);
    this.entries.set(sessionId, this.o.now() + this.o.accessTokenTtlMs + SKEW_MS);
    this.o.connections.closeSession(sessionId, CloseCode.loggedOut, "logged out");
  }

  private prune(): void {
    const now = this.o.now();
    for (const [id, until] of this.entries) {
      if (until > now) break;
      this.entries.delete(id);
    }
  }

  /** Looks up the sessions with sockets here that are not known to be revoked yet. */
  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      this.prune();
      const open = this.o.connections.sessionIds().filter((id) => !this.entries.has(id));
      for (let i = 0; i < open.length; i += CHUNK) {
        for (const id of await revokedAmong(this.o.db, open.slice(i, i + CHUNK))) this.apply(id);
      }
    } catch (err) {
      this.o.onError?.(new Error("checking sessions for revocations failed", { cause: err }));
    } finally {
      this.checking = false;
    }
  }
}
