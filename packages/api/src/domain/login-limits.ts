import { isIPv6 } from "node:net";
import { RateLimiter } from "./rate-limit.ts";

export interface LoginLimitsOptions {
  /** Failed sign-ins per (account, address) per window; then that pair gets TOO_MANY_REQUESTS. */
  failuresPerAccountAddress: number;
  /** Failed sign-ins per address per window, whatever the account. */
  failuresPerAddress: number;
  /** Password checks under way at once per address; more are refused at once, not queued. */
  concurrentPerAddress: number;
  /** Accounts registered per address per hour. */
  registrationsPerAddress: number;
  now: () => number;
}

/** A sign-in in progress: it already counts as a failure unless it turns out right. */
export interface LoginAttempt {
  /** How long to wait before checking the password: an account failing from many addresses slows down. */
  delayMs: number;
  /** The password was right: the attempt is refunded. */
  succeeded(): void;
}

/** The window failed sign-ins are counted over (exported for the shared buckets, realtime/shared-limits.ts). */
export const LOGIN_WINDOW_SECONDS = 15 * 60;
const WINDOW_SECONDS = LOGIN_WINDOW_SECONDS;
/** The first slowed attempt waits this long; each further failure doubles it, up to the cap. */
const DELAY_BASE_MS = 100;
const DELAY_CAP_MS = 3000;

/**
 * Brute-force limits for sign-in and registration. Every attempt is reserved
 * before the password is checked, synchronously (so parallel calls and
 * batches cannot all pass a check made before any of them failed), and
 * refunded when it succeeds.
 *
 * Failures count per (account, address) and per address. An account is the
 * user id when the name or e-mail matches a user, else the normalised name,
 * so unknown names are limited alike. Failures on one account from many
 * addresses never lock it: they only delay each further attempt on it,
 * progressively and up to `DELAY_CAP_MS`, so an attacker cannot lock the
 * owner out from another address. Addresses are IPv4 addresses or IPv6 /64
 * prefixes (one host commonly holds a whole /64).
 */
export class LoginLimits {
  private readonly pair: RateLimiter;
  private readonly address: RateLimiter;
  private readonly registrations: RateLimiter;
  /** Recent failures per account from any address, decaying at the per-pair rate. */
  private readonly pressure = new Map<string, { n: number; at: number }>();
  private readonly busy = new Map<string, number>();
  private readonly decayPerMs: number;
  /** Size at which decayed accounts are swept out (doubling, so sweeps stay amortised O(1)). */
  private sweepAt = 10_000;

  constructor(private readonly o: LoginLimitsOptions) {
    this.pair = new RateLimiter(o.failuresPerAccountAddress, o.failuresPerAccountAddress / WINDOW_SECONDS, o.now);
    this.address = new RateLimiter(o.failuresPerAddress, o.failuresPerAddress / WINDOW_SECONDS, o.now);
    this.registrations = new RateLimiter(o.registrationsPerAddress, o.registrationsPerAddress / 3600, o.now);
    this.decayPerMs = o.failuresPerAccountAddress / WINDOW_SECONDS / 1000;
  }

  /**
   * A slot for one password check from `address`, or null when it already
   * has `concurrentPerAddress` under way. The caller must `release` it.
   */
  enter(address: string): { release(): void } | null {
    const key = addressKey(address);
    const n = this.busy.get(key) ?? 0;
    if (n >= this.o.concurrentPerAddress) return null;
    this.busy.set(key, n + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.busy.get(key) ?? 1) - 1;
        if (left <= 0) this.busy.delete(key);
        else this.busy.set(key, left);
      },
    };
  }

  /** False when the address has no failure left (checked before any work, as a shortcut). */
  addressAllows(address: string): boolean {
    return this.address.allows(addressKey(address));
  }

  /** Reserves one attempt on `account` from `address`, or null when either limit is spent. */
  reserve(account: string, address: string): LoginAttempt | null {
    const a = addressKey(address);
    const pairKey = `${account}\n${a}`;
    if (!this.pair.allows(pairKey) || !this.address.allows(a)) return null;
    this.pair.take(pairKey);
    this.address.take(a);
    const before = this.bump(account, 1);
    const over = before - this.o.failuresPerAccountAddress;
    const delayMs = over < 0 ? 0 : Math.min(DELAY_CAP_MS, DELAY_BASE_MS * 2 ** Math.min(over, 20));
    let settled = false;
    return {
      delayMs,
      succeeded: () => {
        if (settled) return;
        settled = true;
        this.pair.refund(pairKey);
        this.address.refund(a);
        this.bump(account, -1);
      },
    };
  }

  /** Takes one registration from the address's allowance; false when it is spent. */
  register(address: string): boolean {
    return this.registrations.take(addressKey(address));
  }

  /** Adds `by` to the account's decayed failure count; returns the whole failures counted before. */
  private bump(account: string, by: number): number {
    const t = this.o.now();
    const p = this.pressure.get(account);
    const n = p ? Math.max(0, p.n - (t - p.at) * this.decayPerMs) : 0;
    const next = Math.max(0, n + by);
    if (next <= 0) this.pressure.delete(account);
    else this.pressure.set(account, { n: next, at: t });
    if (this.pressure.size > this.sweepAt) this.sweep(t);
    return Math.floor(n);
  }

  /** Drops accounts whose failures have decayed away, so probes of endless names do not pile up. */
  private sweep(t: number): void {
    for (const [account, p] of this.pressure) if (p.n - (t - p.at) * this.decayPerMs <= 0) this.pressure.delete(account);
    this.sweepAt = Math.max(10_000, this.pressure.size * 2);
  }
}

/** The unit an address limit applies to: the IPv4 address, or the IPv6 /64 (IPv4-mapped IPv6 is IPv4). */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = "", tail = ""] = address.split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = address.includes("::") && tail ? tail.split(":") : [];
  const groups = address.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
