import type { AnyRouter } from "@trpc/server";
import { callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, isTrackedEnvelope, TRPCError } from "@trpc/server";
import type { Context } from "../context.ts";
import type { Socket } from "./connections.ts";

const PATH = "events.stream";

type Id = number | string;

interface StreamRequest {
  id: Id;
  jsonrpc?: "2.0";
  method: "subscription" | "subscription.stop";
  params?: { path?: unknown; input?: unknown; lastEventId?: unknown };
}

/**
 * Serves `events.stream` subscriptions on one socket, in place of tRPC's
 * WebSocket adapter, which keeps ~12 KB of generic machinery per running
 * subscription (abort controllers, a promise race per item, resources):
 * most of a connection's memory, for a stream that once caught up is
 * written by the hub anyway (see fanout.ts). The procedure itself runs
 * exactly as tRPC would run it (`callTRPCProcedure`: the same middlewares,
 * input validation and auth, errors shaped by the router's formatter), and
 * the replies are the adapter's: `started`, data items (tracked ones as
 * `{id, data}` with `result.id`), an error, and `stopped`. Everything else
 * on the socket is left to tRPC.
 */
export class StreamEndpoint {
  private readonly running = new Map<Id, AbortController>();

  constructor(
    private readonly router: AnyRouter,
    private readonly socket: Socket,
    /** The connection's context, once tRPC has created it from the connection params. */
    private readonly context: () => Promise<Context> | undefined,
    private readonly observe: (msg: unknown) => void,
    private readonly onError: (err: TRPCError) => void,
  ) {}

  /** Takes an incoming text frame if it is ours; false leaves it to tRPC. */
  handle(frame: Buffer | string): boolean {
    // Cheap test first: most frames are mutations and queries.
    if (!frame.includes('"subscription')) return false;
    let msg: StreamRequest;
    try {
      msg = JSON.parse(frame.toString()) as StreamRequest;
    } catch {
      return false;
    }
    if (typeof msg !== "object" || msg === null || (typeof msg.id !== "number" && typeof msg.id !== "string")) return false;
    if (msg.method === "subscription.stop") {
      const running = this.running.get(msg.id);
      if (!running) return false;
      running.abort();
      return true;
    }
    if (msg.method !== "subscription" || msg.params?.path !== PATH) return false;
    const ctx = this.context();
    if (!ctx) return false; // no connection params yet: tRPC decides what this frame is
    void this.run(msg, ctx);
    return true;
  }

  /** The socket closed: every stream on it ends. */
  closeAll(): void {
    for (const c of this.running.values()) c.abort();
    this.running.clear();
  }

  private send(msg: unknown): void {
    if (this.socket.readyState !== 1) return;
    this.observe(msg);
    this.socket.send(JSON.stringify(msg));
  }

  private async run(msg: StreamRequest, ctxPromise: Promise<Context>): Promise<void> {
    const { id, jsonrpc } = msg;
    const params = msg.params ?? {};
    let input = params.input;
    if (params.lastEventId !== undefined) {
      input = typeof input === "object" && input !== null ? { ...input, lastEventId: params.lastEventId } : { lastEventId: params.lastEventId };
    }
    let ctx: Context | undefined;
    // Like the adapter: a failed subscription gets its error and no `stopped`.
    let failed = false;
    const fail = (cause: unknown) => {
      failed = true;
      const error = getTRPCErrorFromUnknown(cause);
      this.onError(error);
      this.send({ id, jsonrpc, error: getErrorShape({ config: this.router._def._config, error, type: "subscription", path: PATH, input, ctx }) });
    };
    if (this.running.has(id)) {
      fail(new TRPCError({ code: "BAD_REQUEST", message: `Duplicate id ${id}` }));
      return;
    }
    const abort = new AbortController();
    this.running.set(id, abort);
    try {
      ctx = await ctxPromise;
      if (abort.signal.aborted || this.socket.readyState !== 1) return;
      const result = await callTRPCProcedure({
        router: this.router,
        path: PATH,
        getRawInput: async () => input,
        ctx,
        type: "subscription",
        signal: abort.signal,
        batchIndex: 0,
      });
      if (typeof result !== "object" || result === null || !(Symbol.asyncIterator in result)) {
        throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `Subscription ${PATH} did not return an AsyncGenerator` });
      }
      const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      this.send({ id, jsonrpc, result: { type: "started" } });
      try {
        while (!abort.signal.aborted) {
          const next = await iterator.next();
          if (next.done || abort.signal.aborted) break;
          const v = next.value;
          this.send(
            isTrackedEnvelope(v)
              ? { id, jsonrpc, result: { type: "data", data: { id: v[0], data: v[1] }, id: v[0] } }
              : { id, jsonrpc, result: { type: "data", data: v } },
          );
        }
      } finally {
        abort.abort();
        await iterator.return?.();
      }
    } catch (cause) {
      if (!abort.signal.aborted) fail(cause);
    } finally {
      if (this.running.get(id) === abort) this.running.delete(id);
      if (!failed) this.send({ id, jsonrpc, result: { type: "stopped" } });
    }
  }
}
