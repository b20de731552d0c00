import Redis from 'ioredis';
import {
  decodeInboxEntry,
  homeKey,
  INVOKER_REGISTRY_KEYS,
  InvocationJob,
  invokerInboxKey,
  SYNC_INBOX_KEYS,
  syncAffinityKey,
} from '@ofg/contracts';
import { createRedisConnection } from './redis-connection';
import { handOverInbox, placeHome, readLiveInvokers } from './sync-inbox';
import { SyncJobRouter } from './sync-job.router';
import { aQueueJob, aQueueReply } from './testing/invocation-job.fixture';

const aSyncJob = (fn?: InvocationJob['function']): InvocationJob => aQueueJob('sync', undefined, fn);

// A Redis db of its own: the inbox keys are fixed names.
const REDIS_URL = process.env['TEST_SYNC_ROUTER_REDIS_URL'] ?? 'redis://127.0.0.1:6379/13';

describe('SyncJobRouter (real Redis)', () => {
  let redis: Redis;
  let now: number;
  const enqueued: InvocationJob[] = [];
  const producer = { enqueue: async (job: InvocationJob) => void enqueued.push(job) };
  const router = (mode: 'affinity' | 'queue' = 'affinity') =>
    new SyncJobRouter(redis, producer, { mode, homeCacheMs: 2000, now: () => now });
  const live = (...ids: string[]) =>
    redis.zadd(INVOKER_REGISTRY_KEYS.members, ...ids.flatMap((id) => [Date.now() + 60_000, id]));
  const queued = async (key: string) => (await redis.lrange(key, 0, -1)).map(decodeInboxEntry);
  const replyFrom = (job: InvocationJob, home: string) =>
    aQueueReply(job.requestId, { startKind: 'cold', invokerId: home, home });

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  beforeEach(async () => {
    await redis.flushdb();
    enqueued.length = 0;
    now = 1_000_000;
  });
  afterAll(() => redis.disconnect());

  it('queue mode: every sync job goes through the shared BullMQ queue, no inbox is touched', async () => {
    const job = aSyncJob();
    await router('queue').route(job);
    expect(enqueued).toEqual([job]);
    expect(await redis.llen(SYNC_INBOX_KEYS.shared)).toBe(0);
  });

  it('places a function without a home on a live invoker, the same pick on every gateway, and claims it', async () => {
    await live('inv-a', 'inv-b', 'inv-c');
    const jobs = Array.from({ length: 30 }, () => aSyncJob());
    for (const job of jobs) await router().route(job);
    const homes = await Promise.all(jobs.map((j) => redis.get(homeKey(syncAffinityKey(j.function)))));
    for (const [i, job] of jobs.entries()) {
      expect(homes[i]).toBe(placeHome(syncAffinityKey(job.function), ['inv-c', 'inv-a', 'inv-b']));
      const [queuedJob] = (await queued(invokerInboxKey(homes[i] as string))).filter(
        (q) => q.requestId === job.requestId,
      );
      expect(queuedJob.affinity).toBeUndefined();
    }
    // Spread over the three, and nothing through the shared inbox or BullMQ.
    expect(new Set(homes).size).toBe(3);
    expect(await redis.llen(SYNC_INBOX_KEYS.shared)).toBe(0);
    expect(enqueued).toEqual([]);
  });

  it('takes the home another gateway placed first instead of its own pick', async () => {
    await live('inv-a', 'inv-b');
    const job = aSyncJob();
    const key = syncAffinityKey(job.function);
    const other = placeHome(key, ['inv-a', 'inv-b']) === 'inv-a' ? 'inv-b' : 'inv-a';
    // Raced: the home appears between this router's read (nothing yet) and its claim.
    const r = router();
    const get = redis.get.bind(redis);
    jest.spyOn(redis, 'get').mockImplementationOnce(async (k) => {
      const none = await get(k as string);
      await redis.set(homeKey(key), other);
      return none;
    });
    await r.route(job);
    expect((await queued(invokerInboxKey(other))).map((j) => j.requestId)).toEqual([job.requestId]);
    expect(await redis.get(homeKey(key))).toBe(other);
  });

  it('a function without a home goes to the shared inbox with a claim when no invoker is live', async () => {
    const job = aSyncJob();
    await router().route(job);
    const [shared] = await queued(SYNC_INBOX_KEYS.shared);
    expect(shared.requestId).toBe(job.requestId);
    expect(shared.affinity).toEqual({ key: syncAffinityKey(job.function) });
    expect(enqueued).toEqual([]);
  });

  it("a function whose home is live goes to the home's inbox, without a claim", async () => {
    const job = aSyncJob();
    await live('inv-a', 'inv-b');
    await redis.set(homeKey(syncAffinityKey(job.function)), 'inv-b');
    await router().route(job);
    const [queuedJob] = await queued(invokerInboxKey('inv-b'));
    expect(queuedJob.requestId).toBe(job.requestId);
    expect(queuedJob.affinity).toBeUndefined();
    expect(await redis.llen(SYNC_INBOX_KEYS.shared)).toBe(0);
  });

  it('a home that is no longer live is bypassed: the job goes shared, claiming over the gone home', async () => {
    const job = aSyncJob();
    await redis.zadd(INVOKER_REGISTRY_KEYS.members, Date.now() - 1000, 'inv-gone');
    await redis.set(homeKey(syncAffinityKey(job.function)), 'inv-gone');
    await router().route(job);
    const [shared] = await queued(SYNC_INBOX_KEYS.shared);
    expect(shared.affinity).toEqual({ key: syncAffinityKey(job.function), claimOver: 'inv-gone' });
  });

  it('learns the home from a reply and trusts it until the cache time passes, then reads Redis again', async () => {
    const r = router();
    const first = aSyncJob();
    await live('inv-a', 'inv-b');
    await r.route(first);
    await redis.del(invokerInboxKey('inv-a'), invokerInboxKey('inv-b'));
    r.learn(first, replyFrom(first, 'inv-a'));
    // Redis says otherwise, but the learnt home is used without reading it.
    await redis.set(homeKey(syncAffinityKey(first.function)), 'inv-b');
    const second = aSyncJob(first.function);
    await r.route(second);
    expect((await queued(invokerInboxKey('inv-a'))).map((j) => j.requestId)).toEqual([second.requestId]);
    now += 2001;
    const third = aSyncJob(first.function);
    await r.route(third);
    expect((await queued(invokerInboxKey('inv-b'))).map((j) => j.requestId)).toEqual([third.requestId]);
  });

  it('after an idle spell reads the live invokers again before routing, so a home that left gets nothing', async () => {
    const r = router();
    const first = aSyncJob();
    await live('inv-a');
    await redis.set(homeKey(syncAffinityKey(first.function)), 'inv-a');
    await r.route(first);
    await redis.zrem(INVOKER_REGISTRY_KEYS.members, 'inv-a');
    now += 5000;
    const later = aSyncJob(first.function);
    await r.route(later);
    expect((await queued(invokerInboxKey('inv-a'))).map((j) => j.requestId)).toEqual([first.requestId]);
    const [shared] = await queued(SYNC_INBOX_KEYS.shared);
    expect(shared).toMatchObject({ requestId: later.requestId, affinity: { claimOver: 'inv-a' } });
  });

  it('fails fast while Redis is unreachable, so the caller gets a 503 instead of a lost job', async () => {
    const down = createRedisConnection('redis://127.0.0.1:1/0', 'producer', { retryStrategy: () => null });
    const r = new SyncJobRouter(down, producer, { mode: 'affinity' });
    await expect(r.route(aSyncJob())).rejects.toThrow();
    down.disconnect();
  });

  it('reads live invokers by the Redis clock and hands a whole inbox over to the shared one', async () => {
    await redis.zadd(INVOKER_REGISTRY_KEYS.members, Date.now() + 60_000, 'inv-live');
    await redis.zadd(INVOKER_REGISTRY_KEYS.members, Date.now() - 60_000, 'inv-expired');
    expect(await readLiveInvokers(redis)).toEqual(['inv-live']);
    await redis.lpush(invokerInboxKey('inv-expired'), '1:{}', '2:{}', '3:{}');
    expect(await handOverInbox(redis, invokerInboxKey('inv-expired'))).toBe(3);
    expect(await redis.llen(invokerInboxKey('inv-expired'))).toBe(0);
    expect(await redis.lrange(SYNC_INBOX_KEYS.shared, 0, -1)).toEqual(['3:{}', '2:{}', '1:{}']);
  });
});
