import type { StreamEvent } from "../events.ts";
import type { Socket } from "./connections.ts";

/**
 * The fast path of `events.stream`. tRPC's WebSocket adapter sends each
 * subscription item through generic machinery (a promise race, object
 * spreads and a `JSON.stringify` per subscriber per event); at room sizes of
 * 50 that, not the database, is what limits a process. So once a
 * subscription has caught up, the hub writes its events straight to the
 * socket, as the exact frames the adapter would have written for what the
 * `events.stream` procedure yields:
 *
 *   {"id":<subscription id>,"result":{"type":"data","data":{"id":"<pos>","data":<event>},"id":"<pos>"}}
 *
 * where <pos> is the event's stream position, or for a live event (typing,
 * presence) the last position this subscription sent (see router/events.ts),
 * serialising each event once for all its recipients. The procedure stays
 * declared in the router (its types reach clients, and tRPC still owns the
 * subscription's start, stop and errors), and any standard tRPC client reads
 * these frames unchanged.
 */

type SubscriptionId = number | string;

/** One event on its way out: serialised at most once, framed once per distinct subscription id. */
export class Outgoing {
  private json: string | null = null;
  private firstId: SubscriptionId | null = null;
  private firstAt = -1;
  private firstFrame: Buffer | null = null;
  private others: Map<SubscriptionId, Buffer> | null = null;
  private readonly event: () => StreamEvent;

  constructor(
    event: StreamEvent | (() => StreamEvent),
    /** The stream position for durable events; null for live-only ones. */
    readonly position: number | null,
  ) {
    this.event = typeof event === "function" ? event : () => event;
  }

  /**
   * A durable event straight from its log row, without decoding it: the
   * event the stream yields is the stored body with its position added
   * (`decodeEvent`), so its JSON is the stored JSON with `"id":<position>`
   * appended (the body is `JSON.stringify` output and has no `id` of its
   * own; `fanout.test.ts` checks the two agree). `event` decodes only if
   * something needs the object.
   */
  static fromPayload(event: () => StreamEvent, position: number, payload: string): Outgoing {
    const out = new Outgoing(event, position);
    if (payload.length > 2 && payload.endsWith("}")) out.json = `${payload.slice(0, -1)},"id":${position}}`;
    return out;
  }

  /**
   * The whole WebSocket frame (header and text) for one subscription id,
   * tracked at `at`. Durable events are tracked at their own position, so
   * most recipients share one buffer.
   */
  frame(id: SubscriptionId, at: number): Buffer {
    if (id === this.firstId && at === this.firstAt && this.firstFrame) return this.firstFrame;
    if (this.firstFrame === null) {
      this.firstId = id;
      this.firstAt = at;
      this.firstFrame = this.build(id, at);
      return this.firstFrame;
    }
    if (this.position === null) return this.build(id, at);
    let f = this.others?.get(id);
    if (!f) {
      f = this.build(id, at);
      this.others ??= new Map();
      this.others.set(id, f);
    }
    return f;
  }

  private build(id: SubscriptionId, at: number): Buffer {
    this.json ??= JSON.stringify(this.event());
    return textFrame(`{"id":${JSON.stringify(id)},"result":{"type":"data","data":{"id":"${at}","data":${this.json}},"id":"${at}"}}`);
  }
}

/** A final, unmasked WebSocket text frame (RFC 6455 §5.2), as a server sends it. */
export function textFrame(text: string): Buffer {
  const n = Buffer.byteLength(text);
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  frame.write(text, head, "utf8");
  return frame;
}

/** Length of the header `textFrame` put in front of the text. */
const headerLength = (frame: Buffer) => (frame[1] === 126 ? 4 : frame[1] === 127 ? 10 : 2);

/**
 * `ws`'s net.Socket (its `_socket`): frames are written to it whole, and it
 * is corked for a dispatch round. Writing there skips `ws`'s per-message
 * framing, which is safe while `ws` itself queues nothing: without
 * permessage-deflate (off on our server) and Blobs, it writes each message
 * through at once, so frames from both paths stay in order.
 */
interface RawSocket {
  cork(): void;
  uncork(): void;
  write(chunk: Buffer): boolean;
  readonly writableCorked: number;
}

export function rawSocket(socket: Socket): RawSocket | null {
  const raw = (socket as { _socket?: Partial<RawSocket> })._socket;
  return raw && typeof raw.cork === "function" && typeof raw.uncork === "function" && typeof raw.write === "function" ? (raw as RawSocket) : null;
}

/** A subscription that has handed its delivery to the hub. */
export class DirectWriter {
  private readonly raw: RawSocket | null;

  constructor(
    private readonly socket: Socket,
    private readonly id: SubscriptionId,
    /** Position of the last durable event this subscription sent. */
    private last: number,
    private readonly maxBufferedBytes: number,
    private readonly cutOff: () => void,
  ) {
    this.raw = rawSocket(socket);
  }

  write(out: Outgoing, batch: WriteBatch): void {
    if (out.position !== null) {
      if (out.position <= this.last) return;
      this.last = out.position;
    }
    // A closing socket: the client resumes from the last position it received.
    if (this.socket.readyState !== 1) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.cutOff();
      return;
    }
    const frame = out.frame(this.id, this.last);
    if (this.raw) {
      batch.cork(this.raw);
      this.raw.write(frame);
    } else {
      // Another Socket implementation: let it frame the text itself.
      this.socket.send(frame.subarray(headerLength(frame)), { binary: false });
    }
  }
}

/**
 * Coalesces the frames one dispatch round writes to the same socket into a
 * single write: each socket is corked on its first frame and uncorked when
 * the round ends, so a burst of events costs one syscall per socket, not one
 * per event. The frames themselves are unchanged.
 */
export class WriteBatch {
  private readonly corked: RawSocket[] = [];

  cork(raw: RawSocket): void {
    if (raw.writableCorked > 0) return;
    raw.cork();
    this.corked.push(raw);
  }

  flush(): void {
    for (const raw of this.corked) raw.uncork();
    this.corked.length = 0;
  }
}

/**
 * Learns which tRPC subscription id a stream runs under, which the procedure
 * itself is never told: the stream sends its first item through tRPC as a
 * private copy, and the adapter's encoder (see apps/server ws.ts) reports
 * the id of the message that carries that copy. Cheap: one WeakMap lookup
 * per message the adapter sends.
 */
export class StreamIds {
  private readonly waiting = new WeakMap<object, (id: SubscriptionId) => void>();

  /** A private copy of `event`; `onId` gets the subscription id when tRPC sends it. */
  mark<T extends StreamEvent>(event: T, onId: (id: SubscriptionId) => void): T {
    const copy = { ...event };
    this.waiting.set(copy, onId);
    return copy;
  }

  /** Looks at one message the adapter is about to encode. */
  observe(msg: unknown): void {
    if (typeof msg !== "object" || msg === null) return;
    const { id, result } = msg as { id?: unknown; result?: { type?: string; id?: unknown; data?: unknown } };
    if (result?.type !== "data" || (typeof id !== "number" && typeof id !== "string")) return;
    const data = result.data;
    const item = result.id !== undefined && typeof data === "object" && data !== null ? (data as { data?: unknown }).data : data;
    if (typeof item !== "object" || item === null) return;
    const onId = this.waiting.get(item);
    if (onId) {
      this.waiting.delete(item);
      onId(id);
    }
  }
}
