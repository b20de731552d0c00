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
 * GCRA (a token bucket kept as one "theoretical arrival time" per caller): ARGV[3] requests are allowed when, after
 * them, the caller would not be more than `burst` emission intervals ahead of now. Redis TIME is the clock, so
 * replicas with skewed clocks still agree; the key expires once the caller is back to a full bucket.
 */
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3] or '1')
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local newTat = tat + interval * cost
local over = newTat - now - burst * interval
if over > 0 then return {0, math.ceil(over)} end
redis.call('SET', KEYS[1], string.format('%.3f', newTat), 'PX', math.ceil(newTat - now) + 1)
return {1, 0}
`;

type GcraRedis = Redis & {
  ofgGcra(key: string, intervalMs: string, burst: string, cost: string): Promise<[number, number]>;
};

/** How long a replica may spend requests it took from Redis ahead of time; unspent ones lapse. */
export const RATE_LEASE_MS = 100;
/** Leases are at most this many milliseconds of the caller's rate, so a lapsed lease wastes little. */
const LEASE_SHARE_MS = 10;
const MAX_LEASES = 100_000;

interface Lease {
  remaining: number;
  until: number;
}

/** Requests one trip to Redis takes for a caller: 10 ms of its rate, at least 1, at most its burst. */
export function leaseSize(limit: RateLimit): number {
  return Math.max(1, Math.min(limit.burst, Math.floor((limit.perSecond * LEASE_SHARE_MS) / 1000)));
}

/**
 * The shared allowance in Redis, taken in leases of `leaseSize` requests that this replica spends within
 * RATE_LEASE_MS: one script call per lease instead of per request. Leased requests are already counted in Redis, so
 * replicas together never admit more than the limit; unspent ones lapse, admitting slightly fewer.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: GcraRedis;
  private readonly leases = new Map<string, Lease>();
  private readonly fetching = new Map<string, Promise<RateDecision>>();

  constructor(
    redis: Redis,
    private readonly now: () => number = Date.now,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once per connection when the script is not cached.
    redis.defineCommand('ofgGcra', { numberOfKeys: 1, lua: GCRA_SCRIPT });
    this.redis = redis as GcraRedis;
  }

  async take(key: string, limit: RateLimit): Promise<RateDecision> {
    for (;;) {
      const lease = this.leases.get(key);
      if (lease && lease.remaining > 0 && lease.until > this.now()) {
        lease.remaining -= 1;
        return { allowed: true };
      }
      // Requests arriving together share one trip: separate trips would each lease, and lapse, a share of the limit.
      let fetching = this.fetching.get(key);
      if (!fetching) {
        fetching = this.fetchLease(key, limit).finally(() => this.fetching.delete(key));
        this.fetching.set(key, fetching);
      }
      const decision = await fetching;
      if (!decision.allowed) return decision;
    }
  }

  private async fetchLease(key: string, limit: RateLimit): Promise<RateDecision> {
    const size = leaseSize(limit);
    let granted = size;
    let decision = await this.takeFromRedis(key, limit, size);
    // Near the limit a whole lease may not fit while one request still does.
    if (!decision.allowed && size > 1) {
      granted = 1;
      decision = await this.takeFromRedis(key, limit, 1);
    }
    if (decision.allowed) this.keepLease(key, granted, this.now());
    return decision;
  }

  private async takeFromRedis(key: string, limit: RateLimit, cost: number): Promise<RateDecision> {
    const [allowed, retryAfterMs] = await this.redis.ofgGcra(
      `${RATE_KEY_PREFIX}${key}`,
      String(1000 / limit.perSecond),
      String(limit.burst),
      String(cost),
    );
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
  }

  private keepLease(key: string, remaining: number, now: number): void {
    if (this.leases.size >= MAX_LEASES && !this.leases.has(key))
      for (const [k, l] of this.leases) if (l.until <= now) this.leases.delete(k);
    // Past the bound the lease is still handed to the callers waiting for it, then dropped.
    this.leases.set(key, { remaining, until: now + RATE_LEASE_MS });
    if (this.leases.size > MAX_LEASES) setImmediate(() => this.leases.delete(key));
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
