import { type Database, type Kysely, promoteByKeys, setLastSeen, type WriteTransaction } from "@parley/db";
import { makePasswordHasher, type PasswordHasher } from "./auth/passwords.ts";
import { makeTokenIssuer, type TokenIssuer } from "./auth/tokens.ts";
import { type AvatarMaker, noAvatarMaker } from "./domain/avatars.ts";
import { type FileBlobs, noFileBlobs } from "./domain/files.ts";
import { LoginLimits, LOGIN_WINDOW_SECONDS } from "./domain/login-limits.ts";
import { pushPolicy } from "./domain/outbound.ts";
import { Push } from "./domain/push.ts";
import { type LazyEmojiTable, makeEmojiTable } from "./domain/emoji.ts";
import { RateLimiter } from "./domain/rate-limit.ts";
import { type SearchIndexLog, SearchIndexer } from "./domain/search-indexer.ts";
import { Writer } from "./domain/writer.ts";
import type { Bus } from "./realtime/bus.ts";
import { ClusterHub } from "./realtime/cluster-hub.ts";
import { Connections } from "./realtime/connections.ts";
import { EventHub, type HubOptions } from "./realtime/hub.ts";
import { Presence } from "./realtime/presence.ts";
import { Revocations } from "./realtime/revocations.ts";
import { type Buckets, memoryBuckets, withFallback } from "./realtime/shared-limits.ts";
import { Typing } from "./realtime/typing.ts";

export interface ApiConfig {
  secretKey: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /**
   * How long after a refresh token was rotated presenting it again still
   * counts as a retry of a lost reply rather than theft, if its successor was
   * never used (see `refresh` in domain/auth.ts). 0: every reuse revokes the session.
   */
  refreshReuseGraceSeconds: number;
  bcryptCost: number;
  /** Sends per user: bucket size and refill per second. */
  sendBurst: number;
  sendPerSecond: number;
  /**
   * Failed logins allowed per (account, client address) and per client address
   * before `TOO_MANY_REQUESTS` (see domain/login-limits.ts).
   */
  loginFailuresPerUser: number;
  loginFailuresPerIp: number;
  /** Rooms one user may create: bucket size, and refill per hour. */
  roomCreateBurst: number;
  roomCreatePerHour: number;
  /** Password checks under way at once per client address; more are refused, not queued. */
  loginConcurrencyPerIp: number;
  /** Accounts registered per client address per hour. */
  registrationsPerIp: number;
  /**
   * Reverse proxies in front of the server that append to X-Forwarded-For
   * (nginx, Caddy, a load balancer): the client address is read from that
   * header that many hops from the right. 0: the header is ignored.
   */
  trustProxyHops: number;
  typingTtlMs: number;
  presenceGraceMs: number;
  /** Events a resuming client may be behind before it is told to resync. */
  maxReplay: number;
  maxSocketsPerUser: number;
  /** Bytes a socket may have unsent before it counts as a slow reader and is cut off. */
  maxBufferedBytes: number;
  /** Events queued for one subscriber before it counts as a slow reader and is cut off. */
  maxQueuedEvents: number;
  /** Subscriptions one socket may run at once (the client library runs one). */
  maxSubscriptionsPerSocket: number;
  /** Queries and mutations one socket may have under way; the next gets TOO_MANY_REQUESTS. */
  maxCallsPerSocket: number;
  /** How long after sending its author may edit a message (`EDIT_WINDOW`); null: no limit. */
  editWindowSeconds: number | null;
  /** The public room every new account joins, made with the first account ("" : none). */
  defaultRoom: string;
  /** Web Push: hosts a push endpoint may name although private or plain HTTP; the VAPID keys (or only the subject: generated and kept in the database). */
  push: { allowHosts: readonly string[]; vapid: { subject: string; publicKey?: string | undefined; privateKey?: string | undefined } };
  /** Private addresses integrations (outgoing webhooks, slash commands) may reach anyway (`WEBHOOK_ALLOW_HOSTS`). */
  webhookAllowHosts: readonly string[];
  /** Username keys made server admins (`PARLEY_ADMINS`), at start-up and at registration. */
  serverAdmins: string[];
  /** Who may register until an admin changes it at run time (`REGISTRATION`; settings in the database win). */
  registration: "open" | "invite" | "closed";
  /** E-mail domains registration is limited to (`REGISTRATION_EMAIL_DOMAINS`); empty: any. */
  registrationEmailDomains: string[];
}

