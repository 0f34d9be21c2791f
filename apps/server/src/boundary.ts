import { type IncomingMessage, type Server, STATUS_CODES, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { HttpRefusal, parseHost, parseTarget, type RequestHost, type RequestTarget } from "./request-target.ts";

/**
 * The one error boundary around every way into the HTTP server: requests,
 * WebSocket upgrades, and what Node's parser refuses before either
 * (`clientError`). Whatever a handler throws or rejects with becomes a 4xx
 * (an HttpRefusal: the client's fault) or a logged 500, on that request
 * only; it never reaches the process. Each request's target and Host are
 * parsed here, once, so every handler sees the same checked values.
 */

/** What the edge has checked about a request. `req.url` is rewritten to the normalised origin-form. */
export interface Edge {
  target: RequestTarget;
  host: RequestHost | null;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, edge: Edge) => void | Promise<void>;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, edge: Edge) => void | Promise<void>;

function checkRequest(req: IncomingMessage): Edge {
  const target = parseTarget(req.url);
  const host = parseHost(req, target);
  req.url = `${target.pathname}${target.search}`;
  return { target, host };
}

/** A status line and nothing else, for a socket that is not (or no longer) driven by Node's http module. */
export function rawResponse(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

/** The path only, for logs: query strings may carry procedure input. */
const pathOf = (req: IncomingMessage) => (req.url ?? "").split("?")[0]?.slice(0, 200);

export function serveSafely(server: Server, logger: Logger, handlers: { request: RequestHandler; upgrade: UpgradeHandler }): void {
  // Sockets with a response under way: a parse error on a pipelined request must not write into it.
  const busy = new WeakSet<Duplex>();

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    busy.add(req.socket);
    res.once("close", () => busy.delete(req.socket));
    const fail = (err: unknown) => {
      if (err instanceof HttpRefusal) {
        logger.debug({ method: req.method, path: pathOf(req), status: err.status, reason: err.reason }, "request refused");
      } else {
        logger.error({ err, method: req.method, path: pathOf(req) }, "request failed");
      }
      const status = err instanceof HttpRefusal ? err.status : 500;
      if (res.headersSent) {
        // Half an answer cannot be turned into an error: cut the connection so the client sees it failed.
        res.destroy();
        return;
      }
      const body = err instanceof HttpRefusal ? err.reason : "internal error";
      res
        .writeHead(status, {
          "content-type": "text/plain; charset=utf-8",
          "content-length": Buffer.byteLength(body),
          connection: "close",
          ...(err instanceof HttpRefusal ? err.headers : {}),
        })
        .end(body);
    };
    try {
      const done = handlers.request(req, res, checkRequest(req));
      if (done) done.catch(fail);
    } catch (err) {
      fail(err);
    }
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node drops its own error listener from an upgraded socket: without one, a reset there would be an uncaught error.
    socket.on("error", (err) => logger.debug({ err }, "upgrade socket error"));
    const fail = (err: unknown) => {
      if (!(err instanceof HttpRefusal)) logger.error({ err, path: pathOf(req) }, "upgrade failed");
      if (socket.writable) socket.end(rawResponse(err instanceof HttpRefusal ? err.status : 500));
      else socket.destroy();
    };
    try {
      const done = handlers.upgrade(req, socket, head, checkRequest(req));
      if (done) done.catch(fail);
    } catch (err) {
      fail(err);
    }
  });

  // Node's parser refused the request line or headers (or timed them out): answer and close, as Node
  // would, but never into a response already under way on that socket, and logged.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === "ECONNRESET" || !socket.writable || busy.has(socket)) {
      socket.destroy();
      return;
    }
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    logger.debug({ code: err.code, status }, "malformed request");
    socket.end(rawResponse(status));
  });

  // Accept errors (EMFILE when out of descriptors) are emitted on the server: without a listener they end the process.
  server.on("error", (err) => logger.error({ err }, "http server error"));
}
