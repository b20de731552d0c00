import { AsyncInvokePolicy } from '@ofg/contracts';
import {
  ASYNC_POLICY_TTL_MS,
  ASYNC_RETRY_MAX_DELAY_MS,
  AsyncPolicyCache,
  asyncRetryDelayMs,
  isAsyncEventExpired,
} from './async-policy';

const policy = (over: Partial<AsyncInvokePolicy> = {}): AsyncInvokePolicy => ({
  configured: true,
  maxAsyncEventAgeInSeconds: 60,
  maxAsyncRetryAttempts: 2,
  enableAsyncStatusLog: false,
  ...over,
});

describe('async retry back-off', () => {
  it.each([
    [1, 500, 1000],
    [2, 1000, 2000],
    [3, 2000, 4000],
  ])('retry %i waits between %i and %i ms', (retry, low, high) => {
    expect(asyncRetryDelayMs(retry, () => 0)).toBe(low);
    expect(asyncRetryDelayMs(retry, () => 0.999999)).toBe(high);
    for (let i = 0; i < 50; i += 1) {
      const d = asyncRetryDelayMs(retry);
      expect(d).toBeGreaterThanOrEqual(low);
      expect(d).toBeLessThanOrEqual(high);
    }
  });

  it('never waits longer than the cap', () => {
    expect(asyncRetryDelayMs(40, () => 1)).toBe(ASYNC_RETRY_MAX_DELAY_MS);
  });
});

describe('async max event age', () => {
  it('expires only past the max age from the accept time', () => {
    expect(isAsyncEventExpired(10_000, 70_000, policy())).toBe(false);
    expect(isAsyncEventExpired(10_000, 70_001, policy())).toBe(true);
    expect(isAsyncEventExpired(0, 1001, policy({ maxAsyncEventAgeInSeconds: 1 }))).toBe(true);
  });
});

describe('AsyncPolicyCache', () => {
  it('reads a qualifier once, again after an eviction or the TTL, and never caches a failed read', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const cache = new AsyncPolicyCache(
      {
        findForInvocation: async () => {
          reads += 1;
          if (fail) throw new Error('db down');
          return policy({ maxAsyncRetryAttempts: reads });
        },
      },
      () => now,
    );
    expect((await cache.get('p', 'f', 'latest')).maxAsyncRetryAttempts).toBe(1);
    expect((await cache.get('p', 'f', 'latest')).maxAsyncRetryAttempts).toBe(1);
    await cache.get('p', 'f', '!prod');
    expect(reads).toBe(2);

    cache.evict('p', 'f', 'latest');
    expect((await cache.get('p', 'f', 'latest')).maxAsyncRetryAttempts).toBe(3);

    now += ASYNC_POLICY_TTL_MS + 1;
    fail = true;
    await expect(cache.get('p', 'f', 'latest')).rejects.toThrow('db down');
    fail = false;
    expect((await cache.get('p', 'f', 'latest')).maxAsyncRetryAttempts).toBe(5);
  });
});
