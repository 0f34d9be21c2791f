import { type FileHandle, open, realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, sep } from "node:path";
import { pipeline } from "node:stream/promises";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
};

/** Message text is rendered as text; this is the second line of defence. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  // blob: for file previews, which the app fetches with its token and shows from memory (issue 16).
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

/**
 * Serves the built web app; unknown paths fall back to index.html
 * (client-side routes). `segments` come decoded and checked from the edge
 * (request-target.ts: no `..`, separators or NUL in a segment); every file is
 * resolved through symlinks and served only if it really lies inside the web
 * directory. Resolves false when there is nothing to serve (the caller
 * answers 404).
 */
export function createStaticFiles(webDir: string) {
  // The root's own real path, once: a symlinked WEB_DIR is fine, a link out of it is not.
  const root = realpath(webDir).catch(() => null);

  /** The real path of a regular file inside the root, or "missing" / "refused". */
  async function resolveFile(base: string, segments: readonly string[]): Promise<string | "missing" | "refused"> {
    try {
      const real = await realpath(join(base, ...segments));
      if (real !== base && !real.startsWith(base + sep)) return "refused";
      const info = await stat(real);
      if (info.isDirectory()) return "missing";
      return info.isFile() ? real : "refused";
    } catch (err) {
      // ENAMETOOLONG, ELOOP, EACCES…: not something to serve.
      const code = (err as NodeJS.ErrnoException).code;
      return code === "ENOENT" || code === "ENOTDIR" ? "missing" : "refused";
    }
  }

  return async function serveStatic(segments: readonly string[], req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const base = await root;
    if (base === null) return false;
    let file = await resolveFile(base, segments);
    if (file === "missing") file = await resolveFile(base, ["index.html"]);
    if (file === "missing" || file === "refused") return false;
    // Opened before the head is written, so a file that vanished or is unreadable is still a clean 404.
    let handle: FileHandle | null = null;
    let size: number;
    try {
      handle = await open(file, "r");
      size = (await handle.stat()).size;
    } catch {
      await handle?.close();
      return false;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": size,
      "content-security-policy": CONTENT_SECURITY_POLICY,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": file.startsWith(join(base, "assets") + sep) ? "public, max-age=31536000, immutable" : "no-cache",
    });
    if (req.method === "HEAD") {
      await handle.close();
      res.end();
      return true;
    }
    // pipeline closes the file and the response on an error either side (a client that goes away mid-file).
    pipeline(handle.createReadStream(), res).catch(() => {});
    return true;
  };
}
