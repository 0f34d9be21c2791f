import { TRPCError } from "@trpc/server";

/**
 * Per-socket limits on work under way: running subscriptions (see below) and
 * queries and mutations (`beginCall` in trpc.ts).
 *
 * Who may start a subscription, checked once for every subscription the
 * router declares (the edge middleware in trpc.ts calls `admitSubscription`),
 * so a new one cannot skip it:
 *
 * - only over WebSocket. tRPC would serve a subscription over plain HTTP as
 *   server-sent events, outside every control the socket path has (logout and
 *   expiry closing the socket, the per-user socket cap, the slow-reader cut-off,
 *   presence), so HTTP gets METHOD_NOT_SUPPORTED instead;
 * - a few per socket. The contract is one stream per client; every running
 *   stream holds a hub subscription and a replay may read up to MAX_REPLAY
 *   events, so one frame of hundreds of resumes from 0 must not start hundreds.
 */
export class Slots {
  private used = 0;

  constructor(
    readonly max: number,
    /** The refusal's message, e.g. "at most 4 subscriptions per connection". */
    private readonly refusal: string,
  ) {}

  /** Takes a slot, or throws TOO_MANY_REQUESTS; the returned function gives it back (once, however often it is called). */
  acquire(): () => void {
    if (this.used >= this.max) throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: this.refusal });
    this.used++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.used--;
    };
  }

  get count(): number {
    return this.used;
  }
}

export const overHttpMessage = "subscriptions are served over WebSocket at /ws";

/**
 * Admits one subscription on a connection: `slots` is null over HTTP. The
 * slot is given back when the subscription's signal aborts (a stop, the
 * socket closing: both transports' handlers abort it) or its iterator ends
 * (see `releaseWhenDone`).
 */
export function admitSubscription(slots: Slots | null, signal: AbortSignal | undefined): () => void {
  if (slots === null) throw new TRPCError({ code: "METHOD_NOT_SUPPORTED", message: overHttpMessage });
  const release = slots.acquire();
  signal?.addEventListener("abort", release, { once: true });
  return release;
}

/**
 * The subscription's async iterable, giving its slot back when iteration
 * ends for any reason: done, `return()` (a stop; also an iterator disposed
 * without ever being read, which a generator's `finally` would not see), or
 * an error.
 */
export function releaseWhenDone(data: unknown, release: () => void): unknown {
  if (typeof data !== "object" || data === null || !(Symbol.asyncIterator in data)) {
    release();
    return data;
  }
  const source = data as AsyncIterable<unknown>;
  return {
    [Symbol.asyncIterator](): AsyncIterator<unknown> {
      const it = source[Symbol.asyncIterator]();
      const settle = async (step: Promise<IteratorResult<unknown>>) => {
        try {
          const r = await step;
          if (r.done) release();
          return r;
        } catch (err) {
          release();
          throw err;
        }
      };
      return {
        next: () => settle(it.next()),
        return: async (value?: unknown) => {
          try {
            return it.return ? await it.return(value) : { done: true, value };
          } finally {
            release();
          }
        },
        throw: async (err?: unknown) => {
          try {
            if (it.throw) return await it.throw(err);
            throw err;
          } finally {
            release();
          }
        },
      };
    },
  };
}
