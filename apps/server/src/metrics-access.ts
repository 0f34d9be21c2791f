import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/**
 * Who may scrape /metrics: a caller presenting `Authorization: Bearer
 * <METRICS_TOKEN>`, or a loopback peer. Behind a reverse proxy
 * (TRUST_PROXY > 0) every request arrives from the proxy, usually on
 * loopback, so the peer proves nothing and only the token admits.
 * A loopback peer must also have sent a Host the server answers to: a
 * browser on this machine reaching a rebound name is a loopback peer too.
 */
export interface MetricsAccessSettings {
  token: string | null;
  trustProxyHops: number;
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith("127.");
  return address === "::1";
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Constant-time in the token's content and length (both sides hashed to 32 bytes first). */
function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function bearer(authorization: string | undefined): string | null {
  const m = authorization === undefined ? null : /^Bearer +(\S+) *$/i.exec(authorization);
  return m?.[1] ?? null;
}

export interface MetricsRequest {
  /** The socket's peer address (never X-Forwarded-For). */
  peer: string | undefined;
  authorization: string | undefined;
  /** Whether the request's Host is one the server answers to (origins.ts). */
  hostKnown: boolean;
}

export function mayReadMetrics(settings: MetricsAccessSettings, r: MetricsRequest): boolean {
  const given = bearer(r.authorization);
  if (settings.token !== null && given !== null && tokenMatches(given, settings.token)) return true;
  if (settings.trustProxyHops > 0) return false;
  return r.hostKnown && isLoopback(r.peer);
}

export function createMetricsAccess(settings: MetricsAccessSettings): (req: IncomingMessage, hostKnown: boolean) => boolean {
  return (req, hostKnown) => mayReadMetrics(settings, { peer: req.socket.remoteAddress, authorization: req.headers.authorization, hostKnown });
}