export const defaultApiConfig: Omit<ApiConfig, "secretKey"> = {
  push: { allowHosts: [], vapid: { subject: "mailto:admin@parley.invalid" } },
  accessTokenTtlSeconds: 30 * 60,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  refreshReuseGraceSeconds: 60,
  trustProxyHops: 0,
  bcryptCost: 10,
  sendBurst: 30,
  sendPerSecond: 10,
  loginFailuresPerUser: 10,
  loginFailuresPerIp: 100,
  roomCreateBurst: 20,
  roomCreatePerHour: 20,
  loginConcurrencyPerIp: 4,
  registrationsPerIp: 20,
  typingTtlMs: 5000,
  presenceGraceMs: 3000,
  maxReplay: 10_000,
  maxSocketsPerUser: 20,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxQueuedEvents: 5000,
  maxSubscriptionsPerSocket: 4,
  maxCallsPerSocket: 128,
  editWindowSeconds: null,
  defaultRoom: "general",
  webhookAllowHosts: [],
  serverAdmins: [],
  registration: "open",
  registrationEmailDomains: [],
};

export class Inflight {
  private count = 0;
  private waiters: (() => void)[] = [];

  begin(): void {
    this.count++;
  }

  end(): void {
    this.count--;
    if (this.count === 0) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when no write is under way (or after `timeoutMs`). */
  idle(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/** Where the api reports timings; the app turns them into metrics. Every method is optional work. */
export interface ApiObserver {
  /** A query or mutation finished. */
  call(path: string, type: "query" | "mutation", ok: boolean, seconds: number): void;
  /** A new message was handed to this process's subscribers, `seconds` after it was sent. */
  delivered(seconds: number): void;
}

const quietObserver: ApiObserver = { call() {}, delivered() {} };

/** Everything procedures need, made once by the app and handed to every context. */
export interface Services {
  db: Kysely<Database>;
  config: ApiConfig;
  passwords: PasswordHasher;
  tokens: TokenIssuer;
  hub: EventHub;
  presence: Presence;
  typing: Typing;
  connections: Connections;
  sendLimiter: RateLimiter;
  /** The one write path: every state change is an operation run by it (domain/writer.ts). */
  writes: Writer;
  /** `rooms.create` per user. */
  roomCreateLimiter: RateLimiter;
  /** Profile changes per user (each is one event per room of theirs): 10 at once, then 60 an hour. */
  profileLimiter: RateLimiter;
  /** Sign-in and registration limits (brute force, bcrypt work per address). */
  logins: LoginLimits;
  /**
   * With a Redis bus, the send, sign-in and registration allowances every
   * node shares (realtime/shared-limits.ts); null on a single node, where
   * `sendLimiter` and `logins` are the whole story.
   */
  sharedLimits: SharedLimits | null;
  /** Sessions revoked recently, here or on another node: open sockets check it on every call. */
  revokedSessions: Revocations;
  /** Writes under way: shutdown waits for them before closing the database. */
  inflight: Inflight;
  observer: ApiObserver;
  /** Which strings are one emoji (reactions); its data is read on first use. */
  emoji: LazyEmojiTable;
  /** Web Push subscriptions and deliveries (domain/push.ts). */
  push: Push;
  /** Indexes messages older than the search index, in the background (domain/search-indexer.ts). */
  searchIndex: SearchIndexer;
  /** Where deleted files' bytes go (issue 16: the app's storage backend). */
  fileBlobs: FileBlobs;
  /** The origin integrations reach this server at (PUBLIC_URL, else where it listens): response URLs are built on it. */
  publicOrigin: () => string;
  /** Makes avatars from uploaded images (issue 16: the app's sharp and storage). */
  avatars: AvatarMaker;
  now: () => number;
  start(): Promise<void>;
  /** Stops the background work; resolves once a search pass under way has finished (so it never meets a closed database). */
  stop(): Promise<void>;
}

export interface SharedLimits {
  /** Per user id. */
  send: Buckets;
  /** Failed sign-ins per (account, address key) and per address key (domain/login-limits.ts). */
  loginPair: Buckets;
  loginAddress: Buckets;
  /** Registrations per address key. */
  registrations: Buckets;
}

function sharedLimits(config: ApiConfig, bus: Bus | undefined, now: () => number, onError: (err: unknown) => void): SharedLimits | null {
  if (!bus?.buckets) return null;
  const bucket = withFallback(bus.buckets, memoryBuckets(now), onError);
  return {
    send: bucket("send", config.sendBurst, config.sendPerSecond),
    loginPair: bucket("login-pair", config.loginFailuresPerUser, config.loginFailuresPerUser / LOGIN_WINDOW_SECONDS),
    loginAddress: bucket("login-address", config.loginFailuresPerIp, config.loginFailuresPerIp / LOGIN_WINDOW_SECONDS),
    registrations: bucket("registrations", config.registrationsPerIp, config.registrationsPerIp / 3600),
  };
}

export function createServices(
  db: Kysely<Database>,
  config: ApiConfig,
  opts: {
    onError?: (err: unknown) => void;
    now?: () => number;
    /** Other nodes (Redis or PostgreSQL): events, typing and presence then reach every node. */
    bus?: Bus;
    presenceHeartbeatMs?: number;
    /** How often a node on a bus looks for revocations it missed (default 500 ms). */
    revocationPollMs?: number;
    observer?: ApiObserver;
    /** The database's write path (`ParleyDb.writeTransaction`). */
    writeTransaction: WriteTransaction;
    /** Progress of the background search indexing. */
    searchLog?: SearchIndexLog;
    /** SQLite: how long a new message waits for the search index (domain/search-tail.ts). */
    searchIndexDelayMs?: number;
    /** Storage for uploaded files; without it, deleting a message deletes only rows. */
    fileBlobs?: FileBlobs;
    /** Where integrations reach the server (read when a response URL is made; the port may be known only once listening). */
    publicOrigin?: () => string;
    /** Avatar making (sharp and storage); without it, every avatar is refused as not an image. */
    avatars?: AvatarMaker;
  },
): Services {
  const now = opts.now ?? Date.now;
  const observer = opts.observer ?? quietObserver;
  const hubOptions: HubOptions = {
    onError: opts.onError,
    maxQueued: config.maxQueuedEvents,
    onDispatched: (type, createdAt) => {
      if (type === "message.created") observer.delivered((now() - createdAt) / 1000);
    },
  };
  const hub = opts.bus ? new ClusterHub(db, opts.bus, hubOptions) : new EventHub(db, hubOptions);
  const presence = new Presence(hub, {
    graceMs: config.presenceGraceMs,
    persistLastSeen: (userId, at) => setLastSeen(db, userId, at),
    now,
    bus: opts.bus,
    heartbeatMs: opts.presenceHeartbeatMs,
  });
  const typing = new Typing(hub, config.typingTtlMs);
  const connections = new Connections(config.maxSocketsPerUser);
  const revokedSessions = new Revocations({
    db,
    connections,
    bus: opts.bus,
    accessTokenTtlMs: config.accessTokenTtlSeconds * 1000,
    pollMs: opts.revocationPollMs,
    now,
    onError: opts.onError,
  });
  const { publicKey, privateKey, subject } = config.push.vapid;
  const push = new Push({
    db,
    policy: pushPolicy(config.push.allowHosts),
    vapid: publicKey !== undefined && privateKey !== undefined ? { publicKey, privateKey, subject } : { subject },
    isOnline: (userId) => presence.isOnline(userId),
    now,
    onError: opts.onError,
  });
  // On SQLite the hub delivers a batch's events straight from its commit (EventHub.committed).
  // The search index learns of new messages from the same commits (domain/search-tail.ts).
  let searchIndex: SearchIndexer | null = null;
  const writes = new Writer(
    opts.writeTransaction,
    (rows) => {
      hub.committed(rows);
      searchIndex?.committed(rows);
    },
    now,
  );
  searchIndex = new SearchIndexer({
    db,
    writes,
    log: opts.searchLog,
    tailDelayMs: opts.searchIndexDelayMs,
    // Said as what it is (onError's own message is the hub's).
    onError: (err) =>
      opts.searchLog ? opts.searchLog({ error: err instanceof Error ? err.message : String(err) }, "search: background indexing failed, retrying") : opts.onError?.(err),
  });
  return {
    db,
    config,
    push,
    passwords: makePasswordHasher(config.bcryptCost),
    tokens: makeTokenIssuer(config.secretKey, config.accessTokenTtlSeconds),
    hub,
    presence,
    typing,
    connections,
    sendLimiter: new RateLimiter(config.sendBurst, config.sendPerSecond, now),
    writes,
    roomCreateLimiter: new RateLimiter(config.roomCreateBurst, config.roomCreatePerHour / 3600, now),
    profileLimiter: new RateLimiter(10, 60 / 3600, now),
    logins: new LoginLimits({
      failuresPerAccountAddress: config.loginFailuresPerUser,
      failuresPerAddress: config.loginFailuresPerIp,
      concurrentPerAddress: config.loginConcurrencyPerIp,
      registrationsPerAddress: config.registrationsPerIp,
      now,
    }),
    sharedLimits: sharedLimits(config, opts.bus, now, opts.onError ?? (() => {})),
    revokedSessions,
    inflight: new Inflight(),
    observer,
    emoji: makeEmojiTable(),
    searchIndex,
    fileBlobs: opts.fileBlobs ?? noFileBlobs,
    publicOrigin: opts.publicOrigin ?? (() => "http://localhost"),
    avatars: opts.avatars ?? noAvatarMaker,
    now,
    async start() {
      // PARLEY_ADMINS: the named accounts that exist already become server admins (later ones at registration).
      const admins = config.serverAdmins;
      if (admins.length > 0) await writes.run(async (tx) => ({ result: await promoteByKeys(tx.db, admins), events: [] }));
      await hub.start();
      await push.start();
      presence.start();
      revokedSessions.start();
      // One query; the indexing itself runs in the background.
      await searchIndex.start();
    },
    async stop() {
      revokedSessions.stop();
      typing.stop();
      presence.stop();
      hub.stop();
      await searchIndex.stop();
    },
  };
}
