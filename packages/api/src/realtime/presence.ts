import type { Bus } from "./bus.ts";
import type { EventHub } from "./hub.ts";

export interface OnlineUser {
  id: number;
  username: string;
  lastSeen: number | null;
}

export interface PresenceOptions {
  /** A user whose last socket closed stays online this long, so a reload or a move to another node does not flap. */
  graceMs: number;
  persistLastSeen: (userId: number, at: number) => Promise<void>;
  now?: () => number;
  /** Other nodes; without it presence is this process's sockets only. */
  bus?: Bus;
  /** How often this node re-announces its users; another node forgets them after three missed beats. */
  heartbeatMs?: number;
}

/** Users per bus message: keeps a beat well under PostgreSQL's NOTIFY limit. */
const CHUNK = 100;

/**
 * Who is online, across every node. A user is online while any node holds
 * a socket of theirs; once none does, they go offline `graceMs` later unless
 * a socket reappears somewhere. Each node counts its own sockets, tells the
 * others when a user arrives or leaves, and re-announces all its users every
 * heartbeat; another node's users expire when its beats stop (it died), so
 * nobody stays online forever. Every node derives the same transitions from
 * that shared picture and tells its own subscribers; presence is live-only.
 * A transition reaches the user's peers (who share a room with them, see
 * `RoomPicture.peersOf`), and `visibleTo` answers with the same audience
 * the other way round: who is online is nobody else's business.
 */
export class Presence {
  /** Sockets on this node, by user. */
  private readonly local = new Map<number, { username: string; sockets: number }>();
  /** Other nodes' users: user → node → expiry time. */
  private readonly remote = new Map<number, Map<string, number>>();
  private readonly names = new Map<number, string>();
  /** The picture this node has published to its subscribers. */
  private readonly online = new Map<number, { username: string; lastSeen: number }>();
  private readonly offlineChecks = new Map<number, ReturnType<typeof setTimeout>>();
  /** Users whose last socket anywhere was on this node: it records their last_seen. */
  private readonly leftHere = new Set<number>();
  /**
   * Users whose last node stopped beating (it died) rather than saying they
   * left: nobody else will record their last_seen, so every node that sees
   * them expire does (the same user row, a few ms apart).
   */
  private readonly expiredHere = new Set<number>();
  private beat: ReturnType<typeof setInterval> | null = null;
  private readonly now: () => number;
  private readonly heartbeatMs: number;

  constructor(
    private readonly hub: EventHub,
    private readonly options: PresenceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    options.bus?.onMessage((msg, from) => {
      if (msg.t === "presence") this.onRemote(from, msg.online, msg.users);
    });
    options.bus?.onReconnect(() => this.announceAll());
    hub.onMemberJoined((roomId, userId) => this.introduce(roomId, userId));
  }

  start(): void {
    if (!this.options.bus || this.beat) return;
    this.beat = setInterval(() => {
      this.announceAll();
      this.expireRemote();
    }, this.heartbeatMs);
    this.beat.unref();
  }

  connect(userId: number, username: string): void {
    this.names.set(userId, username);
    const e = this.local.get(userId);
    if (e) {
      e.sockets++;
      return;
    }
    this.local.set(userId, { username, sockets: 1 });
    this.leftHere.delete(userId);
    this.expiredHere.delete(userId);
    this.options.bus?.publish({ t: "presence", online: true, users: [[userId, username]] });
    this.recompute(userId);
  }

  disconnect(userId: number): void {
    const e = this.local.get(userId);
    if (!e) return;
    e.sockets--;
    if (e.sockets > 0) return;
    this.local.delete(userId);
    this.leftHere.add(userId);
    this.options.bus?.publish({ t: "presence", online: false, users: [[userId, e.username]] });
    this.recompute(userId);
  }

  isOnline(userId: number): boolean {
    return this.online.has(userId);
  }

  list(): OnlineUser[] {
    return [...this.online].map(([id, e]) => ({ id, username: e.username, lastSeen: e.lastSeen }));
  }

  /**
   * The online users `userId` may know about: those who share a room with
   * them, and themselves if online. The hub's membership picture is the one
   * presence transitions are pushed by, so the list and the pushes agree.
   */
  visibleTo(userId: number): OnlineUser[] {
    const users: OnlineUser[] = [];
    for (const id of this.hub.peersOf(userId)) {
      const e = this.online.get(id);
      if (e) users.push({ id, username: e.username, lastSeen: e.lastSeen });
    }
    return users;
  }

