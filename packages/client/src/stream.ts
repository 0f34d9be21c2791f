import type { StreamEvent } from "@parley/api";
import type { Unsubscribable } from "@trpc/server/observable";
import { errorMessage, isUnauthorized } from "./errors.ts";
import type { EventBus } from "./events.ts";
import { backoffDelay } from "./transport.ts";
import type { Logger, ParleyApi, ReconnectOptions } from "./types.ts";

export interface EventStreamDeps {
  api: ParleyApi;
  bus: EventBus;
  logger: Logger;
  reconnect?: ReconnectOptions;
  /** Refreshes the access token after the stream was refused as UNAUTHORIZED. */
  refresh(): Promise<unknown>;
  /** The server accepted the subscription (first time, or again after a reconnect). */
  onStarted(): void;
  /** A durable event moved the position; `lagMs` is how far a message lags the local clock. */
  onPosition(position: number | null, lagMs: number | null): void;
}

/**
 * The client's one `events.stream` subscription. tRPC resends it after a
 * reconnect with the last tracked id; when the server ends it with an error
 * (a refused token, a restart mid-subscribe) it is started again here from
 * the bus's position, after a refresh if the token was the problem.
 */
export class EventStream {
  private sub: Unsubscribable | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private stopped = false;

  constructor(private readonly deps: EventStreamDeps) {}

  /** True while a subscription exists (started or on its way). */
  get active(): boolean {
    return this.sub !== null;
  }

  start(): void {
    if (this.stopped) return;
    const { api, bus, logger } = this.deps;
    const position = bus.position;
    this.sub = api.events.stream.subscribe(position === null ? undefined : { lastEventId: String(position) }, {
      onStarted: () => {
        this.attempt = 0;
        this.deps.onStarted();
      },
      onData: (value) => {
        const event: StreamEvent = "type" in value ? value : value.data;
        if (!bus.accept(event)) {
          logger.debug("dropped a duplicate event", { id: "id" in event ? event.id : null });
          return;
        }
        if (event.type === "message.created") this.deps.onPosition(bus.position, Date.now() - event.message.createdAt);
        else if ("id" in event) this.deps.onPosition(bus.position, null);
      },
      onError: (err) => {
        this.sub = null;
        if (this.stopped) return;
        logger.debug("event stream failed", { error: errorMessage(err) });
        if (isUnauthorized(err)) this.deps.refresh().then(() => this.retrySoon(), () => {});
        else this.retrySoon();
      },
    });
  }

  /** Subscribes again right away (on a new socket). */
  restart(): void {
    this.clear();
    this.start();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sub?.unsubscribe();
    this.sub = null;
  }

  private retrySoon(): void {
    if (this.stopped || this.sub || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, backoffDelay(this.attempt++, this.deps.reconnect));
  }
}
