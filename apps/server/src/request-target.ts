import type { IncomingMessage } from "node:http";

/**
 * What the edge accepts of a request line and its Host header, parsed once
 * for every entry point (HTTP routes and the WebSocket upgrade). Anything
 * malformed is a client error with a status, never an exception that
 * reaches the process.
 */

/** A request the edge answers itself with this status: the client's fault, not the server's. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 405 | 421,
    readonly reason: string,
    /** Extra response headers, e.g. `allow` with a 405. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(reason);
  }
}

export interface RequestTarget {
  /** Normalised, still percent-encoded path (dot segments resolved), e.g. `/trpc/auth.me`. */
  pathname: string;
  /** The path's segments, decoded; none is empty, `.`, `..`, or holds `/`, `\` or a control character. */
  segments: string[];
  /** `?…` or "" */
  search: string;
  /** The authority of an absolute-form target (`GET http://host:port/path`), which then stands for Host (RFC 9112 §3.2.2). */
  authority: string | null;
}

export interface RequestHost {
  /** Lower case; IPv6 in brackets, as in a URL. */
  hostname: string;
  /** As sent: "" when the Host has no port. */
  port: string;
}

// Only printable ASCII belongs in a request target (RFC 9112 §3.2); browsers percent-encode the rest.
const TARGET_CHARS = /^[\x21-\x7e]+$/;
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A segment's decoded form must not smuggle a separator, a NUL or other control characters into a file path or a route. */
function badSegment(decoded: string): boolean {
  if (decoded === "." || decoded === ".." || decoded.includes("/") || decoded.includes("\\")) return true;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Parses `req.url`. Throws HttpRefusal(400) for anything that is not a well-formed origin- or absolute-form target. */
export function parseTarget(raw: string | undefined): RequestTarget {
  if (raw === undefined || !TARGET_CHARS.test(raw) || raw.includes("#")) throw new HttpRefusal(400, "malformed request target");
  let url: URL;
  let authority: string | null = null;
  if (raw.startsWith("/")) {
    // A fixed base: "//x/y" is a path here, not a host (WHATWG URL would read it as one).
    url = parseUrl(`http://target.invalid${raw}`);
  } else if (ABSOLUTE_FORM.test(raw)) {
    url = parseUrl(raw);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new HttpRefusal(400, "unsupported scheme in request target");
    if (url.username || url.password || url.host === "") throw new HttpRefusal(400, "malformed authority in request target");
    authority = url.host;
  } else {
    // The asterisk form (OPTIONS *) and the authority form (CONNECT) are not served here.
    throw new HttpRefusal(400, "malformed request target");
  }
  const segments: string[] = [];
  for (const part of url.pathname.split("/")) {
    if (part === "") continue;
    const decoded = decode(part);
    if (badSegment(decoded)) throw new HttpRefusal(400, "malformed path segment");
    segments.push(decoded);
  }
  // The query's escapes are checked too, so no route meets a half-decoded string.
  if (url.search) decode(url.search.slice(1).replace(/\+/g, " "));
  return { pathname: url.pathname, segments, search: url.search, authority };
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new HttpRefusal(400, "malformed request target");
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpRefusal(400, "malformed percent-encoding");
  }
}

const HOST_SYNTAX = /^(\[[0-9a-f:.]+\]|[a-z0-9._~!$&'()*+,;=-]+)(?::(\d{1,5}))?$/i;

/**
 * The Host a request is for: the absolute-form target's authority if it has
 * one, else the Host header. Null when an HTTP/1.0 client sends none (Node
 * itself refuses HTTP/1.1 without one). Throws HttpRefusal(400) for several
 * Host headers or one that is not a host[:port].
 */
export function parseHost(req: IncomingMessage, target: RequestTarget): RequestHost | null {
  if (target.authority !== null) return hostFrom(target.authority);
  // Node keeps only the first of several Host headers; RFC 9112 §3.2 says that request is invalid.
  // Counted in rawHeaders: `req.headersDistinct` would build (and keep, for as long
  // as a WebSocket's request lives) a copy of every header.
  const raw = req.rawHeaders;
  let given: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? "";
    if (name.length !== 4 || name.toLowerCase() !== "host") continue;
    if (given !== null) throw new HttpRefusal(400, "more than one Host header");
    given = raw[i + 1] ?? "";
  }
  return given === null ? null : hostFrom(given);
}

function hostFrom(value: string): RequestHost {
  const m = HOST_SYNTAX.exec(value);
  if (!m) throw new HttpRefusal(400, "malformed Host");
  const port = m[2] ?? "";
  if (port !== "" && Number(port) > 65535) throw new HttpRefusal(400, "malformed Host");
  try {
    // WHATWG's host parser refuses bad IPv4/IPv6 literals and forbidden code points.
    return { hostname: new URL(`http://${m[1]}`).hostname, port };
  } catch {
    throw new HttpRefusal(400, "malformed Host");
  }
}
