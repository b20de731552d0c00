import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { InvocationJob, ltsLogStreamKey } from '@ofg/contracts';
import { anInvocationReply } from '@ofg/testing';
import { LtsLogStream } from './lts-log.stream';
import { RedisReplyPublisher } from './redis-reply.publisher';

/** The append feeding LTS triggers, on the real Redis (db 15 unless SOURCES_REDIS_URL says otherwise). */
const REDIS_URL = process.env['SOURCES_REDIS_URL'] ?? 'redis://127.0.0.1:6379/15';
const PROJECT = `ltsinv${randomBytes(6).toString('hex')}`;

const aJob = (functionId: string, hop?: number): InvocationJob =>
  ({
    requestId: randomUUID(),
    projectId: PROJECT,
    function: { functionId },
    ...(hop !== undefined ? { trigger: { type: 'LTS', id: 't', name: 'n', hop } } : {}),
  }) as unknown as InvocationJob;

async function entriesOf(redis: Redis, key: string, count: number): Promise<[string, string[]][]> {
  for (let i = 0; i < 100; i++) {
    const entries = (await redis.xrange(key, '-', '+')) as [string, string[]][];
    if (entries.length >= count) return entries;
    await new Promise((r) => setTimeout(r, 20));
  }
  return (await redis.xrange(key, '-', '+')) as [string, string[]][];
}

describe('LtsLogStream', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`ofg:lts:${PROJECT}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('appends a finished invocation log (request_id, log, time, hop) only while an LTS trigger reads the stream', async () => {
    const stream = new LtsLogStream(redis);
    const fn = randomUUID();
    const key = ltsLogStreamKey(PROJECT, fn);
    stream.append(aJob(fn), { log: 'nobody listens' });
    // Commands of one connection run in order: once PING answers, the append before it ran.
    await redis.ping();
    expect(await redis.exists(key)).toBe(0);

    await redis.xgroup('CREATE', key, 'ofg-trigger-x', '$', 'MKSTREAM');
    const job = aJob(fn, 2);
    stream.append(job, { log: 'line 1\nline 2\n' });
    const [[, fields]] = await entriesOf(redis, key, 1);
    const record = Object.fromEntries(
      fields.reduce<string[][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, fields[i + 1]]]), []),
    );
    expect(record).toEqual({
      request_id: job.requestId,
      log: 'line 1\nline 2\n',
      time: expect.stringMatching(/^\d{13}$/),
      'x-ofg-hop': '2',
    });
  });

  it('sends a sync reply and its log line in one pipeline: the reply first, the line only while a trigger reads', async () => {
    const publisherConnection = new Redis(REDIS_URL);
    const subscriber = new Redis(REDIS_URL);
    try {
      const stream = new LtsLogStream(redis);
      const publisher = new RedisReplyPublisher(publisherConnection);
      const fn = randomUUID();
      const key = ltsLogStreamKey(PROJECT, fn);
      const channel = `ofg:reply:${PROJECT}`;
      const received: string[] = [];
      subscriber.on('message', (_c: string, message: string) => received.push(message));
      await subscriber.subscribe(channel);
      const reply = anInvocationReply({ log: 'unread' });

      await publisher.publish(channel, reply, stream.entry(aJob(fn), reply));
      expect(await redis.exists(key)).toBe(0);

      await redis.xgroup('CREATE', key, 'ofg-trigger-x', '$', 'MKSTREAM');
      const read = { ...reply, requestId: 'r2', log: 'read' };
      await publisher.publish(channel, read, stream.entry(aJob(fn), read));
      const entries = await entriesOf(redis, key, 1);
      expect(entries).toHaveLength(1);
      expect(entries[0][1]).toContain('read');
      for (let i = 0; i < 50 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(received.map((m) => (JSON.parse(m) as { requestId: string }).requestId)).toEqual(['r1', 'r2']);
    } finally {
      subscriber.disconnect();
      publisherConnection.disconnect();
    }
  });
});
