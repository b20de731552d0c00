import type Redis from 'ioredis';

/** Injection token of the ReplayCache the auth guard uses. */
export const REPLAY_CACHE = Symbol('REPLAY_CACHE');

/** Remembers signatures of accepted mutating requests; shared by all gateway replicas in production (Redis). */
export interface ReplayCache {
  /** True when the signature was not seen within `ttlMs` (and is now remembered); false for a replay. Throws when the store is unavailable. */
  remember(signature: string, ttlMs: number): Promise<boolean>;
}

export const REPLAY_KEY_PREFIX = 'ofg:replay:';

/** `SET ofg:replay:<signature> 1 NX PX <ttl>`: atomic across replicas, gone by itself once the window has passed. */
export class RedisReplayCache implements ReplayCache {
  constructor(private readonly redis: Redis) {}

  async remember(signature: string, ttlMs: number): Promise<boolean> {
    const set = await this.redis.set(`${REPLAY_KEY_PREFIX}${signature}`, '1', 'PX', ttlMs, 'NX');
    return set === 'OK';
  }
}

/** One process only: for gateways started without REDIS_URL (module tests); never shared between replicas. */
export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  async remember(signature: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const until = this.seen.get(signature);
    if (until !== undefined && until > now) return false;
    if (this.seen.size >= this.maxEntries) this.prune(now);
    this.seen.set(signature, now + ttlMs);
    return true;
  }

  private prune(now: number): void {
    for (const [signature, until] of this.seen) if (until <= now) this.seen.delete(signature);
    // Still full of live entries: the oldest go (insertion order), which only weakens protection, never blocks.
    for (const signature of this.seen.keys()) {
      if (this.seen.size < this.maxEntries) break;
      this.seen.delete(signature);
    }
  }
}
