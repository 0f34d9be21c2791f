/**
 * Token buckets by key. A bucket holds `burst` tokens and regains
 * `perSecond` of them each second; a full bucket is forgotten, so the map
 * only holds keys that spent something recently.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token; false when the key has none left. */
  take(key: string): boolean {
    const b = this.refill(key);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    this.buckets.set(key, b);
    return true;
  }

  /** Gives back a token taken for something that turned out not to count (a sign-in that succeeded). */
  refund(key: string): void {
    const b = this.refill(key);
    b.tokens = Math.min(this.burst, b.tokens + 1);
    if (b.tokens >= this.burst) this.buckets.delete(key);
    else this.buckets.set(key, b);
  }

  /** True when the key still has a token, without spending it. */
  allows(key: string): boolean {
    return this.refill(key).tokens >= 1;
  }

  private refill(key: string): { tokens: number; at: number } {
    const t = this.now();
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens >= this.burst) this.buckets.delete(key);
    return b;
  }
}
