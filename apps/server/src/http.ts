import type { IncomingMessage, ServerResponse } from "node:http";
import { appRouter, createHttpContext, type Services } from "@parley/api";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Logger } from "pino";
import { originAllowed } from "./origins.ts";
import { serveStatic } from "./static.ts";

export interface HttpDeps {
  svc: Services;
  allowedOrigins: readonly string[];
  webDir: string | null;
  logger: Logger;
  isReady: () => boolean;
}

/** Routes: /healthz, /trpc (queries and mutations, Bearer token, CORS), and the web app. */
export function createRequestHandler(deps: HttpDeps) {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    // Far above any valid input (a message is ≤ 16 KB of UTF-8); bigger bodies get 413.
    maxBodySize: 256 * 1024,
    createContext: ({ req }) => createHttpContext(deps.svc, req),
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") deps.logger.error({ err: error.cause ?? error, path }, "procedure failed");
    },
  });

  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    if (url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
      return;
    }
    if (url === "/readyz") {
      const ready = deps.isReady();
      res.writeHead(ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ready }));
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
