import type { Redis } from "ioredis";
import { RateLimiter } from "../domain/rate-limit.ts";

/**
 * Rate limits every node of a deployment shares (issue 18): the same token
 * buckets as `RateLimiter` (a bucket of `burst` tokens regaining `perSecond`
 * each second), kept in Redis when the cluster bus is Redis, so a user or an
 * address gets one allowance whichever nodes it spreads its calls over. One
 * script per call updates a bucket atomically, on Redis's clock (nodes'
 * clocks may disagree). On a single node the buckets stay in memory.
 */
export interface Buckets {
  take(key: string): Promise<boolean>;
  /** Gives back a token taken for something that turned out not to count. */
  refund(key: string): Promise<void>;
}

export type BucketFactory = (name: string, burst: number, perSecond: number) => Buckets;

const SCRIPT = `
local burst = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * perMs)
local ok = 1
if cost > 0 then
  if tokens < cost then ok = 0 else tokens = tokens - cost end
else
  tokens = math.min(burst, tokens - cost)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / perMs) + 1000)
return ok
`;

/** Buckets in Redis under `parley:limit:<name>:<key>`. */
export function redisBuckets(redis: Redis, prefix = "parley:limit"): BucketFactory {
  return (name, burst, perSecond) => {
    const perMs = String(perSecond / 1000);
    const run = (key: string, cost: number) => redis.eval(SCRIPT, 1, `${prefix}:${name}:${key}`, String(burst), perMs, String(cost));
    return {
      take: async (key) => (await run(key, 1)) === 1,
      refund: async (key) => void (await run(key, -1)),
    };
  };
}

/** A node's own buckets (a single node, or a node whose Redis is away). */
export function memoryBuckets(now: () => number): BucketFactory {
  return (_name, burst, perSecond) => {
    const limiter = new RateLimiter(burst, perSecond, now);
    return {
      take: (key) => Promise.resolve(limiter.take(key)),
      refund: (key) => Promise.resolve(limiter.refund(key)),
    };
  };
}

/**
 * Shared buckets that fall back to this node's own while Redis does not
 * answer: a limit is never lifted by an outage, it only stops being shared.
 */
export function withFallback(shared: BucketFactory, local: BucketFactory, onError: (err: unknown) => void): BucketFactory {
  return (name, burst, perSecond) => {
    const s = shared(name, burst, perSecond);
    const l = local(name, burst, perSecond);
    return {
      take: (key) =>
        s.take(key).catch((err: unknown) => {
          onError(err);
          return l.take(key);
        }),
      refund: (key) =>
        s.refund(key).catch((err: unknown) => {
          onError(err);
          return l.refund(key);
        }),
    };
  };
}
