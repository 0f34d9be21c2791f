import type { AppRouter, User } from "@parley/api";
import { createTRPCClient, retryLink, type TRPCWebSocketClient } from "@trpc/client";
import { errorCode, errorMessage, isPermanent, isUnauthorized, ParleyClosedError } from "./errors.ts";
import { onMessage } from "./bot.ts";
import { catchUp, EventBus } from "./events.ts";
import { HealthProbe } from "./health.ts";
import { baseUrl, httpClient, login, wsUrl } from "./http.ts";
import { downloadOnce, replayable, type UploadBody, type UploadedFile, UploadError, type UploadOptions, uploadOnce } from "./files.ts";
import { OutboxQueue } from "./outbox.ts";
import { Session } from "./session.ts";
import { EventStream } from "./stream.ts";
import { makeStore } from "./store.ts";
import { backoffDelay, currentWsLink, makeWsClient, resolveWebSocket } from "./transport.ts";
import type { AttachmentSource, ConnectionState, Logger, OutboxActionOf, OutboxActionType, OutboxResult, ParleyApi, ParleyClient, ParleyClientOptions } from "./types.ts";

const consoleLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (msg, data) => console.warn(`parley: ${msg}`, data ?? ""),
  error: (msg, data) => console.error(`parley: ${msg}`, data ?? ""),
};

/** Close codes the server uses (see @parley/api `CloseCode`). */
const LOGGED_OUT = 4001;
const TOKEN_EXPIRED = 4002;
/** The server is restarting (RFC 6455 "Service Restart"): sent to every socket on SIGTERM. */
const SERVICE_RESTART = 1012;

