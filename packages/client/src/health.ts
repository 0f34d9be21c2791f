/**
 * Watches for the server coming back after a drop, so a restarted server is
 * reconnected within a probe interval of being up again instead of after the
 * socket's exponential backoff (which reaches tens of seconds during a deploy).
 *
 * Each probe is one `GET /healthz` with a deadline. When it answers, the
 * client reconnects at once, but only once per outage: if that reconnect fails
 * while the server keeps answering (it refuses sockets, too many of them…),
 * the socket's own backoff takes over, so a server that is up but refusing is
 * not asked again every 500 ms. Seeing the server down (or a 1012 close)
 * starts a new outage.
 */

export interface HealthProbeOptions {
  /** The server's http(s) base URL. */
  url: string;
  /** Mean time between probes (default 500 ms; each wait is ±25 % of it, so clients spread out). */
  intervalMs?: number;
  /** A probe that has no answer by then counts as "down" (default 1000 ms). */
  timeoutMs?: number;
  /**
   * The server answers: reconnect now, and say whether you did. False (an
   * attempt is under way or due anyway) keeps probing, in case that attempt fails.
   */
  onBack: () => boolean;
  /** False while probing makes no sense (the browser says it is offline): that round counts as down. */
  mayProbe?: () => boolean;
  fetch?: typeof globalThis.fetch;
}

export class HealthProbe {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: AbortController | null = null;
  /** A reconnect was already triggered in this outage while the server answered. */
  private spent = false;
  private disposed = false;

  constructor(private readonly o: HealthProbeOptions) {}

  get running(): boolean {
    return this.timer !== null || this.inFlight !== null;
  }

  /** Starts probing (no-op if already running); `restarting`: the server said it is going away (1012). */
  start(restarting = false): void {
    if (this.disposed) return;
    if (restarting) this.spent = false;
    if (!this.running) this.schedule();
  }

  /** Stops probing, keeping what it learned of this outage (a reconnect of our own is on its way). */
  pause(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight?.abort();
    this.inFlight = null;
  }

  /** Connected: the outage is over. */
  connected(): void {
    this.pause();
    this.spent = false;
  }

  /** Stops for good (the client closed). */
  dispose(): void {
    this.pause();
    this.disposed = true;
  }

  private schedule(): void {
    const mean = this.o.intervalMs ?? 500;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.probe();
    }, mean * (0.75 + Math.random() * 0.5));
  }

  private async probe(): Promise<void> {
    if (this.o.mayProbe?.() === false) {
      this.spent = false;
      this.schedule();
      return;
    }
    const ctrl = new AbortController();
    this.inFlight = ctrl;
    const deadline = setTimeout(() => ctrl.abort(), this.o.timeoutMs ?? 1000);
    const doFetch = this.o.fetch ?? globalThis.fetch;
    const up = await doFetch(`${this.o.url}/healthz`, { signal: ctrl.signal, cache: "no-store" }).then(
      (r) => r.ok,
      () => false,
    );
    clearTimeout(deadline);
    // Paused (or restarted) while the probe was out: this answer is stale.
    if (this.inFlight !== ctrl) return;
    this.inFlight = null;
    if (!up) {
      this.spent = false;
      this.schedule();
    } else if (!this.spent) {
      if (this.o.onBack()) this.spent = true;
      else this.schedule();
    }
    // Up, and our reconnect in this outage already failed: the socket's backoff goes on alone.
  }
}
