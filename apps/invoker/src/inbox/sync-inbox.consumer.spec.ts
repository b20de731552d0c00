import Redis from 'ioredis';
import {
  decodeInboxEntry,
  encodeInboxEntry,
  homeKey,
  INVOKER_REGISTRY_KEYS,
  InvocationJob,
  invokerInboxKey,
  SYNC_INBOX_KEYS,
  syncAffinityKey,
} from '@ofg/contracts';
import { createRedisConnection } from '@ofg/queue';
import { anInvocationJob } from '@ofg/testing';
import { SyncHomes } from './sync-homes';
import { InboxSource, SyncInboxConsumer } from './sync-inbox.consumer';

// A Redis db of its own: the inbox keys are fixed names.
const REDIS_URL = process.env['TEST_SYNC_INBOX_REDIS_URL'] ?? 'redis://127.0.0.1:6379/14';
const SELF = 'inv-self';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(10);
  }
}

describe('SyncInboxConsumer (real Redis)', () => {
  let redis: Redis;
  let consumer: SyncInboxConsumer | undefined;
  let served: { job: InvocationJob; source: InboxSource }[];
  let refreshed: string[];
  let release: (() => void)[];
  let hold: boolean;

  const start = (options: { capacity?: number; stealAfterMs?: number } = {}) => {
    let lastSource: InboxSource = 'own';
    consumer = new SyncInboxConsumer(
      createRedisConnection(REDIS_URL, 'blocking'),
      redis,
      { refresh: (key) => void refreshed.push(key) },
      {
        serve: async (job) => {
          served.push({ job, source: lastSource });
          if (hold) await new Promise<void>((r) => release.push(r));
        },
        taken: (source) => (lastSource = source),
      },
      {
        invokerId: SELF,
        capacity: options.capacity ?? 8,
        stealAfterMs: options.stealAfterMs ?? 100,
        pollMs: 20,
        peersRefreshMs: 0,
      },
    );
    consumer.start();
    return consumer;
  };
  const push = (key: string, job: InvocationJob) => redis.lpush(key, encodeInboxEntry(job));
  const live = (id: string, alive = true) =>
    redis.zadd(INVOKER_REGISTRY_KEYS.members, Date.now() + (alive ? 60_000 : -60_000), id);

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  beforeEach(async () => {
    await redis.flushdb();
    served = [];
    refreshed = [];
    release = [];
    hold = false;
  });
  afterEach(async () => {
    hold = false;
    release.splice(0).forEach((r) => r());
    await consumer?.stop(1000);
    consumer = undefined;
  });
  afterAll(() => redis.disconnect());

  it('serves its own inbox before the shared one, and refreshes the home of what it takes from its own', async () => {
    const shared = anInvocationJob().build();
    const own = anInvocationJob().build();
    await push(SYNC_INBOX_KEYS.shared, shared);
    await push(invokerInboxKey(SELF), own);
    start({ capacity: 1 });
    await until(() => served.length === 2, 'both served');
    expect(served.map((s) => [s.job.requestId, s.source])).toEqual([
      [own.requestId, 'own'],
      [shared.requestId, 'shared'],
    ]);
    expect(refreshed).toEqual([syncAffinityKey(own.function)]);
  });

  it('never has more than `capacity` jobs in flight; the rest wait in the inbox', async () => {
    hold = true;
    for (let i = 0; i < 5; i++) await push(invokerInboxKey(SELF), anInvocationJob().build());
    const c = start({ capacity: 2 });
    await until(() => served.length === 2, 'two in flight');
    await sleep(100);
    expect(c.inFlight).toBe(2);
    expect(await redis.llen(invokerInboxKey(SELF))).toBe(3);
    hold = false;
    release.splice(0).forEach((r) => r());
    await until(() => served.length === 5 && c.inFlight === 0, 'all served');
  });

  it("steals from a live peer's inbox only the jobs that waited past stealAfterMs", async () => {
    await live('inv-peer');
    const old = anInvocationJob().build();
    old.enqueuedAt = Date.now() - 10_000;
    const fresh = anInvocationJob().build();
    fresh.enqueuedAt = Date.now() + 60_000;
    // LPUSH: the oldest job is at the tail, where thieves look.
    await push(invokerInboxKey('inv-peer'), old);
    await push(invokerInboxKey('inv-peer'), fresh);
    start({ stealAfterMs: 1000 });
    await until(() => served.length === 1, 'the old job stolen');
    await sleep(200);
    expect(served.map((s) => [s.job.requestId, s.source])).toEqual([[old.requestId, 'stolen']]);
    expect((await redis.lrange(invokerInboxKey('inv-peer'), 0, -1)).length).toBe(1);
    expect(refreshed).toEqual([]);
  });

  it('leaves alone the inbox of an invoker whose heartbeat expired (the dead-invoker sweep moves it)', async () => {
    await live('inv-dead', false);
    const job = anInvocationJob().build();
    job.enqueuedAt = Date.now() - 10_000;
    await push(invokerInboxKey('inv-dead'), job);
    start({ stealAfterMs: 0 });
    await sleep(300);
    expect(served).toEqual([]);
  });

  it("hands a departed peer's inbox to the shared one, where it is served", async () => {
    await live('inv-leaving');
    start({ stealAfterMs: 60_000 });
    await sleep(200);
    const late = anInvocationJob().build();
    await push(invokerInboxKey('inv-leaving'), late);
    await redis.zrem(INVOKER_REGISTRY_KEYS.members, 'inv-leaving');
    await until(() => served.length === 1, 'the late job served');
    expect(served.map((s) => [s.job.requestId, s.source])).toEqual([[late.requestId, 'shared']]);
  });

  it('takes nothing while paused and picks up again on resume', async () => {
    const c = start();
    c.pause();
    await sleep(100);
    await push(invokerInboxKey(SELF), anInvocationJob().build());
    await sleep(200);
    expect(served).toHaveLength(0);
    c.resume();
    await until(() => served.length === 1, 'served after resume');
  });

  it('serves nothing that arrives once stop() began, not even what a pop already waiting delivers', async () => {
    const c = start();
    await sleep(100);
    const stopped = c.stop(1000);
    const late = anInvocationJob().build();
    await push(invokerInboxKey(SELF), late);
    await stopped;
    await sleep(100);
    consumer = undefined;
    expect(served).toEqual([]);
    expect(
      (await redis.lrange(SYNC_INBOX_KEYS.shared, 0, -1)).map((e) => decodeInboxEntry(e).requestId),
    ).toEqual([late.requestId]);
  });

  it('on stop hands what is still queued to the shared inbox and waits for the jobs in flight', async () => {
    hold = true;
    const c = start({ capacity: 1 });
    const running = anInvocationJob().build();
    await push(invokerInboxKey(SELF), running);
    await until(() => served.length === 1, 'one in flight');
    const queued = [anInvocationJob().build(), anInvocationJob().build()];
    for (const j of queued) await push(invokerInboxKey(SELF), j);
    const stopped = c.stop(5000);
    await sleep(100);
    expect(await redis.llen(SYNC_INBOX_KEYS.shared)).toBe(2);
    release.splice(0).forEach((r) => r());
    expect(await stopped).toBe(true);
    expect(c.inFlight).toBe(0);
    consumer = undefined;
  });
});