function deferred<T>() {
  let resolve: (v: T) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** Each outbox action's one call (see `OutboxActions`). */
const actions = (api: ParleyApi): { [K in OutboxActionType]: (a: OutboxActionOf<K>, signal: AbortSignal) => Promise<OutboxResult<K>> } => ({
  edit: (a, signal) => api.messages.edit.mutate({ messageId: a.messageId, content: a.content, rev: a.rev }, { signal }),
  delete: (a, signal) => api.messages.delete.mutate({ messageId: a.messageId }, { signal }),
  react: (a, signal) => api.messages.react.mutate({ messageId: a.messageId, emoji: a.emoji }, { signal }),
  unreact: (a, signal) => api.messages.unreact.mutate({ messageId: a.messageId, emoji: a.emoji }, { signal }),
});
/** Mutations that answer the same however often they are asked (`dms.open`: one room per set of people). */
const IDEMPOTENT_MUTATIONS: ReadonlySet<string> = new Set(["dms.open"]);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for `p`, at most `ms`; the timer is cleared either way, so it never holds a Node process open. */
async function atMost(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * In browsers, tabs share tokens (through `onTokens`/`loadTokens`), so a
 * refresh runs under a Web Lock: one tab rotates, the others adopt.
 */
function defaultLock(url: string): <T>(fn: () => Promise<T>) => Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return (fn) => fn();
  return async <T>(fn: () => Promise<T>) => {
    let result: T | undefined;
    await locks.request(`parley-refresh ${url}`, async () => {
      result = await fn();
    });
    return result as T;
  };
}

interface BrowserGlobals {
  addEventListener?: (type: string, fn: () => void) => void;
  removeEventListener?: (type: string, fn: () => void) => void;
  navigator?: { onLine?: boolean };
}

/**
 * A Parley client: one WebSocket, one event stream that resumes where it
 * left off, an outbox that delivers each message exactly once, and tokens
 * that refresh themselves. Nothing starts until you call this; several
 * clients can live in one process.
 */
export function createParleyClient(options: ParleyClientOptions): ParleyClient {
  const logger = options.logger ?? consoleLogger;
  const url = baseUrl(options.url);
  const onListenerError = (err: unknown) => logger.error("a listener threw", { error: errorMessage(err) });
  const browser = globalThis as BrowserGlobals;

  let terminal = false;
  let loggingOut = false;
  let everOpen = false;
  let user: User | null = null;
  let wsClient: TRPCWebSocketClient | null = null;
  const firstWsClient = deferred<TRPCWebSocketClient>();
  let retry: { attempt: number; nextRetryAt: number } | null = null;
  const streamStarted = deferred<void>();
  const signedIn = deferred<number>();
  const openWaiters = new Set<() => void>();

  const connection = makeStore<ConnectionState>(
    { status: "connecting", lastEventId: options.lastEventId ?? null },
    onListenerError,
  );
  const patch = (p: Partial<ConnectionState>) => {
    if (!terminal) connection.set({ ...connection.get(), ...p });
  };

  const bus = new EventBus(options.lastEventId ?? null, (err, event) =>
    logger.error("an event listener threw", { type: event.type, error: errorMessage(err) }),
  );

  const currentClient = (): Promise<TRPCWebSocketClient> => {
    if (terminal) return Promise.reject(new ParleyClosedError());
    return wsClient ? Promise.resolve(wsClient) : firstWsClient.promise;
  };
  const api = createTRPCClient<AppRouter>({
    links: [
      // A query in flight when the socket drops is asked again on the next one (queries have no
      // side effects), and so are the mutations that are idempotent by nature; other mutations are
      // not (sends retry through the outbox, with their clientId), and the stream resumes by itself.
      retryLink({
        retry: ({ op, error, attempts }) =>
          (op.type === "query" || IDEMPOTENT_MUTATIONS.has(op.path)) && !terminal && errorCode(error) === null && attempts < 5,
        retryDelayMs: (attempt) => backoffDelay(attempt - 1, options.reconnect),
      }),
      currentWsLink(currentClient),
    ],
  });

  const isOpen = () => connection.get().status === "open";

  const session = new Session({
    logger,
    onTokens: options.onTokens,
    loadTokens: options.loadTokens,
    lock: options.refreshLock ?? defaultLock(url),
    // Only on a socket that has finished authenticating: a call queued on a socket that is still
    // opening would wait for `connectionParams`, which may be waiting for this very refresh.
    refreshOnSocket: (refreshToken) =>
      wsClient?.connection?.state === "open"
        ? api.auth.refresh.mutate({ refreshToken }, { signal: AbortSignal.timeout(15_000) })
        : null,
    refreshOverHttp: (refreshToken) =>
      httpClient(url).auth.refresh.mutate({ refreshToken }, { signal: AbortSignal.timeout(15_000) }),
    onUnauthenticated: (reason) => shutdown("unauthenticated", reason),
  });

  const calls = actions(api);
  const outbox = new OutboxQueue({
    sendOnce: (item, signal) =>
      item.roomId === null
        ? Promise.reject(new Error(`outbox item ${item.clientId} has no room`))
        : api.messages.send.mutate(
            { roomId: item.roomId, content: item.content, clientId: item.clientId, threadId: item.threadId, alsoToRoom: item.alsoToRoom, attachments: item.attachments },
            { signal },
          ),
    actOnce: <K extends OutboxActionType>(action: OutboxActionOf<K>, signal: AbortSignal) => calls[action.type](action, signal),
    signedIn: signedIn.promise,
    pause: (ms) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          openWaiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, ms);
        openWaiters.add(done);
      }),
    refresh: () => session.refresh(),
    storage: options.storage,
    logger,
    timeoutMs: options.sendTimeoutMs ?? 15_000,
    onListenerError,
  });

  const stream = new EventStream({
    api,
    bus,
    logger,
    reconnect: options.reconnect,
    refresh: () => session.refresh(),
    onStarted: () => {
      markOpen();
      streamStarted.resolve();
    },
    onPosition: (lastEventId, lagMs) =>
      patch(lagMs === null ? { lastEventId } : { lastEventId, behind: lagMs > 2000 ? lagMs : 0 }),
  });

  // While not connected, watch for the server coming back (a restart): reconnect then, not after the backoff.
  const probe = new HealthProbe({
    url,
    ...options.healthProbe,
    onBack: () => {
      // Only while waiting out a backoff: an attempt under way (or due within 250 ms) is left to finish.
      if (retry === null || retry.nextRetryAt - Date.now() < 250 || isOpen()) return false;
      logger.debug("the server answers again: reconnecting now");
      reconnectNow();
      return true;
    },
    mayProbe: () => browser.navigator?.onLine !== false,
  });

  function onConnectionState(source: TRPCWebSocketClient, state: "idle" | "connecting" | "pending", error: string | null) {
    if (source !== wsClient || terminal) return;
    if (state === "connecting") probe.start();
    if (state === "pending") {
      // The socket is up, but it is "open" for us once the stream runs on it (see `markOpen`).
      if (!stream.active) markOpen();
    } else if (state === "connecting") {
      const offline = browser.navigator?.onLine === false;
      connection.set({
        status: offline ? "offline" : everOpen ? "reconnecting" : "connecting",
        lastEventId: bus.position,
        ...(retry ?? {}),
        ...(error ? { error } : {}),
      });
    }
  }

  function markOpen(): void {
    if (terminal) return;
    everOpen = true;
    retry = null;
    probe.connected();
    connection.set({ status: "open", lastEventId: bus.position, behind: connection.get().behind });
    for (const wake of [...openWaiters]) wake();
  }

  function createTransport(WebSocket: typeof globalThis.WebSocket): TRPCWebSocketClient {
    const client = makeWsClient({
      url: wsUrl(url),
      WebSocket,
      token: () => session.accessToken(),
      retryDelayMs: (attempt) => {
        const ms = backoffDelay(attempt, options.reconnect);
        retry = { attempt, nextRetryAt: Date.now() + ms };
        const s = connection.get().status;
        if (s === "connecting" || s === "reconnecting" || s === "offline") patch(retry);
        logger.debug("reconnecting", { attempt, delayMs: Math.round(ms) });
        return ms;
      },
      keepAlive: options.keepAlive,
      onClose: (code) => {
        if (client === wsClient && !terminal && code !== LOGGED_OUT) probe.start(code === SERVICE_RESTART);
        if (code === LOGGED_OUT && !loggingOut) shutdown("unauthenticated", "logged out");
        else if (code === TOKEN_EXPIRED) session.markExpired();
        if (code !== undefined && code >= 4000) logger.debug("socket closed by the server", { code });
      },
    });
    client.connectionState.subscribe({
      next: (s) => onConnectionState(client, s.state, s.error ? errorMessage(s.error) : null),
    });
    return client;
  }

  /** A new socket now, the stream moved onto it; the old one is closed once its calls have ended. */
  function replaceTransport(): void {
    const WebSocket = resolvedWebSocket;
    if (terminal || !wsClient || !WebSocket) return;
    const old = wsClient;
    retry = null;
    // The new socket's own failure (if any) starts probing again.
    probe.pause();
    wsClient = createTransport(WebSocket);
    stream.restart();
    old.close().catch(() => {});
  }
  /** Skips the backoff wait (browser `online`, the server back, the user's "Reconnect now"). */
  function reconnectNow(): void {
    if (terminal || isOpen()) return;
    logger.debug("reconnecting now");
    replaceTransport();
  }
  const onOnline = () => reconnectNow();
  // The browser knows the link is gone long before the socket does (no FIN crosses a dead link; keep-alive
  // notices after 30 s): say so at once, and drop the socket so nothing more is written into it.
  const onOffline = () => {
    if (terminal) return;
    patch({ status: "offline" });
    replaceTransport();
  };

  let resolvedWebSocket: typeof globalThis.WebSocket | null = null;

  async function signIn(): Promise<void> {
    const creds = options.credentials;
    if (options.token !== undefined) {
      session.setFixed(options.token);
      return;
    }
    if (!creds) throw new Error("createParleyClient needs credentials or a token");
    if (!("password" in creds)) {
      session.set({ ...creds, accessTokenExpiresAt: creds.accessTokenExpiresAt ?? 0 }, false);
      return;
    }
    for (let attempt = 1; !terminal; attempt++) {
      try {
        const r = await login(url, creds);
        if (terminal) return;
        user = r.user;
        session.set(r, true);
        return;
      } catch (err) {
        if (isUnauthorized(err) || isPermanent(err)) throw err;
        const ms = backoffDelay(attempt, options.reconnect);
        retry = { attempt, nextRetryAt: Date.now() + ms };
        patch({ ...retry, error: errorMessage(err) });
        await sleep(ms);
      }
    }
  }

  async function start(): Promise<void> {
    const WebSocket = await resolveWebSocket(options.WebSocket);
    if (terminal) throw new ParleyClosedError();
    resolvedWebSocket = WebSocket;
    try {
      await signIn();
    } catch (err) {
      shutdown("unauthenticated", errorMessage(err));
      throw err;
    }
    if (terminal) throw new ParleyClosedError();
    wsClient = createTransport(WebSocket);
    firstWsClient.resolve(wsClient);
    browser.addEventListener?.("online", onOnline);
    browser.addEventListener?.("offline", onOffline);
    stream.start();
    // The token names the user: the outbox can load and send before any round trip (offline start).
    const early = user?.id ?? session.userId();
    if (early !== null) await adoptUser(early);
    user ??= await fetchMe();
    if (early === null) await adoptUser(user.id);
    await Promise.race([streamStarted.promise, closedSignal.promise]);
    if (terminal) throw new ParleyClosedError();
  }

  const closedSignal = deferred<void>();

  async function adoptUser(userId: number): Promise<void> {
    signedIn.resolve(userId);
    try {
      await outbox.load(userId);
    } catch (err) {
      logger.error("could not load the saved outbox", { error: errorMessage(err) });
    }
  }

  /** Who we are, asked over the socket; a dropped connection is retried, a refused token refreshed. */
  async function fetchMe(): Promise<User> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await api.auth.me.query();
      } catch (err) {
        if (terminal || isPermanent(err)) throw err;
        const pause = () => sleep(backoffDelay(attempt, options.reconnect));
        if (isUnauthorized(err)) await session.refresh().catch(pause);
        else await pause();
      }
    }
  }

  function shutdown(status: "closed" | "unauthenticated", reason?: string): void {
    if (terminal) return;
    logger.info(status === "closed" ? "client closed" : "signed out", reason ? { reason } : undefined);
    connection.set({ status, lastEventId: bus.position, ...(reason ? { error: reason } : {}) });
    terminal = true;
    session.stop();
    probe.dispose();
    browser.removeEventListener?.("online", onOnline);
    browser.removeEventListener?.("offline", onOffline);
    stream.stop();
    outbox.close();
    const err = new ParleyClosedError(status === "closed" ? undefined : `Signed out: ${reason ?? "session ended"}`);
    signedIn.reject(err);
    firstWsClient.reject(err);
    closedSignal.resolve();
    for (const wake of [...openWaiters]) wake();
    if (status === "unauthenticated") options.onTokens?.(null);
    wsClient?.close().catch(() => {});
  }

  /** An upload with the current token; a 401 (expired meanwhile) refreshes and, if the body can be sent again, retries once. */
  async function upload(data: UploadBody, opts: UploadOptions = {}): Promise<UploadedFile> {
    try {
      return await uploadOnce(url, await session.accessToken(), data, opts);
    } catch (err) {
      if (!(err instanceof UploadError && err.status === 401 && replayable(data))) throw err;
      return uploadOnce(url, (await session.refresh()).accessToken, data, opts);
    }
  }

  /**
   * Attachments as file ids, uploading what is not uploaded yet, in order. Uploads happen before the
   * outbox (not kept across restarts: a Blob cannot be stored); the send then goes through it exactly once.
   */
  async function uploaded(attachments: readonly AttachmentSource[] = []): Promise<string[]> {
    const ids: string[] = [];
    for (const a of attachments) ids.push(typeof a === "string" ? a : (await upload(a.data, a.name === undefined ? {} : { name: a.name })).id);
    return ids;
  }

  const ready = start();
  ready.catch((err: unknown) => {
    if (!terminal) shutdown("closed", errorMessage(err));
  });

  const client: ParleyClient = {
    api,
    get user() {
      return user;
    },
    ready,
    connection: { get: connection.get, subscribe: connection.subscribe },
    events: bus,
    async send(roomId, content, opts) {
      return outbox.send(roomId, content, undefined, await uploaded(opts?.attachments));
    },
    upload,
    async download(fileIdOrUrl, opts) {
      const path = fileIdOrUrl.startsWith("/") ? fileIdOrUrl : `/files/${encodeURIComponent(fileIdOrUrl)}/file`;
      try {
        return await downloadOnce(url, await session.accessToken(), path, opts?.signal);
      } catch (err) {
        if (!(err instanceof UploadError && err.status === 401)) throw err;
        return downloadOnce(url, (await session.refresh()).accessToken, path, opts?.signal);
      }
    },
    edit: (messageId, content, opts) => outbox.act(opts?.rev === undefined ? { type: "edit", messageId, content } : { type: "edit", messageId, content, rev: opts.rev }),
    delete: (messageId) => outbox.act({ type: "delete", messageId }),
    react: (messageId, emoji) => outbox.act({ type: "react", messageId, emoji }),
    unreact: (messageId, emoji) => outbox.act({ type: "unreact", messageId, emoji }),
    async reply(roomId, threadId, content, opts) {
      return outbox.send(roomId, content, { threadId, alsoToRoom: opts?.alsoToRoom }, await uploaded(opts?.attachments));
    },
    onMessage: (filter, handler) => onMessage(client, filter, handler),
    openDm: (userIds) => api.dms.open.mutate({ userIds: [...userIds] }),
    catchUp: (roomId, afterId, max = 1000) => catchUp(api, roomId, afterId, max),
    reconnectNow,
    search: (query, opts = {}) => api.messages.search.query({ query, ...opts }),
    around: (roomId, messageId, limit) => api.messages.around.query({ roomId, messageId, ...(limit === undefined ? {} : { limit }) }),
    outbox,
    async logout() {
      if (terminal) return;
      loggingOut = true;
      const token = session.tokens?.accessToken;
      try {
        const call = isOpen() || !token ? api.auth.logout.mutate() : httpClient(url, token).auth.logout.mutate();
        await atMost(call, 5000);
      } catch (err) {
        logger.warn("logout did not reach the server", { error: errorMessage(err) });
      }
      options.onTokens?.(null);
      shutdown("closed", "logged out");
    },
    async close() {
      const ws = wsClient;
      shutdown("closed");
      await atMost(ws?.close(), 2000).catch(() => {});
    },
  };
  return client;
}
