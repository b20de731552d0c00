import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createRedisConnection } from '@ofg/queue';
import { waitUntilReady } from './front-door.redis';
import { leaseSize, RATE_KEY_PREFIX, RATE_LEASE_MS, RedisRateLimiter } from './request-rate.limiter';
import { REPLAY_KEY_PREFIX, RedisReplayCache } from './signature-replay.cache';

// Real Redis (db 2 unless TEST_REDIS_URL says otherwise); every key of this run carries a random tag and is removed.
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/2';
const tag = randomBytes(6).toString('hex');

describe('front door on Redis', () => {
  const redis = createRedisConnection(REDIS_URL, 'producer');
  const admin = new Redis(REDIS_URL);

  beforeAll(async () => {
    expect(await waitUntilReady(redis, 5000)).toBe(true);
  });

  afterAll(async () => {
    for (const prefix of [REPLAY_KEY_PREFIX, RATE_KEY_PREFIX]) {
      const keys = await admin.keys(`${prefix}*${tag}*`);
      if (keys.length > 0) await admin.del(...keys);
    }
    redis.disconnect();
    admin.disconnect();
  });

  describe('RedisReplayCache', () => {
    const cache = new RedisReplayCache(redis);

    it('accepts a signature once per window, with the window as the key TTL', async () => {
      const signature = `${tag}-a`;
      await expect(cache.remember(signature, 60_000)).resolves.toBe(true);
      await expect(cache.remember(signature, 60_000)).resolves.toBe(false);
      const ttl = await admin.pttl(`${REPLAY_KEY_PREFIX}${signature}`);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await expect(cache.remember(`${tag}-b`, 60_000)).resolves.toBe(true);
    });

    it('accepts a signature again once its window has passed', async () => {
      const signature = `${tag}-short`;
      await expect(cache.remember(signature, 50)).resolves.toBe(true);
      await new Promise((r) => setTimeout(r, 80));
      await expect(cache.remember(signature, 50)).resolves.toBe(true);
    });

    it('lets exactly one of many concurrent uses through (replicas share the cache)', async () => {
      const replicas = [new RedisReplayCache(redis), new RedisReplayCache(admin)];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => replicas[i % 2].remember(`${tag}-race`, 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('throws when Redis is unreachable (the guard turns that into 503)', async () => {
      const dead = createRedisConnection('redis://127.0.0.1:1/0', 'producer', {
        retryStrategy: () => null,
        lazyConnect: true,
      });
      await expect(new RedisReplayCache(dead).remember(`${tag}-dead`, 1000)).rejects.toThrow();
      dead.disconnect();
    });
  });

  describe('RedisRateLimiter', () => {
    it('allows the burst, then refuses with the wait until the next request fits', async () => {
      const limiter = new RedisRateLimiter(redis);
      const key = `ak:${tag}-1`;
      const limit = { perSecond: 10, burst: 5 };
      const decisions = [];
      for (let i = 0; i < 6; i++) decisions.push(await limiter.take(key, limit));
      expect(decisions.slice(0, 5).every((d) => d.allowed)).toBe(true);
      const refused = decisions[5];
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) {
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(100);
        await new Promise((r) => setTimeout(r, refused.retryAfterMs + 5));
      }
      await expect(limiter.take(key, limit)).resolves.toEqual({ allowed: true });
      const ttl = await admin.pttl(`${RATE_KEY_PREFIX}${key}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(501);
    });

    it('shares one allowance between replicas and keeps callers apart', async () => {
      const replicas = [new RedisRateLimiter(redis), new RedisRateLimiter(admin)];
      const limit = { perSecond: 1, burst: 10 };
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => replicas[i % 2].take(`user:${tag}-shared`, limit)),
      );
      expect(results.filter((d) => d.allowed)).toHaveLength(10);
      await expect(replicas[0].take(`user:${tag}-other`, limit)).resolves.toEqual({ allowed: true });
    });

    it('sustains the configured rate, not more', async () => {
      const limiter = new RedisRateLimiter(redis);
      const limit = { perSecond: 50, burst: 1 };
      const key = `ak:${tag}-rate`;
      const started = Date.now();
      let allowed = 0;
      while (Date.now() - started < 500) {
        if ((await limiter.take(key, limit)).allowed) allowed += 1;
        await new Promise((r) => setTimeout(r, 2));
      }
      // 500 ms at 50/s is 25 requests (+1 for the first, +slack for timer granularity).
      expect(allowed).toBeGreaterThanOrEqual(20);
      expect(allowed).toBeLessThanOrEqual(27);
    });

    it('takes 10 ms of a high rate per trip to Redis and spends the lease locally', async () => {
      const limiter = new RedisRateLimiter(redis);
      const limit = { perSecond: 1000, burst: 2000 };
      expect(leaseSize(limit)).toBe(10);
      const key = `user:${tag}-lease`;
      await expect(limiter.take(key, limit)).resolves.toEqual({ allowed: true });
      const tatAfterFirst = Number(await admin.get(`${RATE_KEY_PREFIX}${key}`));
      for (let i = 0; i < 9; i++) await expect(limiter.take(key, limit)).resolves.toEqual({ allowed: true });
      // Nine more requests came out of the lease: Redis still holds the first trip's 10 ms.
      expect(Number(await admin.get(`${RATE_KEY_PREFIX}${key}`))).toBe(tatAfterFirst);
      await limiter.take(key, limit);
      expect(Number(await admin.get(`${RATE_KEY_PREFIX}${key}`))).toBeGreaterThan(tatAfterFirst);
    });

    it('never admits more than the burst across replicas that lease, and spends the last request singly', async () => {
      const replicas = [new RedisRateLimiter(redis), new RedisRateLimiter(admin)];
      // Lease of 10 (1000/s), burst 25: two leases fit, the third does not, five single requests still do.
      const limit = { perSecond: 1000, burst: 25 };
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => replicas[i % 2].take(`user:${tag}-lease-shared`, limit)),
      );
      // The bucket refills by one request per millisecond while the 60 are decided.
      const refilled = Date.now() - started + 1;
      const admitted = results.filter((d) => d.allowed).length;
      expect(admitted).toBeGreaterThanOrEqual(25);
      expect(admitted).toBeLessThanOrEqual(25 + refilled);
      expect(results.filter((d) => !d.allowed).length).toBeGreaterThan(0);
    });

    it('lets an unspent lease lapse after RATE_LEASE_MS', async () => {
      let now = 1_000_000;
      const limiter = new RedisRateLimiter(redis, () => now);
      const limit = { perSecond: 1000, burst: 2000 };
      const key = `user:${tag}-lapse`;
      await limiter.take(key, limit);
      const tat = Number(await admin.get(`${RATE_KEY_PREFIX}${key}`));
      now += RATE_LEASE_MS;
      await limiter.take(key, limit);
      expect(Number(await admin.get(`${RATE_KEY_PREFIX}${key}`))).toBeGreaterThan(tat);
    });
  });
});
