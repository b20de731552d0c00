import type Redis from 'ioredis';

/** Injection token of the RateLimiter the auth guard uses. */
export const RATE_LIMITER = Symbol('RATE_LIMITER');

export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed at once after an idle period. */
  burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Counts requests per caller; shared by all gateway replicas in production (Redis). */
export interface RateLimiter {
  /** Takes one request from the caller's allowance. Throws when the store is unavailable. */
  take(key: string, limit: RateLimit): Promise<RateDecision>;
}

export const RATE_KEY_PREFIX = 'ofg:rate:';

/**
 * GCRA (a token bucket kept as one "theoretical arrival time" per caller): a request is allowed when, after it, the
 * caller would not be more than `burst` emission intervals ahead of now. Redis TIME is the clock, so replicas with
 * skewed clocks still agree; the key expires once the caller is back to a full bucket.
 */
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local newTat = tat + interval
local over = newTat - now - burst * interval
if over > 0 then return {0, math.ceil(over)} end
redis.call('SET', KEYS[1], string.format('%.3f', newTat), 'PX', math.ceil(newTat - now) + 1)
return {1, 0}
`;

type GcraRedis = Redis & {
  ofgGcra(key: string, intervalMs: string, burst: string): Promise<[number, number]>;
};

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: GcraRedis;

  constructor(redis: Redis) {
    // defineCommand sends EVALSHA and falls back to EVAL once per connection when the script is not cached.
    redis.defineCommand('ofgGcra', { numberOfKeys: 1, lua: GCRA_SCRIPT });
    this.redis = redis as GcraRedis;
  }

  async take(key: string, limit: RateLimit): Promise<RateDecision> {
    const [allowed, retryAfterMs] = await this.redis.ofgGcra(
      `${RATE_KEY_PREFIX}${key}`,
      String(1000 / limit.perSecond),
      String(limit.burst),
    );
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
  }
}

/** The same algorithm in one process: for gateways started without REDIS_URL (module tests). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly tats = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  async take(key: string, limit: RateLimit): Promise<RateDecision> {
    const now = this.now();
    const interval = 1000 / limit.perSecond;
    const newTat = Math.max(this.tats.get(key) ?? 0, now) + interval;
    const over = newTat - now - limit.burst * interval;
    if (over > 0) return { allowed: false, retryAfterMs: Math.ceil(over) };
    if (this.tats.size >= this.maxEntries && !this.tats.has(key)) this.prune(now);
    this.tats.set(key, newTat);
    return { allowed: true };
  }

  private prune(now: number): void {
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
    for (const key of this.tats.keys()) {
      if (this.tats.size < this.maxEntries) break;
      this.tats.delete(key);
    }
  }
}

/** `Retry-After` in whole seconds, at least 1 (HTTP has no finer unit). */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}
