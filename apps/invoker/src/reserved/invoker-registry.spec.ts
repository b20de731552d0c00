import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { INVOKER_REGISTRY_KEYS, invokerFiguresKey } from '@ofg/contracts';
import { createRedisConnection } from '@ofg/queue';
import { InvokerRegistry } from './invoker-registry';

// Real Redis (db 9 unless TEST_REDIS_URL says otherwise); ids carry a random tag, so other users of the keys are ignored.
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/9';

describe('InvokerRegistry on Redis', () => {
  const tag = randomBytes(4).toString('hex');
  const id = (name: string): string => `test-${tag}-${name}`;
  const admin = new Redis(REDIS_URL);
  const registries: InvokerRegistry[] = [];
  const registry = (name: string, heartbeatTtlMs = 60_000): InvokerRegistry => {
    const r = new InvokerRegistry(createRedisConnection(REDIS_URL, 'blocking'), {
      invokerId: id(name),
      heartbeatTtlMs,
    });
    registries.push(r);
    return r;
  };
  const mine = (ids: string[]): string[] => ids.filter((i) => i.includes(tag));

  afterAll(async () => {
    const ids = ['a', 'b', 'dead', 'late'].map(id);
    await admin.zrem(INVOKER_REGISTRY_KEYS.members, ...ids);
    await admin.del(...ids.map(invokerFiguresKey));
    await Promise.all(registries.map((r) => r.close()));
    admin.disconnect();
  });

  it('lists the invokers whose heartbeat is current and publishes their figures', async () => {
    const a = registry('a');
    const b = registry('b');
    await a.heartbeat({ fn1: { instances: 2, reserved: 1 } });
    const seen = await b.heartbeat({});
    expect(mine(seen.live)).toEqual([id('a'), id('b')]);
    expect(await admin.hget(invokerFiguresKey(id('a')), 'fn1')).toBe(
      JSON.stringify({ instances: 2, reserved: 1 }),
    );
    expect(await admin.pttl(invokerFiguresKey(id('a')))).toBeGreaterThan(0);
    await a.heartbeat({});
    expect(await admin.exists(invokerFiguresKey(id('a')))).toBe(0);
  });

  it('drops an expired invoker from the live list and lets exactly one survivor claim it', async () => {
    const [seconds] = await admin.time();
    // A heartbeat that expired two minutes ago: past the TTL and past the second TTL of the survivors.
    await admin.zadd(INVOKER_REGISTRY_KEYS.members, Number(seconds) * 1000 - 120_000, id('dead'));
    const a = registry('a');
    const b = registry('b');
    const first = await a.heartbeat({});
    const second = await b.heartbeat({});
    expect(mine(first.live)).not.toContain(id('dead'));
    expect([...mine(first.claimedDead), ...mine(second.claimedDead)]).toEqual([id('dead')]);
  });

  it('keeps an invoker that is only just late among the presumed alive, out of the live list', async () => {
    const [seconds] = await admin.time();
    await admin.zadd(INVOKER_REGISTRY_KEYS.members, Number(seconds) * 1000 - 1_000, id('late'));
    const seen = await registry('a').heartbeat({});
    expect(mine(seen.live)).not.toContain(id('late'));
    expect(mine(seen.claimedDead)).toEqual([]);
    expect(await admin.zscore(INVOKER_REGISTRY_KEYS.members, id('late'))).not.toBeNull();
  });

  it('leaves the membership on request', async () => {
    const b = registry('b');
    await b.heartbeat({ fn: { instances: 1, reserved: 1 } });
    await b.leave();
    expect(await admin.zscore(INVOKER_REGISTRY_KEYS.members, id('b'))).toBeNull();
    expect(await admin.exists(invokerFiguresKey(id('b')))).toBe(0);
  });
});
