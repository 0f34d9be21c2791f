import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { appRouter, createHttpContext, type Services } from "@parley/api";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Logger } from "pino";
import type { Metrics } from "./metrics.ts";
import { originAllowed } from "./origins.ts";
import { serveStatic } from "./static.ts";

export interface HttpDeps {
  svc: Services;
  allowedOrigins: readonly string[];
  webDir: string | null;
  logger: Logger;
  isReady: () => boolean;
  /** Database and bus reachability, for /readyz. */
  checkBackends?: () => Promise<{ database: boolean; bus: boolean }>;
  /** Prometheus metrics at /metrics; null turns the route off. */
  metrics?: Metrics | null;
  /** Calls one request may batch (default 20); more are refused with BAD_REQUEST. */
  maxBatchSize?: number;
}

/** A caller's X-Request-Id if it looks like one, else a new id; echoed back and put on every log line. */
const requestIds = new WeakMap<IncomingMessage, string>();
function requestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  const id = typeof given === "string" && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  requestIds.set(req, id);
  return id;
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

/** Routes: /healthz, /trpc (queries and mutations, Bearer token, CORS), and the web app. */
export function createRequestHandler(deps: HttpDeps) {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    // Far above any valid input (a message is ≤ 16 KB of UTF-8); bigger bodies get 413.
    maxBodySize: 256 * 1024,
    // A batch multiplies one request's work and response; its outputs also share a byte budget (api reply-budget.ts).
    maxBatchSize: deps.maxBatchSize ?? 20,
    createContext: ({ req, info }) => createHttpContext(deps.svc, req, { batch: info.isBatchCall }),
    onError: ({ error, path, req }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        deps.logger.error({ err: error.cause ?? error, path, reqId: requestIds.get(req) }, "procedure failed");
      }
    },
  });

  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const reqId = requestId(req);
    res.setHeader("x-request-id", reqId);
    const started = performance.now();
    res.once("finish", () => {
      // The path only: query strings may carry procedure input.
      const path = url.split("?")[0];
      if (path === "/healthz" || path === "/readyz" || path === "/metrics") return;
      deps.logger.debug({ reqId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, "request");
    });
    if (url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
      return;
    }
    if (url === "/readyz") {
      if (!deps.isReady()) {
        json(res, 503, { ready: false, draining: true });
        return;
      }
      const check = deps.checkBackends ?? (async () => ({ database: true, bus: true }));
      void check().then(
        (c) => json(res, c.database && c.bus ? 200 : 503, { ready: c.database && c.bus, ...c }),
        () => json(res, 503, { ready: false }),
      );
      return;
    }
    if (url === "/metrics" && deps.metrics) {
      const m = deps.metrics;
      void m.render().then(
        (body) => res.writeHead(200, { "content-type": m.contentType }).end(body),
        (err) => {
          deps.logger.error({ err, reqId }, "metrics failed");
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (url.startsWith("/trpc/")) {
      const origin = req.headers.origin;
      if (origin !== undefined) {
        if (!originAllowed(req, deps.allowedOrigins)) {
          res.writeHead(403).end("origin not allowed");
          return;
        }
        res.setHeader("access-control-allow-origin", origin);
        res.setHeader("vary", "origin");
        res.setHeader("access-control-allow-headers", "authorization, content-type, trpc-accept");
        res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
        res.setHeader("access-control-max-age", "600");
      }
      if (req.method === "OPTIONS") {
        res.writeHead(204).end();
        return;
      }
      trpc(req, res);
      return;
    }
    if (deps.webDir && serveStatic(deps.webDir, req, res)) return;
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  };
}
