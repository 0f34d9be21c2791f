import type { IncomingMessage } from "node:http";
import { type Auth, authenticate } from "./domain/auth.ts";
import { Slots } from "./realtime/admission.ts";
import { CloseCode, type Socket } from "./realtime/connections.ts";
import { type LongTimeout, setLongTimeout } from "./realtime/timers.ts";
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
  setAuth(auth: Auth): void;
}

export interface Context {
  svc: Services;
  conn: Connection;
  clientAddress: string;
  /** A batched HTTP request's response budget; null elsewhere (a socket's replies count against its buffer limit). */
  replyBudget: ReplyBudget | null;
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
    setAuth(a) {
      conn.auth = a;
    },
  };
  const replyBudget = opts.batch ? new ReplyBudget(svc.config.maxBufferedBytes) : null;
  return { svc, conn, clientAddress: clientAddress(req, svc.config.trustProxyHops), replyBudget };
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
  let expiry: LongTimeout | null = null;
  /** What the socket is registered under (connections, presence); null until it signs in. */
  let registered: Auth | null = null;
  const unregister = () => {
    if (!registered) return;
    svc.connections.remove(socket, registered.userId, registered.sessionId);
    svc.presence.disconnect(registered.userId);
    registered = null;
  };
  const bind = (a: Auth) => {
    // A socket that already closed has run its close handler: registering it now would leak.
    if (socket.readyState !== 1) return;
    if (registered && registered.userId !== a.userId) unregister();
    if (!registered) {
      if (!svc.connections.add(socket, a.userId, a.sessionId)) {
        socket.close(CloseCode.tooManyConnections, "too many connections for this user");
        return;
      }
      svc.presence.connect(a.userId, a.username);
    } else if (registered.sessionId !== a.sessionId) {
      svc.connections.move(socket, registered.sessionId, a.sessionId);
    }
    registered = a;
    expiry?.clear();
    expiry = setLongTimeout(() => socket.close(4002, "access token expired"), a.expiresAt - svc.now());
    // Revoked between the check that let it in and now (a logout racing this refresh).
    if (svc.revokedSessions.has(a.sessionId)) socket.close(CloseCode.loggedOut, "logged out");
  };
  const conn: Connection = {
    auth,
    socket,
    subscriptions: new Slots(svc.config.maxSubscriptionsPerSocket, `at most ${svc.config.maxSubscriptionsPerSocket} subscriptions per connection: stop one first`),
    calls: new Slots(svc.config.maxCallsPerSocket, `at most ${svc.config.maxCallsPerSocket} calls under way per connection: wait for replies`),
    setAuth(a) {
      conn.auth = a;
      bind(a);
    },
  };
  if (socket.readyState === 1) {
    socket.once("close", () => {
      expiry?.clear();
      unregister();
    });
    if (auth) bind(auth);
  }
  return { svc, conn, clientAddress: clientAddress(req, svc.config.trustProxyHops), replyBudget: null };
}
