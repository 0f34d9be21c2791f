import type { AppRouter } from "@parley/api";
import { createParleyClient, type ParleyClient } from "@parley/client";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import WebSocket from "ws";
import { MARK } from "./wire.ts";

/**
 * A real, unmodified `@trpc/client` wsLink client (what apps and bots use)
 * taking part in the load: it must receive every bench message of its room
 * exactly once and in stream order.
 */
export class RealClient {
  received = 0;
  disorder = 0;
  lastPosition = 0;
  errors: string[] = [];
  private readonly ws: ReturnType<typeof createWSClient>;
  private readonly unsubscribe: () => void;
  readonly ready: Promise<void>;

  constructor(wsUrl: string, token: string, readonly roomId: number) {
    this.ws = createWSClient({
      url: wsUrl,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: () => ({ token }),
    });
    const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: this.ws })] });
    let markReady: () => void = () => {};
    this.ready = new Promise((r) => {
      markReady = r;
    });
    const sub = client.events.stream.subscribe(
      {},
      {
        onData: (item) => {
          // Tracked events arrive as { id, data }; live ones (typing, presence) bare.
          if (!("data" in item)) return;
          const event = item.data;
          const position = Number(item.id);
          if (event.type === "ready") {
            this.lastPosition = position;
            markReady();
            return;
          }
          const live = event.type === "presence" || event.type === "typing";
          if (position < this.lastPosition || (position === this.lastPosition && !live)) this.disorder++;
          else this.lastPosition = position;
          if (event.type === "message.created" && event.roomId === roomId && event.message.content.startsWith(MARK)) this.received++;
        },
        onError: (err) => this.errors.push(String(err)),
      },
    );
    this.unsubscribe = () => sub.unsubscribe();
  }

  close(): void {
    this.unsubscribe();
    this.ws.close();
  }
}

/**
 * The same check through `@parley/client` (the library the web app and bots
 * use: its own sign-in, reconnect and resume), receiving through its typed
 * event bus.
 */
export class ParleyLibClient {
  received = 0;
  disorder = 0;
  lastPosition = 0;
  errors: string[] = [];
  private readonly client: ParleyClient;
  readonly ready: Promise<void>;

  constructor(httpUrl: string, username: string, password: string, readonly roomId: number) {
    this.client = createParleyClient({
      url: httpUrl,
      credentials: { username, password },
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      logger: { debug() {}, info() {}, warn: (m) => this.errors.push(m), error: (m) => this.errors.push(m) },
    });
    this.client.events.on(
      "message.created",
      (event) => {
        if (event.id <= this.lastPosition) this.disorder++;
        else this.lastPosition = event.id;
        if (event.message.content.startsWith(MARK)) this.received++;
      },
      { roomId },
    );
    this.ready = this.client.ready;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
