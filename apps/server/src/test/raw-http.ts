import { connect } from "node:net";

/**
 * HTTP/1.1 written by hand over a TCP socket, for what fetch() refuses to
 * send: any Host header, several of them, absolute-form or malformed
 * request targets, forbidden methods, upgrades with chosen headers.
 */

export interface RawReply {
  /** 0 when the server closed without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (CRLF-joined lines; the blank line is added) and `body`, reads until the server closes or the status of an upgrade arrives. */
export function rawRequest(port: number, lines: readonly string[], body = "", timeoutMs = 5000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(port, "127.0.0.1", () => s.write(Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`, "latin1")));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no complete reply within ${timeoutMs} ms to ${JSON.stringify(lines[0])}: ${Buffer.concat(chunks).toString("latin1").slice(0, 200)}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(parse(Buffer.concat(chunks).toString("latin1")));
    };
    s.on("data", (c: Buffer) => {
      chunks.push(c);
      // A 101 keeps the socket open as a WebSocket: its head is the whole answer.
      const text = Buffer.concat(chunks).toString("latin1");
      if (text.startsWith("HTTP/1.1 101 ") && text.includes("\r\n\r\n")) done();
    });
    s.on("close", done);
    s.on("error", () => {});
  });
}

function parse(text: string): RawReply {
  const split = text.indexOf("\r\n\r\n");
  const head = split === -1 ? text : text.slice(0, split);
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, body: split === -1 ? "" : text.slice(split + 4) };
}

/** A GET with Connection: close, the given Host (default: the server's own) and extra header lines. */
export function rawGet(port: number, target: string, opts: { host?: string | null; headers?: readonly string[]; method?: string } = {}): Promise<RawReply> {
  const host = opts.host === undefined ? `127.0.0.1:${port}` : opts.host;
  return rawRequest(port, [`${opts.method ?? "GET"} ${target} HTTP/1.1`, ...(host === null ? [] : [`Host: ${host}`]), ...(opts.headers ?? []), "Connection: close"]);
}

/** A WebSocket upgrade request for /ws (or `target`); resolves with the status (101 when it opened). */
export async function rawUpgrade(port: number, opts: { host?: string; origin?: string; target?: string } = {}): Promise<number> {
  const lines = [
    `GET ${opts.target ?? "/ws"} HTTP/1.1`,
    `Host: ${opts.host ?? `127.0.0.1:${port}`}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ...(opts.origin === undefined ? [] : [`Origin: ${opts.origin}`]),
  ];
  return (await rawRequest(port, lines)).status;
}
