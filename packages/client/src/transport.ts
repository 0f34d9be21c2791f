import type { AppRouter } from "@parley/api";
import { createWSClient, type TRPCLink, type TRPCWebSocketClient, TRPCClientError, wsLink } from "@trpc/client";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import type { KeepAliveOptions, ReconnectOptions } from "./types.ts";

/**
 * The WebSocket class to use: the one given, the browser's, or `ws` in Node.
 * `ws` is imported only when needed, by a specifier bundlers leave alone, so
 * a browser bundle never pulls it in.
 */
export async function resolveWebSocket(given?: typeof globalThis.WebSocket): Promise<typeof globalThis.WebSocket> {
  if (given) return given;
  const g = globalThis as { WebSocket?: typeof globalThis.WebSocket; document?: unknown };
  if (g.document !== undefined && g.WebSocket) return g.WebSocket;
  const specifier = "ws";
  const mod = (await import(/* @vite-ignore */ specifier)) as { WebSocket?: unknown; default?: unknown };
  const impl = mod.WebSocket ?? mod.default;
  if (typeof impl !== "function") throw new Error("No WebSocket implementation: pass `WebSocket` or install `ws`");
  // `ws`'s class implements the browser API the tRPC client uses.
  return impl as typeof globalThis.WebSocket;
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half is
 * random, so a server restart is not met by every client at the same instant.
 * The first retry after a drop waits 0–250 ms.
 */
export function backoffDelay(attempt: number, opts: ReconnectOptions = {}): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  if (attempt === 0) return Math.random() * Math.min(250, base);
  const step = Math.min(max, base * 2 ** (attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}

export interface TransportOptions {
  url: string;
  WebSocket: typeof globalThis.WebSocket;
  /** Read on every (re)connect: the token to authenticate the socket with. */
  token: () => Promise<string>;
  retryDelayMs: (attempt: number) => number;
  keepAlive?: KeepAliveOptions;
  onClose: (code: number | undefined) => void;
}

export function makeWsClient(o: TransportOptions): TRPCWebSocketClient {
  return createWSClient({
    url: o.url,
    WebSocket: o.WebSocket,
    connectionParams: async () => ({ token: await o.token() }),
    retryDelayMs: o.retryDelayMs,
    keepAlive: {
      enabled: true,
      intervalMs: o.keepAlive?.intervalMs ?? 20_000,
      pongTimeoutMs: o.keepAlive?.pongTimeoutMs ?? 10_000,
    },
    onClose: (cause) => o.onClose(cause?.code),
  });
}

/**
 * A terminating link that sends each operation over whichever WebSocket
 * client is current when it runs. The client is made after sign-in (and
 * replaced on an immediate reconnect), while `api` exists from the start.
 */
export function currentWsLink(current: () => Promise<TRPCWebSocketClient>): TRPCLink<AppRouter> {
  return (runtime) =>
    ({ op }) =>
      observable((observer) => {
        let inner: Unsubscribable | null = null;
        let cancelled = false;
        current().then(
          (client) => {
            if (cancelled) return;
            const link = wsLink<AppRouter>({ client })(runtime);
            inner = link({
              op,
              next: () => {
                throw new Error("wsLink ends the chain");
              },
            }).subscribe(observer);
          },
          (err: unknown) => observer.error(TRPCClientError.from(err instanceof Error ? err : new Error(String(err)))),
        );
        return () => {
          cancelled = true;
          inner?.unsubscribe();
        };
      });
}
