import { type FileHandle, open, realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, relative, sep } from "node:path";
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

/** Formats the build precompresses (apps/web/precompress.ts): their responses vary by Accept-Encoding. */
const COMPRESSIBLE = new Set([".js", ".css", ".html", ".svg", ".json", ".webmanifest", ".txt", ".map", ".ico"]);
type Coding = "br" | "gzip";
const SUFFIX: Record<Coding, string> = { br: ".br", gzip: ".gz" };

/**
 * The codings a request accepts, best first (brotli is smaller): RFC 9110
 * `Accept-Encoding`, where `q=0` refuses a coding and `*` stands for any not named.
 */
export function acceptedCodings(header: string | undefined): Coding[] {
  const q = new Map<string, number>();
  for (const part of (header ?? "").split(",")) {
    const [name = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    if (name === "") continue;
    const qParam = params.find((p) => p.startsWith("q="));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const of = (c: Coding) => q.get(c) ?? q.get("*") ?? 0;
  return (["br", "gzip"] as const).filter((c) => of(c) > 0).sort((a, b) => of(b) - of(a));
}

/**
 * Message text is rendered as text; this is the second line of defence.
 * With FILES_ORIGIN (issue 16) the app's downloads are redirected there
 * (after the access check), so fetches, images and media may come from that
 * one origin too, and from nowhere else.
 */
export function contentSecurityPolicy(filesOrigin: string | null = null): string {
  const files = filesOrigin ? ` ${new URL(filesOrigin).origin}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    // blob: for file previews, which the app fetches with its token and shows from memory (issue 16).
    `img-src 'self' data: blob:${files}`,
    `media-src 'self' blob:${files}`,
    `connect-src 'self' ws: wss:${files}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join("; ");
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * Serves the built web app; unknown paths fall back to index.html
 * (client-side routes). `segments` come decoded and checked from the edge
 * (request-target.ts: no `..`, separators or NUL in a segment); every file is
 * resolved through symlinks and served only if it really lies inside the web
 * directory. Resolves false when there is nothing to serve (the caller
 * answers 404).
 */
export function createStaticFiles(webDir: string, opts: { filesOrigin?: string | null } = {}) {
  const csp = contentSecurityPolicy(opts.filesOrigin ?? null);
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
    const compressible = COMPRESSIBLE.has(extname(file));
    // A precompressed copy written by the build beside the file, if the client takes its coding
    // (checked like the file itself: a link out of the root is not followed).
    let coding: Coding | null = null;
    let served = file;
    if (compressible) {
      for (const c of acceptedCodings(req.headers["accept-encoding"])) {
        const segs = relative(base, file).split(sep);
        const copy = await resolveFile(base, segs.map((seg, i) => (i === segs.length - 1 ? seg + SUFFIX[c] : seg)));
        if (copy !== "missing" && copy !== "refused") {
          coding = c;
          served = copy;
          break;
        }
      }
    }
    // Opened before the head is written, so a file that vanished or is unreadable is still a clean 404.
    let handle: FileHandle | null = null;
    let size: number;
    try {
      handle = await open(served, "r");
      size = (await handle.stat()).size;
    } catch {
      await handle?.close();
      return false;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": size,
      ...(coding ? { "content-encoding": coding } : {}),
      ...(compressible ? { vary: "Accept-Encoding" } : {}),
      "content-security-policy": csp,
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
