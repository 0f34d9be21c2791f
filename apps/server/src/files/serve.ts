import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { ByteRange, FileStorage } from "./storage.ts";

/**
 * How a stored file goes out. Whatever it is, the browser must not run it
 * on our origin: `nosniff` (the declared type is final), a sandboxing CSP
 * (no script, no plugin, no same-origin access even if opened directly),
 * and `attachment` for everything but an allowlist of raster images,
 * audio and video — never SVG, HTML, XML or PDF, which are documents that
 * can carry script.
 */

export const INLINE_TYPES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "audio/mpeg",
  "audio/ogg",
  "audio/wav",
  "audio/vnd.wave",
  "audio/webm",
  "audio/flac",
  "audio/aac",
  "audio/mp4",
  "video/mp4",
  "video/webm",
  "video/ogg",
  "video/quicktime",
]);

/** The headers every answer under /files carries, the 404 included. */
export const SAFETY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "sandbox; default-src 'none'",
  "cache-control": "private",
  "referrer-policy": "no-referrer",
};

/** One answer for a file that does not exist and one the caller may not read: nothing tells them apart. */
export function notFound(res: ServerResponse): void {
  res.writeHead(404, { ...SAFETY_HEADERS, "content-type": "text/plain; charset=utf-8", "content-length": "9" }).end("not found");
}

/** RFC 6266: an ASCII fallback and the UTF-8 name. */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A single `bytes=` range of a file of `size` bytes; null: serve it whole; "unsatisfiable": 416. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | "unsatisfiable" {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, or another unit: answering with the whole file is allowed (RFC 9110 §14.2).
  if (!m) return null;
  const [, a = "", b = ""] = m;
  if (a === "" && b === "") return null;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

export interface Servable {
  key: string;
  name: string;
  size: number;
  contentType: string;
  etag: string;
}

export async function sendStored(req: IncomingMessage, res: ServerResponse, storage: FileStorage, f: Servable): Promise<void> {
  const inline = INLINE_TYPES.has(f.contentType);
  const headers: Record<string, string> = {
    ...SAFETY_HEADERS,
    "content-type": f.contentType.startsWith("text/") ? `${f.contentType}; charset=utf-8` : f.contentType,
    "content-disposition": contentDisposition(inline ? "inline" : "attachment", f.name),
    "accept-ranges": "bytes",
    etag: f.etag,
  };
  if (req.headers["if-none-match"] === f.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const range = parseRange(req.headers.range, f.size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { ...headers, "content-range": `bytes */${f.size}`, "content-length": "0" }).end();
    return;
  }
  const body = req.method === "HEAD" ? null : await storage.get(f.key, range ?? undefined);
  if (req.method !== "HEAD" && body === null) {
    notFound(res);
    return;
  }
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${f.size}`;
    headers["content-length"] = String(range.end - range.start + 1);
    res.writeHead(206, headers);
  } else {
    headers["content-length"] = String(f.size);
    res.writeHead(200, headers);
  }
  if (body === null) {
    res.end();
    return;
  }
  // A client that goes away mid-download ends the pipeline with an error: nothing to answer then.
  await pipeline(body, res).catch(() => body.destroy());
}

export function sendBuffer(req: IncomingMessage, res: ServerResponse, body: Buffer, contentType: string, name: string, etag: string): void {
  const headers = {
    ...SAFETY_HEADERS,
    "content-type": contentType,
    "content-disposition": contentDisposition("inline", name),
    "content-length": String(body.length),
    etag,
  };
  if (req.headers["if-none-match"] === etag) res.writeHead(304, headers).end();
  else res.writeHead(200, headers).end(req.method === "HEAD" ? undefined : body);
}
