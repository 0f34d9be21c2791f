import { CloseCode } from "@parley/api";
import WebSocket from "ws";

type SendOptions = { mask?: boolean; binary?: boolean; compress?: boolean; fin?: boolean };
type SendCallback = (err?: Error) => void;

/**
 * The one place that hooks a `ws` socket's own methods (`emit` and `send`),
 * so tRPC's adapter keeps working unchanged around it. The WebSocket server
 * makes every socket a `GuardedSocket` (its `WebSocket` option); the hooks
 * are this class's methods, shared by every socket, and a socket holds only
 * its `take` and its limit:
 *
 * - incoming frames go to the lean endpoints first (api realtime/send-endpoint.ts,
 *   stream-endpoint.ts), then to tRPC;
 * - frames that arrive once the socket is closing are dropped: `ws` still
 *   emits them, and tRPC would run their calls only to throw the replies away;
 * - replies are held to the same buffer limit as the hub's events: a client
 *   that sends calls and stops reading the replies is cut off with 4009 (it
 *   resumes from its last position) as soon as a reply finds the limit already
 *   exceeded. Without this, one frame of list calls from a client that never
 *   read grew the server by gigabytes. What the hub writes straight to the
 *   socket is checked by its own writer (api realtime/fanout.ts), the lean
 *   send endpoint's replies by that endpoint.
 */
export class GuardedSocket extends WebSocket {
  /** Offered each text frame first (the lean endpoints); true: taken, tRPC never sees it. Null until `guard`. */
  private take: ((frame: Buffer) => boolean) | null = null;
  /** Bytes the socket may have unsent (`MAX_BUFFERED_BYTES`) before it counts as a slow reader and is cut off. */
  private maxBufferedBytes = Number.POSITIVE_INFINITY;

  /** Starts guarding: called once, when the server hands the socket out. */
  guard(opts: { maxBufferedBytes: number; take: (frame: Buffer) => boolean }): void {
    this.take = opts.take;
    this.maxBufferedBytes = opts.maxBufferedBytes;
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === "message") {
      if (this.readyState !== WebSocket.OPEN) return false;
      if (args[1] === false && Buffer.isBuffer(args[0]) && this.take?.(args[0])) return true;
    }
    return super.emit(event, ...args);
  }

  override send(data: WebSocket.Data, cb?: SendCallback): void;
  override send(data: WebSocket.Data, options: SendOptions, cb?: SendCallback): void;
  override send(data: WebSocket.Data, options?: SendOptions | SendCallback, cb?: SendCallback): void {
    if (this.readyState === WebSocket.OPEN && this.bufferedAmount > this.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, "slow consumer: resume from your last event");
      return;
    }
    if (typeof options === "function") super.send(data, options);
    else super.send(data, options ?? {}, cb);
  }
}