describe('SyncHomes (real Redis)', () => {
  let redis: Redis;
  const key = 'fn-1:latest';

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  beforeEach(() => redis.del(homeKey(key)));
  afterAll(() => redis.disconnect());

  it('claims a free home, keeps a live one held by another, and replaces a gone one', async () => {
    const a = new SyncHomes(redis, { invokerId: 'inv-a', ttlMs: 60_000 });
    const b = new SyncHomes(redis, { invokerId: 'inv-b', ttlMs: 60_000 });
    expect(await a.claim({ key })).toBe('inv-a');
    expect(await b.claim({ key })).toBe('inv-a');
    expect(await b.claim({ key, claimOver: 'inv-a' })).toBe('inv-b');
    expect(await redis.get(homeKey(key))).toBe('inv-b');
    expect(await redis.pttl(homeKey(key))).toBeGreaterThan(59_000);
  });

  it('refreshes only a home it still holds, at most a few times per TTL', async () => {
    let now = 0;
    const a = new SyncHomes(redis, { invokerId: 'inv-a', ttlMs: 60_000, now: () => now });
    await redis.set(homeKey(key), 'inv-a', 'PX', 1000);
    a.refresh(key);
    await until(async () => (await redis.pttl(homeKey(key))) > 59_000, 'the TTL pushed out');
    await redis.set(homeKey(key), 'inv-a', 'PX', 1000);
    now += 1000;
    a.refresh(key);
    await sleep(50);
    expect(await redis.pttl(homeKey(key))).toBeLessThanOrEqual(1000);
    await redis.set(homeKey(key), 'inv-b', 'PX', 1000);
    now += 60_000;
    a.refresh(key);
    await sleep(50);
    expect(await redis.get(homeKey(key))).toBe('inv-b');
    expect(await redis.pttl(homeKey(key))).toBeLessThanOrEqual(1000);
  });
});
