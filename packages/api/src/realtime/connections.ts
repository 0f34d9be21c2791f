/** The part of a WebSocket the api needs: `ws`'s WebSocket fits it. */
export interface Socket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  close(code?: number, reason?: string): void;
  send(data: string | Buffer, options?: { binary?: boolean }): void;
  once(event: "close", listener: () => void): unknown;
}

/** Close codes the client library understands. */
export const CloseCode = {
  loggedOut: 4001,
  tooManyConnections: 4008,
  slowConsumer: 4009,
  shuttingDown: 1012,
} as const;

/** Open sockets by session and by user: logout closes a session's sockets; a cap per user holds. */
export class Connections {
  private readonly bySession = new Map<string, Set<Socket>>();
  private readonly perUser = new Map<number, number>();
  private readonly registered = new WeakSet<Socket>();

  constructor(private readonly maxPerUser: number) {}

  /** Registers an authenticated socket; false when the user is over the cap. */
  add(socket: Socket, userId: number, sessionId: string): boolean {
    const n = this.perUser.get(userId) ?? 0;
    if (n >= this.maxPerUser) return false;
    this.perUser.set(userId, n + 1);
    this.registered.add(socket);
    const set = this.bySession.get(sessionId) ?? new Set<Socket>();
    set.add(socket);
    this.bySession.set(sessionId, set);
    return true;
  }

  /** True once the socket has authenticated. */
  has(socket: Socket): boolean {
    return this.registered.has(socket);
  }

  /** The socket now belongs to another session of the same user (a refresh on it). */
  move(socket: Socket, from: string, to: string): void {
    const old = this.bySession.get(from);
    if (old?.delete(socket) && old.size === 0) this.bySession.delete(from);
    const set = this.bySession.get(to) ?? new Set<Socket>();
    set.add(socket);
    this.bySession.set(to, set);
  }

  remove(socket: Socket, userId: number, sessionId: string): void {
    this.registered.delete(socket);
    const set = this.bySession.get(sessionId);
    if (set?.delete(socket) && set.size === 0) this.bySession.delete(sessionId);
    const n = (this.perUser.get(userId) ?? 1) - 1;
    if (n <= 0) this.perUser.delete(userId);
    else this.perUser.set(userId, n);
  }

  /** Closes every socket of a session (after the current reply has gone out). */
  closeSession(sessionId: string, code: number, reason: string): void {
    const set = this.bySession.get(sessionId);
    if (!set) return;
    setImmediate(() => {
      for (const s of set) s.close(code, reason);
    });
  }

  /** Sessions with at least one open socket here. */
  sessionIds(): string[] {
    return [...this.bySession.keys()];
  }

  count(): number {
    let n = 0;
    for (const set of this.bySession.values()) n += set.size;
    return n;
  }
}
