import type { IncomingMessage } from "node:http";
import { type Auth, authenticate } from "./domain/auth.ts";
import { Slots } from "./realtime/admission.ts";
import { CloseCode, type Socket } from "./realtime/connections.ts";
import { clearLongTimeout, type LongTimeout, setLongTimeout } from "./realtime/timers.ts";
import { ReplyBudget } from "./reply-budget.ts";
import type { Services } from "./services.ts";

/**
 * Per-connection state. Over WebSocket it lives as long as the socket, and
 * `auth` changes when the client refreshes its token on that socket, so a
 * refresh never needs a reconnect (and never drops the event stream).
 */
export interface Connection {
  auth: Auth | null;
  socket: Socket | null;
  /** Subscriptions running on the socket; null over HTTP, which serves none. */
  subscriptions: Slots | null;
  /** Queries and mutations under way on the socket; null over HTTP (a request's batch is capped instead). */
  calls: Slots | null;
  /**
   * A batched HTTP request's response budget; null elsewhere (a socket's replies count against its buffer limit).
   * On the connection, not the context: tRPC copies the context into every middleware's and every running
   * subscription's, and a fifth field would give each copy a separate property store.
   */
  readonly replyBudget: ReplyBudget | null;
  setAuth(auth: Auth): void;
}

export interface Context {
  svc: Services;
  conn: Connection;
  clientAddress: string;
}

/**
 * The client's address, for per-address limits. Behind `hops` trusted
 * reverse proxies it is the address the outermost of them saw: X-Forwarded-For
 * `hops` entries from the right (entries further left are whatever the
 * client claimed). With no trusted proxy the header is ignored, so a client
 * cannot choose its own address.
 */
function clientAddress(req: IncomingMessage, hops: number): string {
  const direct = req.socket.remoteAddress ?? "unknown";
  if (hops <= 0) return direct;
  const header = req.headers["x-forwarded-for"];
  const chain = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return chain[Math.max(0, chain.length - hops)] ?? direct;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith("Bearer ") ? h.slice(7) : null;
}

/** `batch`: the request carries several calls (tRPC's `?batch=1`), whose outputs share one response budget. */
export async function createHttpContext(svc: Services, req: IncomingMessage, opts: { batch?: boolean } = {}): Promise<Context> {
  const auth = await authenticate(svc, bearer(req));
  const conn: Connection = {
    auth,
    socket: null,
    subscriptions: null,
    calls: null,
    replyBudget: opts.batch ? new ReplyBudget(svc.config.maxBufferedBytes) : null,
    setAuth(a) {
      conn.auth = a;
    },
  };
  return { svc, conn, clientAddress: clientAddress(req, svc.config.trustProxyHops) };
}

/**
 * WebSocket context: the token comes from `connectionParams` (never the
 * URL). A bad or missing token does not fail the socket — procedures answer
 * UNAUTHORIZED — so a client is told why instead of reconnecting in a loop.
 * A signed-in socket counts for presence, joins the per-user cap, is
 * registered under its session (so that session's logout closes it), and
 * is closed when its access token expires unless refreshed on the socket.
 * However it gains or changes its session — a token at connection,
 * `auth.refresh` on a socket opened without one, a refresh moving it to
 * another session — it goes through `bind`, so no way in skips a control.
 */
export async function createWsContext(
  svc: Services,
  req: IncomingMessage,
  socket: Socket,
  connectionParams: Readonly<Record<string, string | undefined>> | null,
): Promise<Context> {
  const token = connectionParams?.token;
  const auth = await authenticate(svc, typeof token === "string" ? token : null);
  const conn = new SocketConnection(svc, socket, auth);
  if (socket.readyState === 1) {
    socket.once("close", () => conn.closed());
    if (auth) conn.bind(auth);
  }
  return { svc, conn, clientAddress: clientAddress(req, svc.config.trustProxyHops) };
}

const expire = (socket: Socket) => socket.close(4002, "access token expired");

/** A WebSocket's connection: one object per socket (its methods are shared, not closures per socket). */
class SocketConnection implements Connection {
  readonly subscriptions: Slots;
  readonly calls: Slots;
  private expiry: LongTimeout | null = null;
  /** What the socket is registered under (connections, presence); null until it signs in. */
  private registered: Auth | null = null;

  constructor(
    private readonly svc: Services,
    readonly socket: Socket,
    public auth: Auth | null,
  ) {
    this.subscriptions = new Slots(svc.config.maxSubscriptionsPerSocket, "subscriptions per connection: stop one first");
    this.calls = new Slots(svc.config.maxCallsPerSocket, "calls under way per connection: wait for replies");
  }

  /** A socket's replies count against its buffer limit (socket-guard in apps/server), not a budget. */
  get replyBudget(): null {
    return null;
  }

  setAuth(a: Auth): void {
    this.auth = a;
    this.bind(a);
  }

  /** Registers the socket under its (new) session and arms its expiry. */
  bind(a: Auth): void {
    const { svc, socket, registered } = this;
    // A socket that already closed has run its close handler: registering it now would leak.
    if (socket.readyState !== 1) return;
    if (registered && registered.userId !== a.userId) this.unregister();
    if (!this.registered) {
      if (!svc.connections.add(socket, a.userId, a.sessionId)) {
        socket.close(CloseCode.tooManyConnections, "too many connections for this user");
        return;
      }
      svc.presence.connect(a.userId, a.username);
    } else if (this.registered.sessionId !== a.sessionId) {
      svc.connections.move(socket, this.registered.sessionId, a.sessionId);
    }
    this.registered = a;
    if (this.expiry) clearLongTimeout(this.expiry);
    this.expiry = setLongTimeout(expire, a.expiresAt - svc.now(), socket);
    // Revoked between the check that let it in and now (a logout racing this refresh).
    if (svc.revokedSessions.has(a.sessionId)) socket.close(CloseCode.loggedOut, "logged out");
  }

  /** The socket closed. */
  closed(): void {
    if (this.expiry) clearLongTimeout(this.expiry);
    this.expiry = null;
    this.unregister();
  }

  private unregister(): void {
    const r = this.registered;
    if (!r) return;
    this.svc.connections.remove(this.socket, r.userId, r.sessionId);
    this.svc.presence.disconnect(r.userId);
    this.registered = null;
  }
}
