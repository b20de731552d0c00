import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { LtsEventPayload, LtsLogLine, ltsLogStreamKey, LtsTriggerEvent } from '@ofg/contracts';
import {
  REDIS_URL,
  StreamReplicas,
  aStreamTrigger,
  groupExists,
  pendingCount,
} from '../redis-stream/stream-spec.support';
import { eventually, RecordingDelivery } from '../testing/recording-delivery';
import { buildLtsEvent } from './lts-event.mapper';
import { LtsEventSource, LtsSourceConfig } from './lts.source';

jest.setTimeout(30_000);

const PROJECT = `lts${randomBytes(6).toString('hex')}`;

const decode = (event: unknown): { payload: LtsEventPayload; lines: LtsLogLine[] } => {
  const payload = JSON.parse(
    Buffer.from((event as LtsTriggerEvent).lts.data, 'base64').toString(),
  ) as LtsEventPayload;
  return { payload, lines: JSON.parse(payload.logs) as LtsLogLine[] };
};

describe('LTS event mapper', () => {
  it('encodes a batch of invocation logs as §5.7 {"lts":{"data":base64}}, one line each', () => {
    const entry = (id: string, requestId: string, log: string) => ({
      id,
      fields: new Map([
        ['request_id', Buffer.from(requestId)],
        ['log', Buffer.from(log)],
        ['time', Buffer.from('1700000000000')],
      ]),
    });
    const event = buildLtsEvent({ projectId: 'p1', logGroupId: 'g1', logTopicId: 'fn1' }, [
      entry('1-0', 'r1', 'start\nend\n'),
      entry('2-0', 'r2', 'only'),
    ]);
    const { payload, lines } = decode(event);
    expect(Object.keys(event)).toEqual(['lts']);
    expect(payload).toMatchObject({ owner: 'p1', log_group_id: 'g1', log_topic_id: 'fn1' });
    expect(typeof payload.logs).toBe('string');
    expect(lines).toEqual([
      {
        message: 'start',
        time: 1700000000000,
        host_name: 'functiongraph',
        ip: '',
        path: 'r1',
        log_uid: '1-0:1',
        line_no: 1,
      },
      {
        message: 'end',
        time: 1700000000000,
        host_name: 'functiongraph',
        ip: '',
        path: 'r1',
        log_uid: '1-0:2',
        line_no: 2,
      },
      {
        message: 'only',
        time: 1700000000000,
        host_name: 'functiongraph',
        ip: '',
        path: 'r2',
        log_uid: '2-0:1',
        line_no: 1,
      },
    ]);
  });
});

describe('LTS triggers on function log streams', () => {
  let redis: Redis;
  let replicas: StreamReplicas<LtsSourceConfig>;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  beforeEach(() => {
    replicas = new StreamReplicas<LtsSourceConfig>(LtsEventSource);
  });
  afterEach(() => replicas.stopAll());
  afterAll(async () => {
    const keys = await redis.keys(`ofg:lts:${PROJECT}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  /** What an invoker writes for one finished invocation (apps/invoker lts-log.stream.ts). */
  const logOf = (fn: string, requestId: string, log: string, hop = 0) =>
    redis.xadd(
      ltsLogStreamKey(PROJECT, fn),
      '*',
      'request_id',
      requestId,
      'log',
      log,
      'time',
      '1',
      'x-ofg-hop',
      String(hop),
    ) as Promise<string>;

  it('creates the log stream, invokes with the logs written after it and acks; the hop of the source carries on', async () => {
    const source = randomUUID();
    const key = ltsLogStreamKey(PROJECT, source);
    const delivery = new RecordingDelivery();
    const trigger = aStreamTrigger('LTS', PROJECT, { log_group_id: 'group-1', log_topic_id: source });
    replicas.consume(replicas.replica('replica-a', delivery), trigger);
    await eventually(() => groupExists(redis, key), Boolean, 'the log stream and its group');
    const id = await logOf(source, 'req-1', 'hello from the source\n', 3);
    await eventually(
      () => delivery.accepted,
      (n) => n === 1,
      'one invocation',
    );
    expect(delivery.calls[0].keys).toEqual([id]);
    expect(delivery.calls[0].hops).toEqual([3]);
    const { payload, lines } = decode(delivery.calls[0].event);
    expect(payload).toEqual({
      logs: payload.logs,
      owner: PROJECT,
      log_group_id: 'group-1',
      log_topic_id: source,
    });
    expect(lines.map((l) => [l.message, l.path])).toEqual([['hello from the source', 'req-1']]);
    await eventually(
      () => pendingCount(redis, key, trigger.id),
      (n) => n === 0,
      'acked',
    );
  });

  it('redelivers logs whose consumer died before the ack; releasing the last trigger deletes the stream', async () => {
    const source = randomUUID();
    const key = ltsLogStreamKey(PROJECT, source);
    const victimDelivery = new RecordingDelivery();
    victimDelivery.plan.push('hang');
    const trigger = aStreamTrigger('LTS', PROJECT, { log_group_id: 'group-1', log_topic_id: source });
    const victimDriver = replicas.replica('victim', victimDelivery);
    const victim = replicas.consume(victimDriver, trigger);
    await eventually(() => groupExists(redis, key), Boolean, 'the log stream');
    const ids = [await logOf(source, 'r1', 'a'), await logOf(source, 'r2', 'b')];
    await eventually(
      () => victimDelivery.calls.length,
      (n) => n === 1,
      'the victim receiving them',
    );
    replicas.kill(victim);
    const survivor = new RecordingDelivery();
    replicas.consume(replicas.replica('survivor', survivor), trigger);
    await eventually(
      () => survivor.calls.flatMap((c) => c.keys).length,
      (n) => n === 2,
      'the survivor taking over',
    );
    // The victim may have read only the first log: the survivor reads the second new and takes the first over.
    expect(survivor.calls.flatMap((c) => c.keys).sort()).toEqual(ids);
    await replicas.stopAll();

    const bound = victimDriver.bind(trigger);
    if (!bound.ok) throw new Error(bound.reason);
    await victimDriver.release(bound.binding);
    expect(await redis.exists(key)).toBe(0);
    await victimDriver.close();
  });
});
