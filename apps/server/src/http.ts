import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { appRouter, createHttpContext, type Services } from "@parley/api";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Logger } from "pino";
import type { Edge } from "./boundary.ts";
import type { FileRoutes } from "./files/index.ts";
import type { Metrics } from "./metrics.ts";
import type { OriginPolicy } from "./origins.ts";
import { HttpRefusal } from "./request-target.ts";
import { serveCommandResponse } from "./command-responses.ts";
import { serveHook } from "./hooks.ts";
import { createStaticFiles } from "./static.ts";

export interface HttpDeps {
  svc: Services;
  origins: OriginPolicy;
  webDir: string | null;
  logger: Logger;
  isReady: () => boolean;
  /** Database and bus reachability, for /readyz. */
  checkBackends?: () => Promise<{ database: boolean; bus: boolean }>;
  /** Prometheus metrics at /metrics; null turns the route off. */
  metrics?: Metrics | null;
  /** Who may read /metrics (metrics-access.ts); without it, nobody. */
  metricsAllowed?: (req: IncomingMessage, hostKnown: boolean) => boolean;
  /** Calls one request may batch (default 100); more are refused with BAD_REQUEST. */
  maxBatchSize?: number;
  /** Uploads and downloads under /files (files/routes.ts); without it, none. */
  files?: FileRoutes;
  /** FILES_ORIGIN, which the web app's CSP then allows (issue 16). */
  filesOrigin?: string | null;
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

/**
 * Routes: /healthz, /readyz, /metrics, /trpc (queries and mutations, Bearer
 * token, CORS), and the web app. Runs inside the edge's boundary
 * (boundary.ts): the target and Host arrive parsed, and a throw here is a
 * 500 for this request only.
 */
export function createRequestHandler(deps: HttpDeps) {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    // Far above any valid input (a message is ≤ 16 KB of UTF-8); bigger bodies get 413.
    maxBodySize: 256 * 1024,
    // A batch multiplies one request's work and response; its outputs also share a byte budget (api reply-budget.ts).
    maxBatchSize: deps.maxBatchSize ?? 100,
    createContext: ({ req, info }) => createHttpContext(deps.svc, req, { batch: info.isBatchCall }),
    onError: ({ error, path, req }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        deps.logger.error({ err: error.cause ?? error, path, reqId: requestIds.get(req) }, "procedure failed");
      }
    },
  });

  const serveStatic = deps.webDir ? createStaticFiles(deps.webDir, { filesOrigin: deps.filesOrigin ?? null }) : null;

  return async (req: IncomingMessage, res: ServerResponse, edge: Edge) => {
    const path = edge.target.pathname;
    const reqId = requestId(req);
    res.setHeader("x-request-id", reqId);
    const started = performance.now();
    res.once("finish", () => {
      if (path === "/healthz" || path === "/readyz" || path === "/metrics") return;
      deps.logger.debug({ reqId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, "request");
    });
    // Liveness and readiness say nothing about anyone: load balancers and probes address them by IP, so any Host may ask.
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
      return;
    }
    if (path === "/readyz") {
      if (!deps.isReady()) {
        json(res, 503, { ready: false, draining: true });
        return;
      }
      const check = deps.checkBackends ?? (async () => ({ database: true, bus: true }));
      const c = await check().catch(() => null);
      if (c === null) json(res, 503, { ready: false });
      else json(res, c.database && c.bus ? 200 : 503, { ready: c.database && c.bus, ...c });
      return;
    }
    // FILES_ORIGIN: a host of its own that serves signed downloads and nothing else.
    if (deps.files?.isFilesHost(edge.host)) {
      await deps.files.handleFilesHost(req, res, edge);
      return;
    }
    const hostKnown = deps.origins.hostAllowed(edge.host);
    if (path === "/metrics" && deps.metrics) {
      // Refused exactly like a route that does not exist.
      if (!deps.metricsAllowed?.(req, hostKnown)) throw new HttpRefusal(404, "not found");
      const m = deps.metrics;
      const body = await m.render();
      res.writeHead(200, { "content-type": m.contentType }).end(body);
      return;
    }
    // DNS rebinding: a page on a name that resolves here must get nothing, whatever its Origin says.
    if (!hostKnown) throw new HttpRefusal(421, "unknown host");
    if (path.startsWith("/trpc/")) {
      const origin = req.headers.origin;
      if (origin !== undefined) {
        if (!deps.origins.originAllowed(origin)) throw new HttpRefusal(403, "origin not allowed");
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
      // tRPC turns a method fetch() cannot carry (TRACE, CONNECT) into a 500: only its own two reach it.
      if (req.method !== "GET" && req.method !== "POST") throw new HttpRefusal(405, "method not allowed", { allow: "GET, POST, OPTIONS" });
      trpc(req, res);
      return;
    }
    if (deps.files && edge.target.segments[0] === "files") {
      await deps.files.handle(req, res, edge);
      return;
    }
    if (edge.target.segments[0] === "hooks") {
      await serveHook(deps.svc, edge.target.segments, req, res);
      return;
    }
    if (edge.target.segments[0] === "command-responses") {
      await serveCommandResponse(deps.svc, edge.target.segments, req, res);
      return;
    }
    if (serveStatic && (await serveStatic(edge.target.segments, req, res))) return;
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  };
}
