import WebSocket from "ws";

/**
 * One connection speaking tRPC v11's WebSocket protocol by hand (what
 * `@trpc/client`'s wsLink sends), lean enough that thousands of them in one
 * load-generator process measure the server rather than the client:
 *   → {"method":"connectionParams","data":{"token":…}}   (URL has ?connectionParams=1)
 *   → {"id":1,"method":"subscription","params":{"path":"events.stream","input":{}}}
 *   ← {"id":1,"result":{"type":"data","data":{"id":"<pos>","data":<event>},"id":"<pos>"}}  (tracked)
 *   ← {"id":1,"result":{"type":"data","data":<event>}}                                   (live)
 *   → {"id":n,"method":"mutation","params":{"path":"messages.send","input":{…}}}
 *   ← {"id":n,"result":{"type":"data","data":<message>}}  or  {"id":n,"error":{…}}
 * Bench deliveries are recognised without a full JSON.parse (the content
 * marker is searched for); everything else is parsed.
 */

export const STREAM_ID = 1;
const TRACKED_PREFIX = `{"id":${STREAM_ID},"result":{"type":"data","data":{"id":"`;
const CONTENT_KEY = '"content":"';
/** Bench message content: `b|<step>|<sentAtMs>|<seq>`. */
export const MARK = "b|";

export interface Delivery {
  /** Stream position (tracked events), or -1 for live events. */
  position: number;
  /** The bench marker content of a message.created event, or null. */
  content: string | null;
  /** For a reaction event: `reactionKey(…)` of it (the mixed scenario times them), else absent. */
  reaction?: string;
}

/** Names one reaction change, as its sender and its recipients both see it. */
export const reactionKey = (added: boolean, userId: number, messageId: number, emoji: string) => `${added ? "+" : "-"}${userId}|${messageId}|${emoji}`;

const REACTION_TYPE = '"type":"reaction.';

/** The number after `"key":` in a JSON frame (no whitespace: the server writes compact JSON). */
function numberAfter(s: string, key: string, from: number): number {
  const i = s.indexOf(key, from);
  if (i < 0) return Number.NaN;
  let end = i + key.length;
  while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
  return Number(s.slice(i + key.length, end));
}

/** A reaction event's key, read from its frame without a JSON.parse (thousands per second per process). */
function reactionIn(s: string, from: number): string | undefined {
  const t = s.indexOf(REACTION_TYPE, from);
  if (t < 0) return undefined;
  const added = s.startsWith("added", t + REACTION_TYPE.length);
  const e = s.indexOf('"emoji":"', from);
  if (e < 0) return undefined;
  const emoji = s.slice(e + 9, s.indexOf('"', e + 9));
  return reactionKey(added, numberAfter(s, '"userId":', from), numberAfter(s, '"messageId":', from), emoji);
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class WireConn {
  readonly ws: WebSocket;
  private nextId = 2;
  private readonly pending = new Map<number, Pending>();
  private readyResolve: ((pos: number) => void) | null = null;
  private readyReject: ((e: Error) => void) | null = null;
  /** Position of the last tracked event received; order is checked against it. */
  lastPosition = 0;
  /** Tracked events whose position did not increase (duplicate or out of order). */
  disorder = 0;
  closedWith: number | null = null;

  constructor(
    url: string,
    token: string,
    private readonly onDelivery: (conn: WireConn, d: Delivery) => void,
    localAddress?: string,
  ) {
    this.ws = new WebSocket(`${url}?connectionParams=1`, { perMessageDeflate: false, localAddress });
    this.ws.on("open", () => {
      this.ws.send(JSON.stringify({ method: "connectionParams", data: { token } }));
    });
    this.ws.on("message", (raw, isBinary) => this.onMessage(isBinary ? raw.toString() : raw.toString()));
    this.ws.on("close", (code) => {
      this.closedWith = code;
      const err = new Error(`socket closed with ${code}`);
      this.readyReject?.(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
    this.ws.on("error", () => {});
  }

  /** Opens `events.stream` and resolves with the `ready` position. */
  subscribe(lastEventId?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
      const send = () =>
        this.ws.send(
          JSON.stringify({
            id: STREAM_ID,
            method: "subscription",
            params: { path: "events.stream", input: lastEventId ? { lastEventId } : {} },
          }),
        );
      if (this.ws.readyState === WebSocket.OPEN) send();
      else this.ws.once("open", send);
    });
  }

  /** Waits for the socket to open (and the connection params to go out). */
  opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("close", (code) => reject(new Error(`socket closed with ${code}`)));
    });
  }

  call(method: "query" | "mutation", path: string, input: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(`{"id":${id},"method":"${method}","params":{"path":"${path}","input":${JSON.stringify(input)}}}`);
    });
  }

  close(): void {
    this.ws.close();
  }

  private onMessage(s: string): void {
    if (s === "PING") {
      this.ws.send("PONG");
      return;
    }
    // Fast path: the frame layout tRPC's ws adapter writes for tracked events.
    if (s.startsWith(TRACKED_PREFIX)) {
      const end = s.indexOf('"', TRACKED_PREFIX.length);
      const position = Number(s.slice(TRACKED_PREFIX.length, end));
      const c = s.indexOf(CONTENT_KEY, end);
      if (c >= 0 && s.startsWith(MARK, c + CONTENT_KEY.length)) {
        const from = c + CONTENT_KEY.length;
        this.tracked(position, s.slice(from, s.indexOf('"', from)), false);
      } else if (c < 0 && s.includes(REACTION_TYPE, end)) this.tracked(position, null, false, reactionIn(s, end));
      else this.tracked(position, null, s.includes('"type":"ready"'));
      return;
    }
    const msg = JSON.parse(s) as {
      id: number | string | null;
      result?: { type: string; id?: string; data?: unknown };
      error?: { message?: string; data?: { code?: string } };
    };
    if (msg.id === STREAM_ID) {
      if (msg.error) {
        this.readyReject?.(new Error(`events.stream failed: ${msg.error.message}`));
        this.readyReject = null;
        this.readyResolve = null;
      } else if (msg.result?.type === "data") {
        if (msg.result.id === undefined) {
          this.onDelivery(this, { position: -1, content: null });
          return;
        }
        type Event = { type?: string; message?: { content?: string }; userId?: number; messageId?: number; emoji?: string };
        const event = (msg.result.data as { data?: Event }).data;
        const content = event?.type === "message.created" || event?.type === "message.updated" ? (event.message?.content ?? null) : null;
        const reaction =
          event?.type === "reaction.added" || event?.type === "reaction.removed"
            ? reactionKey(event.type === "reaction.added", event.userId ?? 0, event.messageId ?? 0, event.emoji ?? "")
            : undefined;
        this.tracked(Number(msg.result.id), content?.startsWith(MARK) ? content : null, event?.type === "ready", reaction);
      }
      return;
    }
    if (typeof msg.id !== "number") return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${msg.error.data?.code ?? "ERROR"}: ${msg.error.message}`));
    else p.resolve(msg.result?.data);
  }

  private tracked(position: number, content: string | null, isReady: boolean, reaction?: string): void {
    const ready = this.readyResolve;
    if (isReady && ready) {
      this.readyResolve = null;
      this.readyReject = null;
      this.lastPosition = position;
      ready(position);
      return;
    }
    // Live events (typing, presence) are tracked at the last durable position, so only a
    // bench message must move forward; nothing may ever go back.
    if (position < this.lastPosition || (position === this.lastPosition && content !== null)) this.disorder++;
    else this.lastPosition = position;
    this.onDelivery(this, reaction === undefined ? { position, content } : { position, content, reaction });
  }
}
