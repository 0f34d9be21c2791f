import WebSocket from "ws";
import { type Endpoint, wsUrl } from "./harness.ts";

/**
 * A raw WebSocket speaking tRPC's wire protocol, for tests that need what
 * the tRPC client hides: close codes, malformed frames, a reader that stops
 * reading, or a thousand cheap connections.
 */

export interface WireMessage {
  id?: number | string | null;
  method?: string;
  result?: { type: "started" | "stopped" | "data"; id?: string; data?: unknown };
  error?: { message: string; code: number; data?: { code?: string } };
}

export interface WireClose {
  code: number;
  reason: string;
  /** Milliseconds after `openWire` was called. */
  afterMs: number;
}

export interface WireOptions {
  /** Sent as tRPC `connectionParams` right after the socket opens; `undefined` sends none. */
  token?: string | null;
  /** Extra query string (without `?`). */
  query?: string;
  headers?: Record<string, string>;
  /** Answer the server's keep-alive "PING" (default true). */
  answerPings?: boolean;
  /** Called for every parsed frame, before it is stored. */
  onMessage?: (m: WireMessage) => void;
  /** Keep frames in `messages` (default true; off for thousands of cheap clients). */
  keep?: boolean;
}

export interface WireSocket {
  ws: WebSocket;
  /** Resolves once open (and connectionParams sent); rejects with the HTTP status on a refused upgrade. */
  opened: Promise<void>;
  closed: Promise<WireClose>;
  messages: WireMessage[];
  send(frame: string | Buffer): void;
  /** A query or mutation; resolves with the reply frame. */
  call(method: "query" | "mutation", path: string, input?: unknown, timeoutMs?: number): Promise<WireMessage>;
  /** Starts a subscription; returns its id. */
  subscribe(path: string, input?: unknown, lastEventId?: string): number;
  waitFor(pred: (m: WireMessage) => boolean, timeoutMs?: number): Promise<WireMessage>;
  /** Durable stream events received on subscription `id`, as (position, event). */
  tracked(id: number): { id: string; data: { type: string; [k: string]: unknown } }[];
  close(): void;
}

let nextId = 1;

export function openWire(server: Endpoint, opts: WireOptions = {}): WireSocket {
  const started = Date.now();
  const params = [opts.token !== undefined ? "connectionParams=1" : "", opts.query ?? ""].filter(Boolean).join("&");
  const ws = new WebSocket(`${wsUrl(server)}${params ? `?${params}` : ""}`, { headers: opts.headers });
  const messages: WireMessage[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => {
      if (opts.token !== undefined) ws.send(JSON.stringify({ method: "connectionParams", data: { token: opts.token ?? "" } }));
      resolve();
    });
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once("error", (err) => reject(err));
  });
  opened.catch(() => {});
  const closed = new Promise<WireClose>((resolve) => {
    ws.once("close", (code, reason) => {
      resolve({ code, reason: reason.toString(), afterMs: Date.now() - started });
      wake();
    });
  });
  ws.on("error", () => {});
  ws.on("message", (raw) => {
    const text = raw.toString();
    if (text === "PING") {
      if (opts.answerPings !== false) ws.send("PONG");
      return;
    }
    if (text === "PONG") return;
    let m: WireMessage;
    try {
      m = JSON.parse(text) as WireMessage;
    } catch {
      m = { method: `unparsable: ${text.slice(0, 80)}` };
    }
    opts.onMessage?.(m);
    if (opts.keep !== false || waiters.size > 0) messages.push(m);
    wake();
  });

  const waitFor = (pred: (m: WireMessage) => boolean, timeoutMs = 5000) =>
    new Promise<WireMessage>((resolve, reject) => {
      const check = () => {
        const hit = messages.find(pred);
        if (hit) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        } else if (ws.readyState === WebSocket.CLOSED) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error("socket closed before the expected message"));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out; saw ${JSON.stringify(messages.slice(-3))}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    ws,
    opened,
    closed,
    messages,
    send: (frame) => ws.send(frame),
    async call(method, path, input, timeoutMs) {
      await opened;
      const id = nextId++;
      ws.send(JSON.stringify({ id, method, params: { path, input } }));
      return waitFor((m) => m.id === id && (m.error !== undefined || m.result !== undefined), timeoutMs);
    },
    subscribe(path, input, lastEventId) {
      const id = nextId++;
      const frame = JSON.stringify({ id, method: "subscription", params: { path, input, lastEventId } });
      void opened.then(() => ws.send(frame));
      return id;
    },
    waitFor,
    tracked(id) {
      return messages.flatMap((m) => {
        const data = m.result?.data as { id?: string; data?: { type: string } } | undefined;
        if (m.id !== id || m.result?.type !== "data" || typeof m.result.id !== "string" || !data?.data) return [];
        return [{ id: m.result.id, data: data.data as { type: string; [k: string]: unknown } }];
      });
    },
    close: () => ws.close(),
  };
}

/** The tRPC error code of a reply frame, or "OK". */
export const wireCode = (m: WireMessage): string => (m.error ? (m.error.data?.code ?? String(m.error.code)) : "OK");
