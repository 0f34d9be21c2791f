import { CloseCode } from "@parley/api";
import WebSocket from "ws";

export interface GuardOptions {
  /** Bytes the socket may have unsent (`MAX_BUFFERED_BYTES`) before it counts as a slow reader and is cut off. */
  maxBufferedBytes: number;
  /** Offered each text frame first (the lean endpoints); true: taken, tRPC never sees it. */
  take: (frame: Buffer) => boolean;
}

/**
 * The one place that reaches into a `ws` socket's own methods (`emit` and
 * `send`), so tRPC's adapter keeps working unchanged around it:
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
export function guardSocket(socket: WebSocket, opts: GuardOptions): void {
  const emit = socket.emit;
  socket.emit = function (this: WebSocket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "message") {
      if (this.readyState !== WebSocket.OPEN) return false;
      if (args[1] === false && Buffer.isBuffer(args[0]) && opts.take(args[0])) return true;
    }
    return emit.apply(this, [event, ...args]);
  };
  const send = socket.send;
  const guarded = function (this: WebSocket, ...args: unknown[]): void {
    if (this.readyState === WebSocket.OPEN && this.bufferedAmount > opts.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, "slow consumer: resume from your last event");
      return;
    }
    Reflect.apply(send, this, args);
  };
  socket.send = guarded as WebSocket["send"];
}
