import type { RequestHost } from "./request-target.ts";

/**
 * Which browser origins may use this server, and which Host names it
 * answers to. Both are judged against configuration, never against the
 * request's own Host header: a page on a name the attacker controls that
 * resolves to this server (DNS rebinding) sends Host and Origin that agree,
 * so "Origin matches Host" proves nothing.
 *
 * Known origins: PUBLIC_URL, ALLOWED_ORIGINS, the loopback forms of the port
 * the server listens on (localhost, 127.0.0.1, [::1]), and HOST:port when
 * HOST names one address.
 */
export interface OriginSettings {
  /** The origin browsers reach the server at (PUBLIC_URL), if configured. */
  publicUrl: string | null;
  allowedOrigins: readonly string[];
  /** The address the server binds (HOST). */
  bindHost: string;
}

export interface OriginPolicy {
  /** A browser's Origin header: absent (not a browser) is allowed, `null` never is. */
  originAllowed(origin: string | undefined): boolean;
  /** Whether the server answers to this Host; null is an HTTP/1.0 request without one. */
  hostAllowed(host: RequestHost | null): boolean;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);
const WILDCARD_BINDS = new Set(["0.0.0.0", "::", "[::]"]);

/** `https://Chat.Example:443/` → `https://chat.example`; null if not an http(s) origin. */
export function normaliseOrigin(text: string): string | null {
  try {
    const u = new URL(text);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : null;
  } catch {
    return null;
  }
}

interface KnownHost {
  hostname: string;
  /** Explicit or the scheme's default. */
  port: string;
}

/** `port` is read when first needed: a server listening on port 0 learns its port only after listen. */
export function createOriginPolicy(settings: OriginSettings, port: () => number): OriginPolicy {
  let known: { origins: Set<string>; hosts: KnownHost[] } | null = null;
  const table = () => {
    if (known) return known;
    const p = port();
    const own = [...LOOPBACK_NAMES].map((name) => `http://${name}:${p}`);
    if (!WILDCARD_BINDS.has(settings.bindHost) && !LOOPBACK_NAMES.has(settings.bindHost)) {
      own.push(`http://${settings.bindHost.includes(":") ? `[${settings.bindHost}]` : settings.bindHost}:${p}`);
    }
    const configured = [settings.publicUrl, ...settings.allowedOrigins].flatMap((o) => (o === null ? [] : [o]));
    const origins = new Set([...own, ...configured].flatMap((o) => normaliseOrigin(o) ?? []));
    const hosts = [...origins].map((o) => {
      const u = new URL(o);
      return { hostname: u.hostname, port: u.port || (u.protocol === "https:" ? "443" : "80") };
    });
    // Cached once the real port is known (before that, e.g. in a unit test with port 0, recomputed).
    if (p !== 0) known = { origins, hosts };
    return { origins, hosts };
  };

  return {
    originAllowed(origin) {
      if (origin === undefined) return true; // bots and CLIs send none; browsers always do
      const o = normaliseOrigin(origin);
      return o !== null && table().origins.has(o);
    },
    hostAllowed(host) {
      // Browsers always send Host: a request without one is not a rebinding page.
      if (host === null) return true;
      // A loopback name cannot be rebound to another site, whatever the port: it reaches this
      // server through a local forwarder (a dev proxy, a port mapping, an SSH tunnel).
      if (LOOPBACK_NAMES.has(host.hostname)) return true;
      return table().hosts.some(
        (k) => k.hostname === host.hostname && (host.port === k.port || (host.port === "" && (k.port === "80" || k.port === "443"))),
      );
    },
  };
}
