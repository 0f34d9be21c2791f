import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { appRouter, type Context, createWsContext, encodeReply, SendEndpoint, type Services, StreamEndpoint } from "@parley/api";
import { applyWSSHandler, jsonEncoder } from "@trpc/server/adapters/ws";
import type { Logger } from "pino";
import { type ServerOptions, WebSocketServer } from "ws";
import type { Edge } from "./boundary.ts";
import type { OriginPolicy } from "./origins.ts";
import { HttpRefusal } from "./request-target.ts";
import { GuardedSocket } from "./socket-guard.ts";

export interface WsOptions {
  svc: Services;
  origins: OriginPolicy;
  logger: Logger;
  /** Largest frame accepted; a bigger one closes that socket with 1009. */
  maxPayload?: number;
  /** Calls one frame may batch (default 20); a longer batch gets BAD_REQUEST for each of its ids. */
  maxBatchSize?: number;
  /** How long a closing socket may take to finish the handshake before it is destroyed. */
  closeTimeoutMs?: number;
  /** A socket that has not authenticated by then is closed. */
  authTimeoutMs?: number;
  /** Serve `messages.send` through the lean endpoint (default true); false leaves it to tRPC (tests compare the two). */
  leanSend?: boolean | undefined;
  /** Keep-alive: a peer that does not answer a ping within `pongWaitMs` is terminated. */
  pingMs?: number;
  pongWaitMs?: number;
}

/** `ws` marks the errors of a frame it refused with a `WS_ERR_…` code. */
function isPeerProtocolError(err: unknown): boolean {
  return err instanceof Error && "code" in err && typeof err.code === "string" && err.code.startsWith("WS_ERR_");
}

/**
 * WebSocket at /ws. We route upgrades ourselves: that is where the Host and
 * Origin checks live (DNS rebinding, cross-site WebSocket hijacking), and
 * other paths are refused. The returned `upgrade` runs inside the edge's
 * boundary (boundary.ts), which parses the target and Host first.
 */
export function createWebSocket(opts: WsOptions) {
  // closeTimeout (ws ≥ 8.19, not yet in @types/ws): a peer that does not finish
  // the closing handshake — a slow reader cut off with 4009, a dead peer after
  // logout — is destroyed after 2 s instead of holding its buffers for 30 s.
  const options: ServerOptions<typeof GuardedSocket> & { closeTimeout: number } = {
    noServer: true,
    // Every socket is guarded (socket-guard.ts).
    WebSocket: GuardedSocket,
    maxPayload: opts.maxPayload ?? 64 * 1024,
    closeTimeout: opts.closeTimeoutMs ?? 2000,
  };
  const wss = new WebSocketServer(options);
  // Each socket's context, for the events.stream endpoint below.
  const contexts = new WeakMap<object, Promise<Context>>();
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    // tRPC answers a longer batch with BAD_REQUEST for each id, before parsing any input.
    maxBatchSize: opts.maxBatchSize ?? 100,
    createContext: ({ req, res, info }) => {
      const ctx = createWsContext(opts.svc, req, res, info.connectionParams);
      contexts.set(res, ctx);
      return ctx;
    },
    keepAlive: { enabled: true, pingMs: opts.pingMs ?? 15_000, pongWaitMs: opts.pongWaitMs ?? 5_000 },
    // Plain JSON, with a reply's pre-built text spliced in as it is (api pre-encoded.ts: rooms.list), plus
    // a look at each outgoing message so a caught-up events.stream can learn its subscription id and be
    // served by the hub's fan-out (api realtime/fanout.ts).
    experimental_encoder: {
      encode: (msg) => {
        opts.svc.hub.streamIds.observe(msg);
        return encodeReply(msg);
      },
      decode: jsonEncoder.decode,
    },
    onError: ({ error, path }) => {
      if (error.code !== "INTERNAL_SERVER_ERROR") return;
      // A peer that breaks the WebSocket protocol (bad frame bits, bad UTF-8, oversized frame) is the peer's
      // error, not the server's: `ws` closes that socket and tRPC reports it here; the fuzz test found one.
      if (isPeerProtocolError(error.cause)) opts.logger.debug({ err: error.cause, path }, "peer broke the WebSocket protocol");
      else opts.logger.error({ err: error.cause ?? error, path }, "procedure failed");
    },
  });

  wss.on("connection", (socket) => {
    // events.stream subscriptions are served by a lean endpoint (api realtime/stream-endpoint.ts);
    // every other frame reaches tRPC's handler as usual.
    const streams = new StreamEndpoint(
      appRouter,
      socket,
      () => contexts.get(socket),
      (msg) => opts.svc.hub.streamIds.observe(msg),
      (error) => {
        if (error.code === "INTERNAL_SERVER_ERROR") opts.logger.error({ err: error.cause ?? error, path: "events.stream" }, "procedure failed");
      },
    );
    // messages.send, the hottest call, skips tRPC's per-call machinery too (api realtime/send-endpoint.ts).
    const sends =
      opts.leanSend === false
        ? null
        : new SendEndpoint(appRouter, socket, () => contexts.get(socket), (error) => {
            if (error.code === "INTERNAL_SERVER_ERROR") opts.logger.error({ err: error.cause ?? error, path: "messages.send" }, "procedure failed");
          });
    socket.guard({
      maxBufferedBytes: opts.svc.config.maxBufferedBytes,
      take: (frame) => sends?.handle(frame) === true || streams.handle(frame),
    });
    socket.once("close", () => streams.closeAll());
    socket.on("error", () => socket.terminate());
    const timer = setTimeout(() => {
      if (!opts.svc.connections.has(socket)) socket.close(4003, "authenticate within the time limit");
    }, opts.authTimeoutMs ?? 15_000);
    socket.once("close", () => clearTimeout(timer));
  });

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, edge: Edge) => {
    if (edge.target.pathname !== "/ws") throw new HttpRefusal(404, "not found");
    if (!opts.origins.hostAllowed(edge.host)) throw new HttpRefusal(421, "unknown host");
    if (!opts.origins.originAllowed(req.headers.origin)) throw new HttpRefusal(403, "origin not allowed");
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  };

  return {
    wss,
    upgrade,
    /** Tells every client to reconnect (elsewhere, or here after a restart). */
    broadcastReconnect: () => handler.broadcastReconnectNotification(),
  };
}
