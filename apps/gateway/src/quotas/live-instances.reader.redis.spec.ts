import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { INVOKER_REGISTRY_KEYS, invokerFiguresKey } from '@ofg/contracts';
import { createRedisConnection } from '@ofg/queue';
import { LiveInstancesReader } from './live-instances.reader';

// Real Redis (db 2 unless TEST_REDIS_URL says otherwise); the invokers and functions of this run are random ids.
const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/2';

describe('LiveInstancesReader on Redis', () => {
  const admin = new Redis(REDIS_URL);
  const reader = new LiveInstancesReader(createRedisConnection(REDIS_URL, 'producer'));
  const live = [`inv-${randomUUID()}`, `inv-${randomUUID()}`];
  const expired = `inv-${randomUUID()}`;
  const [f1, f2, f3] = [randomUUID(), randomUUID(), randomUUID()];

  beforeAll(async () => {
    const [seconds] = await admin.time();
    const nowMs = Number(seconds) * 1000;
    await admin.zadd(INVOKER_REGISTRY_KEYS.members, nowMs + 60_000, live[0], nowMs + 60_000, live[1]);
    await admin.zadd(INVOKER_REGISTRY_KEYS.members, nowMs - 60_000, expired);
    await admin.hset(invokerFiguresKey(live[0]), f1, '{"instances":2,"reserved":1}', f2, '{"instances":1}');
    await admin.hset(invokerFiguresKey(live[1]), f1, '{"instances":3}', f3, 'garbage');
    await admin.hset(invokerFiguresKey(expired), f1, '{"instances":50}');
  });

  afterAll(async () => {
    await admin.zrem(INVOKER_REGISTRY_KEYS.members, ...live, expired);
    await admin.del(...[...live, expired].map(invokerFiguresKey));
    await reader.onApplicationShutdown();
    await admin.quit();
  });

  it('adds up the instances of the given functions over the live invokers only', async () => {
    await expect(reader.instancesOf([f1, f2, f3])).resolves.toBe(6);
    await expect(reader.instancesOf([f2])).resolves.toBe(1);
    await expect(reader.instancesOf([randomUUID()])).resolves.toBe(0);
    await expect(reader.instancesOf([])).resolves.toBe(0);
  });
});
