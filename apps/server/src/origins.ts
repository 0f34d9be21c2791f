import type { IncomingMessage } from "node:http";

/**
 * An Origin is allowed when it is in ALLOWED_ORIGINS or is this server's own
 * origin (same host). `null` (sandboxed frames, file://) never is.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser: bots and CLIs send none
  if (origin === "null") return false;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
