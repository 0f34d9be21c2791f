import type { EventHub } from "./hub.ts";

interface Entry {
  username: string;
  sockets: number;
  offlineTimer: ReturnType<typeof setTimeout> | null;
  lastSeen: number | null;
}

export interface OnlineUser {
  id: number;
  username: string;
  lastSeen: number | null;
}

/**
 * Online while at least one socket is open; offline `graceMs` after the last
 * one closes, so a page reload does not flap. Presence is live-only.
 */
export class Presence {
  private readonly users = new Map<number, Entry>();

  constructor(
    private readonly hub: EventHub,
    private readonly graceMs: number,
    private readonly persistLastSeen: (userId: number, at: number) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  connect(userId: number, username: string): void {
    const e = this.users.get(userId);
    if (e) {
      e.sockets++;
      if (e.offlineTimer) {
        clearTimeout(e.offlineTimer);
        e.offlineTimer = null;
      }
      return;
    }
    this.users.set(userId, { username, sockets: 1, offlineTimer: null, lastSeen: this.now() });
    this.hub.publishLive({ type: "presence", userId, username, online: true, lastSeen: this.now() }, { everyone: true });
  }

  disconnect(userId: number): void {
    const e = this.users.get(userId);
    if (!e) return;
    e.sockets--;
    if (e.sockets > 0) return;
    e.offlineTimer = setTimeout(() => this.goOffline(userId), this.graceMs);
  }

  isOnline(userId: number): boolean {
    return this.users.has(userId);
  }

  list(): OnlineUser[] {
    return [...this.users].map(([id, e]) => ({ id, username: e.username, lastSeen: e.lastSeen }));
  }

  stop(): void {
    for (const e of this.users.values()) if (e.offlineTimer) clearTimeout(e.offlineTimer);
    this.users.clear();
  }

  private goOffline(userId: number): void {
    const e = this.users.get(userId);
    if (!e || e.sockets > 0) return;
    this.users.delete(userId);
    const at = this.now();
    void this.persistLastSeen(userId, at).catch(() => {});
    this.hub.publishLive({ type: "presence", userId, username: e.username, online: false, lastSeen: at }, { everyone: true });
  }
}
