import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServices, defaultApiConfig, OutgoingWorker, type Services } from "@parley/api";
import type { Logger } from "pino";
import { describeDatabase, openBackends } from "./backends.ts";
import type { ServerConfig } from "./config.ts";
import { serveSafely } from "./boundary.ts";
import { avatarMaker, createFileRoutes, createThumbnails, type FileStorage, fileBlobs, openStorage, startSweeper } from "./files/index.ts";
import { createRequestHandler } from "./http.ts";
import { createMetrics } from "./metrics.ts";
import { createMetricsAccess } from "./metrics-access.ts";
import { createOriginPolicy } from "./origins.ts";
import { createWebSocket } from "./ws.ts";

export interface RunningServer {
  port: number;
  /** http://host:port */
  url: string;
  svc: Services;
  /** Where uploaded files are stored (issue 16). */
  storage: FileStorage;
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
  const storage = await openStorage(config.files).catch(async (err: unknown) => {
    await backends.close();
    throw err;
  });
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
      roomCreateBurst: config.limits.roomCreateBurst,
      roomCreatePerHour: config.limits.roomCreatePerHour,
      loginConcurrencyPerIp: config.limits.loginConcurrencyPerIp,
      registrationsPerIp: config.limits.registrationsPerIp,
      maxSocketsPerUser: config.limits.maxSocketsPerUser,
      maxReplay: config.limits.maxReplay,
      maxBufferedBytes: config.limits.maxBufferedBytes,
      maxQueuedEvents: config.limits.maxQueuedEvents,
      maxSubscriptionsPerSocket: config.limits.maxSubscriptionsPerSocket,
      maxCallsPerSocket: config.limits.maxCallsPerSocket,
      editWindowSeconds: config.editWindowSeconds,
      defaultRoom: config.defaultRoom,
      push: config.push,
      webhookAllowHosts: config.webhookAllowHosts,
      serverAdmins: config.serverAdmins,
      registration: config.registration,
      registrationEmailDomains: config.registrationEmailDomains,
    },
    {
      onError: (err) => logger.error({ err }, "event hub failed to read the log"),
      bus: bus ?? undefined,
      presenceHeartbeatMs: config.presenceHeartbeatMs,
      searchIndexDelayMs: config.searchIndexDelayMs,
      observer: metrics.observer,
      writeTransaction: handle.writeTransaction,
      searchLog: (fields, message) => logger.info(fields, message),
      fileBlobs: fileBlobs(storage, logger),
      // Slash commands' response URLs (issue 17): PUBLIC_URL, else this process's own address once listening.
      publicOrigin: () => config.publicUrl ?? `http://${urlHost(ownHost(config.host))}:${port}`,
      avatars: avatarMaker(storage, config.files.maxImagePixels, logger),
    },
  );
  await svc.start();
  metrics.bind(svc);
  const outgoing = new OutgoingWorker(svc, {
    allowHosts: config.webhookAllowHosts,
    onError: (err) => logger.warn({ err }, "outgoing webhooks"),
  });
  await outgoing.start();

  let ready = true;
  // Known once listening (tests listen on port 0); the origin policy reads it on first use.
  let port = 0;
  const origins = createOriginPolicy({ publicUrl: config.publicUrl, allowedOrigins: config.allowedOrigins, bindHost: config.host }, () => port);
  const files = createFileRoutes({
    svc,
    storage,
    thumbnails: createThumbnails(storage, config.files.maxImagePixels),
    config: config.files,
    origins,
    secretKey: config.secretKey,
    logger,
  });
  const sweeper = startSweeper(svc, storage, logger);
  const requests = createRequestHandler({
    files,
    svc,
    origins,
    webDir: config.webDir,
    filesOrigin: config.files.filesOrigin,
    logger,
    isReady: () => ready,
    checkBackends: backends.check,
    metrics: config.metrics ? metrics : null,
    metricsAllowed: createMetricsAccess({ token: config.metricsToken, trustProxyHops: config.trustProxyHops }),
    maxBatchSize: config.limits.maxBatchSize,
  });
  const ws = createWebSocket({
    svc,
    origins,
    logger,
    maxPayload: config.limits.wsMaxPayload,
    maxBatchSize: config.limits.maxBatchSize,
    authTimeoutMs: config.limits.wsAuthTimeoutMs,
    pingMs: config.limits.wsPingMs,
    pongWaitMs: config.limits.wsPongWaitMs,
    leanSend: wiring.leanSend,
  });
  const http = createServer();
  // Every entry point (requests, upgrades, parser errors) inside one error boundary.
  serveSafely(http, logger, { request: requests, upgrade: ws.upgrade });
  // Bounded headers and timeouts: a flood of headers or a slowloris does not pin the process.
  http.maxHeadersCount = 100;
  http.headersTimeout = 10_000;
  http.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  const host = ownHost(config.host);
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
      await outgoing.stop();
      for (const client of ws.wss.clients) client.close(1012, "server restarting");
      // Before the database closes: a search pass under way finishes first.
      await svc.stop();
      sweeper.stop();
      http.closeAllConnections();
      await storage.close();
      await backends.close();
      logger.info("parley stopped");
    })();
    return closing;
  };

  return { port, url: `http://${host}:${port}`, svc, storage, close };
}

/** The host name this process is reached at on its own machine: a wildcard bind answers on localhost. */
function ownHost(bindHost: string): string {
  return bindHost === "0.0.0.0" || bindHost === "::" ? "localhost" : bindHost;
}

/** A host as it goes in a URL: an IPv6 address in brackets. */
const urlHost = (host: string): string => (host.includes(":") ? `[${host}]` : host);
