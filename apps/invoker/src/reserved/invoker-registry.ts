import type Redis from 'ioredis';
import { INVOKER_REGISTRY_KEYS, invokerFiguresKey, InvokerFunctionFigures } from '@ofg/contracts';

export interface InvokerRegistryOptions {
  invokerId: string;
  /** How long a heartbeat keeps an invoker among the live members. */
  heartbeatTtlMs: number;
}

/** What one heartbeat learned: who is alive, and which dead invokers this one claimed to clean up after. */
export interface HeartbeatResult {
  live: string[];
  claimedDead: string[];
}

/**
 * Invoker membership in Redis: a sorted set of invoker ids scored by the Redis time their heartbeat expires at, so
 * host clocks do not matter and a killed invoker drops out by itself. A member silent for a second TTL is presumed
 * dead; exactly one survivor claims it (ZREM answers 1 to one caller only) and sweeps what it left behind.
 */
export class InvokerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly options: InvokerRegistryOptions,
  ) {}

  get invokerId(): string {
    return this.options.invokerId;
  }

  /** Renews this invoker's membership, publishes its instance figures and reads the membership. */
  async heartbeat(figures: Record<string, InvokerFunctionFigures>): Promise<HeartbeatResult> {
    const now = await this.redisNowMs();
    const ttl = this.options.heartbeatTtlMs;
    const figuresKey = invokerFiguresKey(this.options.invokerId);
    const tx = this.redis
      .multi()
      .zadd(INVOKER_REGISTRY_KEYS.members, now + ttl, this.options.invokerId)
      .del(figuresKey);
    const entries = Object.entries(figures);
    if (entries.length > 0) {
      tx.hset(figuresKey, Object.fromEntries(entries.map(([fnId, f]) => [fnId, JSON.stringify(f)])));
      tx.pexpire(figuresKey, ttl);
    }
    tx.zrangebyscore(INVOKER_REGISTRY_KEYS.members, now, '+inf');
    tx.zrangebyscore(INVOKER_REGISTRY_KEYS.members, '-inf', now - ttl);
    const results = await tx.exec();
    if (!results) throw new Error('the heartbeat transaction was aborted');
    for (const [err] of results) if (err) throw err;
    const live = results[results.length - 2][1] as string[];
    const presumedDead = (results[results.length - 1][1] as string[]).filter((id) => id !== this.invokerId);
    const claimedDead: string[] = [];
    for (const id of presumedDead) {
      if ((await this.redis.zrem(INVOKER_REGISTRY_KEYS.members, id)) === 1) claimedDead.push(id);
    }
    return { live: [...live].sort(), claimedDead };
  }

  /** Leaves the membership at shutdown so the others take over this invoker's share at once. */
  async leave(): Promise<void> {
    await this.redis
      .multi()
      .zrem(INVOKER_REGISTRY_KEYS.members, this.options.invokerId)
      .del(invokerFiguresKey(this.options.invokerId))
      .exec();
  }

  /** Closes the registry's Redis connection. */
  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async redisNowMs(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}
