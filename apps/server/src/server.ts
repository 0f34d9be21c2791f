import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServices, defaultApiConfig, type Services } from "@parley/api";
import type { Logger } from "pino";
import { describeDatabase, openBackends } from "./backends.ts";
import type { ServerConfig } from "./config.ts";
import { createRequestHandler } from "./http.ts";
import { createMetrics } from "./metrics.ts";
import { attachWebSocket } from "./ws.ts";

export interface RunningServer {
  port: number;
  /** http://host:port */
  url: string;
  svc: Services;
  /** Graceful: stop accepting, tell clients to reconnect, finish writes, close the database. */
  close(): Promise<void>;
}

/** Wiring choices that are not settings: tests use them to compare two ways of serving the same call. */
export interface ServerWiring {
  /** Serve `messages.send` on WebSockets through the lean endpoint (default true). */
  leanSend?: boolean;
}

/** Wires the database, services, HTTP and WebSocket servers. No business rule lives here. */
export async function startServer(config: ServerConfig, logger: Logger, wiring: ServerWiring = {}): Promise<RunningServer> {
  const metrics = createMetrics(config.nodeId);
  const backends = await openBackends(config, logger, metrics.onQuery);
  const { handle, bus } = backends;
  const svc = createServices(
    handle.db,
    {
      ...defaultApiConfig,
      secretKey: config.secretKey,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
      trustProxyHops: config.trustProxyHops,
      bcryptCost: config.bcryptCost,
      sendBurst: config.sendBurst,
      sendPerSecond: config.sendPerSecond,
      loginFailuresPerUser: config.limits.loginFailuresPerUser,
      loginFailuresPerIp: config.limits.loginFailuresPerIp,
      maxSocketsPerUser: config.limits.maxSocketsPerUser,
      maxReplay: config.limits.maxReplay,
      maxBufferedBytes: config.limits.maxBufferedBytes,
      maxQueuedEvents: config.limits.maxQueuedEvents,
      editWindowSeconds: config.editWindowSeconds,
    },
    {
      onError: (err) => logger.error({ err }, "event hub failed to read the log"),
      bus: bus ?? undefined,
      presenceHeartbeatMs: config.presenceHeartbeatMs,
      observer: metrics.observer,
      writeTransaction: handle.writeTransaction,
    },
  );
  await svc.start();
  metrics.bind(svc);

  let ready = true;
  const http = createServer(
    createRequestHandler({
      svc,
      allowedOrigins: config.allowedOrigins,
      webDir: config.webDir,
      logger,
      isReady: () => ready,
      checkBackends: backends.check,
      metrics: config.metrics ? metrics : null,
    }),
  );
  // Bounded headers and timeouts: a flood of headers or a slowloris does not pin the process.
  http.maxHeadersCount = 100;
  http.headersTimeout = 10_000;
  http.requestTimeout = 30_000;
  const ws = attachWebSocket(http, {
    svc,
    allowedOrigins: config.allowedOrigins,
    logger,
    maxPayload: config.limits.wsMaxPayload,
    authTimeoutMs: config.limits.wsAuthTimeoutMs,
    pingMs: config.limits.wsPingMs,
    pongWaitMs: config.limits.wsPongWaitMs,
    leanSend: wiring.leanSend,
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  logger.info(
    { port, database: describeDatabase(config), bus: bus?.kind ?? "none" },
    "parley listening",
  );

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      ready = false;
      http.close();
      ws.broadcastReconnect();
      await svc.inflight.idle(5000);
      for (const client of ws.wss.clients) client.close(1012, "server restarting");
      svc.stop();
      http.closeAllConnections();
      await backends.close();
      logger.info("parley stopped");
    })();
    return closing;
  };

  return { port, url: `http://${host}:${port}`, svc, close };
}
