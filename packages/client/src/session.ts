import { isUnauthorized } from "./errors.ts";
import type { AuthResult, Logger, Tokens } from "./types.ts";

interface Claims {
  exp?: number;
  iat?: number;
  sub?: string;
}

function decodeJwt(token: string): Claims | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
    const data: unknown = JSON.parse(atob(b64));
    return typeof data === "object" && data !== null ? (data as Claims) : null;
  } catch {
    return null;
  }
}

export interface SessionDeps {
  logger: Logger;
  onTokens?: (tokens: Tokens | null) => void;
  /** Refresh on the open socket (moves the socket to the new token), or null when no socket is open. */
  refreshOnSocket: (refreshToken: string) => Promise<AuthResult> | null;
  refreshOverHttp: (refreshToken: string) => Promise<AuthResult>;
  /** Reads tokens another holder of the session (tab, process) may have saved since. */
  loadTokens?: () => Tokens | null | Promise<Tokens | null>;
  /** Runs a refresh under a lock shared with the other holders of the session. */
  lock: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The refresh token was refused: the session is over. */
  onUnauthenticated: (reason: string) => void;
}

/**
 * Holds the tokens and refreshes the access token before it expires. Only
 * one refresh runs at a time: a refresh token works once, and using it twice
 * makes the server revoke the whole session.
 */
export class Session {
  tokens: Tokens | null = null;
  /** Local epoch ms at which the access token must no longer be used. */
  private expiresAt = 0;
  private refreshAt = 0;
  private forced = false;
  private inflight: Promise<Tokens> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  /** A personal access token: used as is, never refreshed. */
  private fixed = false;

  constructor(private readonly deps: SessionDeps) {}

  /** A personal access token: no expiry known here and no refresh (the server says when it stops working). */
  setFixed(token: string): void {
    this.fixed = true;
    this.tokens = { accessToken: token, refreshToken: "", accessTokenExpiresAt: Number.MAX_SAFE_INTEGER };
    this.expiresAt = Number.POSITIVE_INFINITY;
    this.refreshAt = Number.POSITIVE_INFINITY;
  }

  /**
   * Takes new tokens. The lifetime is read from the token itself (exp − iat,
   * both server time) and counted from when they arrived, so a skewed local
   * clock does not matter for fresh tokens.
   */
  set(tokens: Tokens, fresh: boolean): void {
    const now = Date.now();
    const claims = decodeJwt(tokens.accessToken);
    const exp = claims?.exp ?? tokens.accessTokenExpiresAt / 1000;
    const lifetime = claims?.exp && claims.iat ? (claims.exp - claims.iat) * 1000 : Math.max(0, exp * 1000 - now);
    // exp and iat are whole seconds: the token may have been issued up to 1 s before `iat + 1`.
    this.expiresAt = fresh && claims?.iat ? now + lifetime - 1000 : exp * 1000;
    const margin = Math.min(60_000, Math.max(500, lifetime * 0.3));
    this.refreshAt = this.expiresAt - margin;
    this.tokens = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, accessTokenExpiresAt: exp * 1000 };
    this.forced = false;
    if (fresh) this.deps.onTokens?.(this.tokens);
    this.schedule();
  }

  /** The user the tokens belong to (the access token's subject), known before any round trip. */
  userId(): number | null {
    if (this.fixed) return null;
    const sub = this.tokens ? decodeJwt(this.tokens.accessToken)?.sub : undefined;
    const id = Number(sub);
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  }

  /** The server said the token expired (close code 4002): refresh before the next use. */
  markExpired(): void {
    this.forced = true;
  }

  /** An access token that is still valid, refreshing first if needed. */
  async accessToken(): Promise<string> {
    if (!this.tokens) throw new Error("not signed in");
    if (this.forced || Date.now() >= this.expiresAt - 500) return (await this.refresh()).accessToken;
    return this.tokens.accessToken;
  }

  refresh(): Promise<Tokens> {
    if (this.fixed) {
      // Asked for because the token was refused: there is nothing to refresh it with.
      if (!this.stopped) this.deps.onUnauthenticated("the access token was refused");
      return Promise.reject(new Error("a personal access token cannot be refreshed"));
    }
    this.inflight ??= this.deps.lock(() => this.doRefresh()).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async doRefresh(): Promise<Tokens> {
    let current = this.tokens;
    if (!current || this.stopped) throw new Error("not signed in");
    // Someone sharing this session refreshed first: our refresh token is spent (using it would
    // make the server revoke the session), so take theirs, and refresh only if it is due too.
    const stored = await Promise.resolve(this.deps.loadTokens?.()).catch(() => null);
    if (stored && stored.refreshToken !== current.refreshToken) {
      this.deps.logger.debug("adopting tokens refreshed elsewhere");
      this.set(stored, false);
      current = stored;
      if (Date.now() < this.refreshAt) return stored;
    }
    const onSocket = this.deps.refreshOnSocket(current.refreshToken);
    try {
      const r = await (onSocket ?? this.deps.refreshOverHttp(current.refreshToken));
      if (this.stopped) throw new Error("session stopped");
      this.deps.logger.debug("access token refreshed", { onSocket: onSocket !== null, expiresAt: r.accessTokenExpiresAt });
      this.set(r, true);
      return this.tokens ?? r;
    } catch (err) {
      if (isUnauthorized(err) && !this.stopped) {
        this.deps.logger.warn("session ended: refresh refused", { error: String(err) });
        this.deps.onUnauthenticated(err instanceof Error ? err.message : "refresh refused");
      } else if (!this.stopped) {
        // A network failure: try again soon while the token is still valid; after that, the next
        // connection attempt refreshes first (see `accessToken`). The retry presents the same refresh
        // token even though the server may have rotated it (the reply was lost, not the request): within
        // its reuse grace period (REFRESH_REUSE_GRACE, 60 s by default) the server answers such a retry
        // with fresh tokens instead of revoking the session, as long as the lost new token was never used.
        this.deps.logger.debug("refresh failed", { error: String(err) });
        if (Date.now() < this.expiresAt) this.schedule(2000 + Math.random() * 1000);
      }
      throw err;
    }
  }

  private schedule(delayMs?: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopped) return;
    const delay = delayMs ?? Math.max(0, this.refreshAt - Date.now());
    // setTimeout caps at ~24.8 days.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh().catch(() => {});
    }, Math.min(delay, 2 ** 31 - 1));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
