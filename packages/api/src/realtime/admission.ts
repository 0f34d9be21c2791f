import { TRPCError } from "@trpc/server";

/**
 * Per-socket limits on work under way: running subscriptions (see below) and
 * queries and mutations (`beginCall` in trpc.ts).
 *
 * Who may start a subscription, checked once for every subscription the
 * router declares (the edge middleware in trpc.ts creates its `Admission`),
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
    /** What the refusal says after "at most <max> ", e.g. "subscriptions per connection: stop one first" (a literal, shared by every connection). */
    private readonly refusal: string,
  ) {}

  /** Takes a slot, or throws TOO_MANY_REQUESTS. The caller gives it back with `give`, once. */
  take(): void {
    if (this.used >= this.max) throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: `at most ${this.max} ${this.refusal}` });
    this.used++;
  }

  give(): void {
    this.used--;
  }

  get count(): number {
    return this.used;
  }
}

export const overHttpMessage = "subscriptions are served over WebSocket at /ws";

/**
 * One admitted subscription: it holds a slot of its connection until the
 * subscription's signal aborts (a stop, the socket closing: both transports'
 * handlers abort it) or its iterator ends for any reason: done, `return()` (a
 * stop; also an iterator disposed without ever being read, which a
 * generator's `finally` would not see), or an error. One object per running
 * subscription is the abort listener, the iterable tRPC gets and its
 * iterator (an idle stream holds nothing else but its one pending `next`).
 */
export class Admission implements AsyncIterableIterator<unknown> {
  private held = true;
  private source: AsyncIterable<unknown> | null = null;
  private it: AsyncIterator<unknown> | null = null;

  /** `slots` is null over HTTP. */
  constructor(
    private readonly slots: Slots | null,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (slots === null) throw new TRPCError({ code: "METHOD_NOT_SUPPORTED", message: overHttpMessage });
    slots.take();
    signal?.addEventListener("abort", this, { once: true });
  }

  /** The signal aborted. */
  handleEvent(): void {
    this.release();
  }

  /** Gives the slot back (once, however often it is called). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.slots?.give();
    this.signal?.removeEventListener("abort", this);
  }

  /** The procedure's result, as tRPC gets it: an async iterable is wrapped (this object), anything else gives the slot back. */
  wrap(data: unknown): unknown {
    if (typeof data !== "object" || data === null || !(Symbol.asyncIterator in data)) {
      this.release();
      return data;
    }
    this.source = data as AsyncIterable<unknown>;
    return this;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private iterator(): AsyncIterator<unknown> {
    if (this.it === null) {
      if (this.source === null) throw new Error("an admission iterated before its procedure returned");
      this.it = this.source[Symbol.asyncIterator]();
    }
    return this.it;
  }

  private readonly step = (r: IteratorResult<unknown>): IteratorResult<unknown> => {
    if (r.done) this.release();
    return r;
  };

  private readonly fail = (err: unknown): never => {
    this.release();
    throw err;
  };

  next(): Promise<IteratorResult<unknown>> {
    try {
      return this.iterator().next().then(this.step, this.fail);
    } catch (err) {
      this.release();
      return Promise.reject(err);
    }
  }

  async return(value?: unknown): Promise<IteratorResult<unknown>> {
    try {
      const it = this.iterator();
      return it.return ? await it.return(value) : { done: true, value };
    } finally {
      this.release();
    }
  }

  async throw(err?: unknown): Promise<IteratorResult<unknown>> {
    try {
      const it = this.iterator();
      if (it.throw) return await it.throw(err);
      throw err;
    } finally {
      this.release();
    }
  }
}
