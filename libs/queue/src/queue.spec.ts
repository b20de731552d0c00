import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { InvocationProducer } from './invocation.producer';
import { createRedisConnection } from './redis-connection';
import { publishReply, ReplyBus, ReplyTimeoutError } from './reply-bus';
import { aQueueJob, aQueueReply } from './testing/invocation-job.fixture';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/9';

const reply = (requestId: string) => aQueueReply(requestId, { result: '"ok"' });

/** Real Redis: sync replies over pub/sub and job ids that deduplicate. */
describe('queue plumbing on Redis', () => {
  const publisher = new Redis(REDIS_URL);
  const bus = new ReplyBus(createRedisConnection(REDIS_URL, 'blocking'));
  const producer = new InvocationProducer(createRedisConnection(REDIS_URL, 'producer'));

  beforeAll(async () => {
    await publisher.flushdb();
    await bus.start();
  });

  afterAll(async () => {
    await producer.queue.obliterate({ force: true });
    await producer.close();
    await bus.stop();
    publisher.disconnect();
  });

  it('delivers a reply published on the bus channel to the waiting request only', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const waitA = bus.expect(a, 5000);
    const waitB = bus.expect(b, 5000);
    await publishReply(publisher, bus.channel, reply(b));
    await publishReply(publisher, bus.channel, reply(a));
    expect((await waitA).requestId).toBe(a);
    expect((await waitB).requestId).toBe(b);
    expect(bus.pending).toBe(0);
  });

  it('rejects with ReplyTimeoutError when nobody answers in time', async () => {
    await expect(bus.expect(randomUUID(), 100)).rejects.toBeInstanceOf(ReplyTimeoutError);
    expect(bus.pending).toBe(0);
  });

  it('enqueues with jobId = request id, so a repeated enqueue does not duplicate the job', async () => {
    const id = randomUUID();
    await producer.enqueue(aQueueJob('async', id));
    await producer.enqueue(aQueueJob('async', id));
    const stored = await producer.queue.getJob(id);
    expect(stored?.id).toBe(id);
    expect(stored?.opts.attempts).toBe(3);
    expect(await producer.queue.getWaitingCount()).toBe(1);
    const syncId = randomUUID();
    await producer.enqueue(aQueueJob('sync', syncId));
    expect((await producer.queue.getJob(syncId))?.opts.attempts).toBe(1);
  });
});
