import type { AnyRouter } from "@trpc/server";
import { getErrorShape, TRPCError } from "@trpc/server";
import type { Context } from "../context.ts";
import { sendMessage } from "../domain/messages.ts";
import { requireScope } from "../domain/tokens.ts";
import { sendMessageSchema } from "../schemas.ts";
import { beginCall, liveAuth, toTRPCError } from "../trpc.ts";
import { CloseCode, type Socket } from "./connections.ts";
import { rawSocket, textFrame } from "./fanout.ts";

const PATH = "messages.send";

type Id = number | string;

interface SendRequest {
  id?: unknown;
  jsonrpc?: unknown;
  method?: unknown;
  params?: { path?: unknown; input?: unknown; lastEventId?: unknown };
}

/**
 * Serves `messages.send` mutations on one socket, in place of tRPC's
 * WebSocket adapter and middleware chain. Every send passes through both,
 * and their generic per-call machinery (an abort controller, the options
 * and context copied at each middleware, the response transform) cost about
 * as much server CPU as storing the message. This endpoint does what the
 * procedure's chain does, in the same order and with the same code: the
 * edge's bookkeeping (`beginCall`: in-flight count for graceful shutdown,
 * metrics), the live-session check (`liveAuth`), the input parsed by the
 * procedure's own schema (a failure is tRPC's BAD_REQUEST with the zod
 * error as cause), then the same domain function the router's
 * `messages.send` calls; errors are mapped by the edge's `toTRPCError` and
 * shaped by the router's formatter, and the reply is the adapter's frame.
 * `send-endpoint.test.ts` checks that replies match tRPC's byte for byte.
 * Anything that is not exactly one `messages.send` mutation is left to tRPC.
 */
export class SendEndpoint {
  private readonly raw: ReturnType<typeof rawSocket>;

  constructor(
    private readonly router: AnyRouter,
    private readonly socket: Socket,
    /** The connection's context, once tRPC has created it from the connection params. */
    private readonly context: () => Promise<Context> | undefined,
    private readonly onError: (err: TRPCError) => void,
  ) {
    this.raw = rawSocket(socket);
  }

  /** Takes an incoming text frame if it is ours; false leaves it to tRPC. */
  handle(frame: Buffer): boolean {
    // Cheap test first: subscriptions, queries and other mutations go to tRPC untouched.
    if (!frame.includes('"messages.send"')) return false;
    let msg: SendRequest;
    try {
      msg = JSON.parse(frame.toString()) as SendRequest;
    } catch {
      return false;
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return false;
    const id = msg.id;
    if ((typeof id !== "number" && typeof id !== "string") || msg.method !== "mutation") return false;
    if (msg.jsonrpc !== undefined && msg.jsonrpc !== "2.0") return false; // tRPC refuses it, in its own words
    const params = msg.params;
    if (typeof params !== "object" || params === null || params.path !== PATH || params.lastEventId !== undefined) return false;
    const ctx = this.context();
    if (!ctx) return false; // no connection params yet: tRPC decides what this frame is
    void this.run(id, msg.jsonrpc === "2.0" ? "2.0" : undefined, params.input, ctx);
    return true;
  }

  /**
   * One whole frame written to the socket, as the hub's fan-out does (see fanout.ts: safe while `ws` queues nothing).
   * A client that sends and never reads its replies is cut off at the socket's buffer limit, like a slow stream reader.
   */
  private reply(msg: unknown, maxBufferedBytes: number): void {
    if (this.socket.readyState !== 1) return;
    if (this.socket.bufferedAmount > maxBufferedBytes) {
      this.socket.close(CloseCode.slowConsumer, "slow consumer: resume from your last event");
      return;
    }
    const text = JSON.stringify(msg);
    if (this.raw) this.raw.write(textFrame(text));
    else this.socket.send(text);
  }

  private async run(id: Id, jsonrpc: "2.0" | undefined, input: unknown, ctxPromise: Promise<Context>): Promise<void> {
    let ctx: Context | undefined;
    try {
      ctx = await ctxPromise;
      const end = beginCall(ctx, PATH, "mutation");
      let ok = false;
      try {
        const auth = liveAuth(ctx);
        // The procedure's declared scope (router/messages.ts), checked as its middleware would.
        requireScope(auth, "write");
        const parsed = sendMessageSchema.safeParse(input);
        if (!parsed.success) throw new TRPCError({ code: "BAD_REQUEST", cause: parsed.error });
        const data = await sendMessage(ctx.svc, auth, parsed.data);
        ok = true;
        this.reply({ id, jsonrpc, result: { type: "data", data } }, ctx.svc.config.maxBufferedBytes);
      } finally {
        end(ok);
      }
    } catch (cause) {
      const error = toTRPCError(cause);
      this.onError(error);
      const limit = ctx?.svc.config.maxBufferedBytes ?? Number.POSITIVE_INFINITY;
      this.reply({ id, jsonrpc, error: getErrorShape({ config: this.router._def._config, error, type: "mutation", path: PATH, input, ctx }) }, limit);
    }
  }
}