  stop(): void {
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
    for (const t of this.offlineChecks.values()) clearTimeout(t);
    this.offlineChecks.clear();
    this.local.clear();
    this.remote.clear();
    this.online.clear();
    this.expiredHere.clear();
  }

  /**
   * A join makes new peers: the room's members learn that the newcomer is
   * online, and the newcomer learns which members are. Every node does this
   * for its own subscribers as it reads the join from the log.
   */
  private introduce(roomId: number, userId: number): void {
    const newcomer = this.online.get(userId);
    if (newcomer) {
      const event = { type: "presence", userId, username: newcomer.username, online: true, lastSeen: newcomer.lastSeen } as const;
      this.hub.publishLive(event, { roomId, exceptUserId: userId });
    }
    for (const memberId of this.hub.membersOf(roomId)) {
      const member = memberId === userId ? undefined : this.online.get(memberId);
      if (!member) continue;
      const event = { type: "presence", userId: memberId, username: member.username, online: true, lastSeen: member.lastSeen } as const;
      this.hub.publishLive(event, { user: userId });
    }
  }

  private present(userId: number): boolean {
    if (this.local.has(userId)) return true;
    const nodes = this.remote.get(userId);
    if (!nodes) return false;
    const now = this.now();
    for (const expires of nodes.values()) if (expires > now) return true;
    return false;
  }

  private recompute(userId: number): void {
    const present = this.present(userId);
    const shown = this.online.has(userId);
    if (present) {
      const pending = this.offlineChecks.get(userId);
      if (pending) {
        clearTimeout(pending);
        this.offlineChecks.delete(userId);
      }
      if (!shown) {
        const username = this.names.get(userId) ?? "";
        const at = this.now();
        this.online.set(userId, { username, lastSeen: at });
        this.hub.publishLive({ type: "presence", userId, username, online: true, lastSeen: at }, { peersOf: userId });
      }
      return;
    }
    if (!shown || this.offlineChecks.has(userId)) return;
    const timer = setTimeout(() => {
      this.offlineChecks.delete(userId);
      if (!this.present(userId)) this.goOffline(userId);
    }, this.options.graceMs);
    timer.unref();
    this.offlineChecks.set(userId, timer);
  }

  private goOffline(userId: number): void {
    const e = this.online.get(userId);
    if (!e) return;
    this.online.delete(userId);
    this.remote.delete(userId);
    this.names.delete(userId);
    const at = this.now();
    const record = this.leftHere.delete(userId) || this.expiredHere.delete(userId) || !this.options.bus;
    if (record) void this.options.persistLastSeen(userId, at).catch(() => {});
    this.hub.publishLive({ type: "presence", userId, username: e.username, online: false, lastSeen: at }, { peersOf: userId });
  }

  private onRemote(from: string, online: boolean, users: [number, string][]): void {
    const expires = this.now() + 3 * this.heartbeatMs;
    for (const [userId, username] of users) {
      this.names.set(userId, username);
      let nodes = this.remote.get(userId);
      if (online) {
        if (!nodes) {
          nodes = new Map();
          this.remote.set(userId, nodes);
        }
        nodes.set(from, expires);
        this.leftHere.delete(userId);
        this.expiredHere.delete(userId);
      } else {
        nodes?.delete(from);
        if (nodes?.size === 0) this.remote.delete(userId);
      }
      this.recompute(userId);
    }
  }

  private announceAll(): void {
    const bus = this.options.bus;
    if (!bus) return;
    const users: [number, string][] = [...this.local].map(([id, e]) => [id, e.username]);
    for (let i = 0; i < users.length; i += CHUNK) bus.publish({ t: "presence", online: true, users: users.slice(i, i + CHUNK) });
  }

  private expireRemote(): void {
    const now = this.now();
    for (const [userId, nodes] of this.remote) {
      for (const [node, expires] of nodes) if (expires <= now) nodes.delete(node);
      if (nodes.size === 0) this.remote.delete(userId);
      if (!this.present(userId)) {
        if (this.online.has(userId)) this.expiredHere.add(userId);
        this.recompute(userId);
      }
    }
  }
}
