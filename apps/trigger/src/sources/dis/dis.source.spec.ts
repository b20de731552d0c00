import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { disConsumerGroup, disStreamKey, DisTriggerEvent } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import { TriggerConfig } from '../../config/trigger.config';
import { SourceBinding, SourceConsumer } from '../event-source.port';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { eventually, RecordingDelivery } from '../testing/recording-delivery';
import { DisEventSource } from './dis.source';
import { DisSourceConfig, DisStreamConsumer } from './dis-stream.consumer';

/**
 * DIS triggers on the real Redis (db 15 unless SOURCES_REDIS_URL says otherwise): batches, acknowledgement after
 * acceptance, redelivery of what a killed consumer held, and two replicas sharing one stream.
 */
const REDIS_URL = process.env['SOURCES_REDIS_URL'] ?? 'redis://127.0.0.1:6379/15';
const PROJECT = `dis${randomBytes(6).toString('hex')}`;

jest.setTimeout(30_000);

function aTrigger(eventData: Record<string, unknown>): TriggerEntity {
  return {
    id: randomUUID(),
    projectId: PROJECT,
    functionId: randomUUID(),
    qualifier: 'latest',
    triggerTypeCode: 'DIS',
    triggerStatus: 'ACTIVE',
    eventTypeCode: '',
    name: String(eventData['stream_name']),
    eventData,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

describe('DIS triggers on Redis Streams', () => {
  let redis: Redis;
  const started: SourceConsumer[] = [];
  const connections: Redis[] = [];

  /** A replica's DIS driver: its own consumer name and a short claim threshold, so takeovers happen in the test. */
  function aReplica(name: string, delivery: RecordingDelivery, claimIdleMs = 400) {
    const config = {
      redisUrl: REDIS_URL,
      region: 'local',
      sources: { instanceId: name, disClaimIdleMs: claimIdleMs },
    } as TriggerConfig;
    const driver = new DisEventSource(
      config,
      delivery as unknown as SourceInvocationService,
      new SourceMetrics(new MetricsService()),
    );
    const consume = (trigger: TriggerEntity): { consumer: SourceConsumer; connection: () => Redis } => {
      const bound = driver.bind(trigger);
      if (!bound.ok) throw new Error(bound.reason);
      let connection: Redis | undefined;
      const consumer = new DisStreamConsumer(bound.binding, {
        connect: () => {
          connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
          connections.push(connection);
          return connection;
        },
        delivery,
        metrics: new SourceMetrics(new MetricsService()),
        consumerName: name,
        claimIdleMs,
      });
      consumer.start();
      started.push(consumer);
      return { consumer, connection: () => connection as Redis };
    };
    return { driver, consume };
  }

  const xadd = (stream: string, data: string, ...extra: string[]) =>
    redis.xadd(disStreamKey(PROJECT, stream), '*', 'data', data, ...extra) as Promise<string>;
  const pendingOf = async (stream: string, trigger: TriggerEntity) =>
    ((await redis.xpending(disStreamKey(PROJECT, stream), disConsumerGroup(trigger.id))) as [number])[0];
  const recordsOf = (event: unknown) => (event as DisTriggerEvent).Message.records;

  beforeAll(() => {
    Logger.overrideLogger(false);
    redis = new Redis(REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((c) => c.stop()));
    for (const c of connections.splice(0)) if (c.status !== 'end') c.disconnect();
  });

  afterAll(async () => {
    const keys = await redis.keys(`ofg:dis:${PROJECT}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('invokes once per batch with the §5.7 event and acknowledges after acceptance', async () => {
    const delivery = new RecordingDelivery();
    const trigger = aTrigger({ stream_name: 'orders', sharditerator_type: 'TRIM_HORIZON', batch_size: 10 });
    const ids = [
      await xadd('orders', 'first', 'partition_key', 'p-1'),
      await xadd('orders', 'second'),
      await xadd('orders', 'third'),
    ];
    aReplica('replica-a', delivery).consume(trigger);
    await eventually(
      () => delivery.accepted,
      (n) => n === 1,
      'the first batch',
    );
    expect(delivery.calls).toHaveLength(1);
    expect(delivery.calls[0].event).toEqual({
      ShardID: 'shardId-0000000000',
      Message: {
        next_partition_cursor: ids[2],
        records: [
          { partition_key: 'p-1', data: Buffer.from('first').toString('base64'), sequence_number: ids[0] },
          { partition_key: ids[1], data: Buffer.from('second').toString('base64'), sequence_number: ids[1] },
          { partition_key: ids[2], data: Buffer.from('third').toString('base64'), sequence_number: ids[2] },
        ],
        millis_behind_latest: '',
        'x-ofg-hop': 1,
      },
      Tag: 'latest',
      StreamName: 'orders',
    });
    expect(delivery.calls[0].keys).toEqual(ids);
    await eventually(
      () => pendingOf('orders', trigger),
      (n) => n === 0,
      'the batch acked',
    );

    const fourth = await xadd('orders', 'fourth', 'x-ofg-hop', '5');
    await eventually(
      () => delivery.accepted,
      (n) => n === 2,
      'the second batch',
    );
    expect(recordsOf(delivery.calls[1].event).map((r) => r.sequence_number)).toEqual([fourth]);
    expect(delivery.calls[1].hops).toEqual([5]);
    expect((delivery.calls[1].event as DisTriggerEvent).Message['x-ofg-hop']).toBe(6);
    expect(delivery.calls).toHaveLength(2);
  });

  it('starts a LATEST trigger after what the stream already holds, and splits a backlog into batch_size batches', async () => {
    const delivery = new RecordingDelivery();
    await xadd('backlog', 'old');
    const trigger = aTrigger({ stream_name: 'backlog', sharditerator_type: 'LATEST', batch_size: 2 });
    const { consume } = aReplica('replica-a', delivery);
    // The group exists (at the end of the stream) once the consumer has created it.
    consume(trigger);
    await eventually(
      async () => (await redis.xinfo('GROUPS', disStreamKey(PROJECT, 'backlog'))) as unknown[],
      (groups) => groups.length === 1,
      'the consumer group',
    );
    const added = [];
    for (let i = 0; i < 5; i++)
      added.push(await redis.xadd(disStreamKey(PROJECT, 'backlog'), '*', 'data', `n${i}`));
    await eventually(
      () => delivery.calls.flatMap((c) => c.keys),
      (keys) => keys.length === 5,
      'five entries',
    );
    expect(delivery.calls.flatMap((c) => c.keys)).toEqual(added);
    for (const call of delivery.calls) expect(call.keys.length).toBeLessThanOrEqual(2);
  });

  it('leaves a batch that was not accepted pending and retries it until it is', async () => {
    const delivery = new RecordingDelivery();
    delivery.plan.push('fail', 'fail');
    const trigger = aTrigger({ stream_name: 'retried', sharditerator_type: 'TRIM_HORIZON', batch_size: 10 });
    const ids = [await xadd('retried', 'a'), await xadd('retried', 'b')];
    aReplica('replica-a', delivery).consume(trigger);
    await eventually(
      () => delivery.accepted,
      (n) => n === 1,
      'acceptance after two failures',
    );
    expect(delivery.calls.map((c) => c.keys)).toEqual([ids, ids, ids]);
    await eventually(
      () => pendingOf('retried', trigger),
      (n) => n === 0,
      'the batch acked',
    );
  });

  it('loses nothing when a consumer dies between receive and ack: another replica takes its entries over', async () => {
    const victimDelivery = new RecordingDelivery();
    victimDelivery.plan.push('hang');
    const trigger = aTrigger({ stream_name: 'takeover', sharditerator_type: 'TRIM_HORIZON', batch_size: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await xadd('takeover', `m${i}`));
    const victim = aReplica('victim', victimDelivery).consume(trigger);
    await eventually(
      () => victimDelivery.calls.length,
      (n) => n === 1,
      'the victim receiving the batch',
    );
    // Killed before its ack: the connection goes, the invocation never returns.
    victim.connection().disconnect();
    started.splice(started.indexOf(victim.consumer), 1);
    expect(await pendingOf('takeover', trigger)).toBe(5);

    const survivorDelivery = new RecordingDelivery();
    aReplica('survivor', survivorDelivery).consume(trigger);
    await eventually(
      () => survivorDelivery.accepted,
      (n) => n >= 1,
      'the survivor taking over',
    );
    expect(survivorDelivery.calls.flatMap((c) => c.keys)).toEqual(ids);
    await eventually(
      () => pendingOf('takeover', trigger),
      (n) => n === 0,
      'every entry acked',
    );
  });

  it('shares one stream between two replicas: each entry goes to one of them', async () => {
    const first = new RecordingDelivery();
    const second = new RecordingDelivery();
    // The first replica holds its batch (busy invoking), so the next entries can only go to the second.
    first.plan.push('hang');
    const trigger = aTrigger({ stream_name: 'shared', sharditerator_type: 'TRIM_HORIZON', batch_size: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await xadd('shared', `a${i}`));
    // A long claim threshold: nothing is taken over from the busy replica during this test.
    const busy = aReplica('replica-1', first, 60_000).consume(trigger);
    await eventually(
      () => first.calls.length,
      (n) => n === 1,
      'the first replica busy',
    );
    aReplica('replica-2', second, 60_000).consume(trigger);
    for (let i = 0; i < 6; i++) ids.push(await xadd('shared', `b${i}`));
    await eventually(
      () => second.calls.flatMap((c) => c.keys).length,
      (n) => n === 6,
      'the second replica taking the rest',
    );
    const firstKeys = first.calls.flatMap((c) => c.keys);
    const secondKeys = second.calls.flatMap((c) => c.keys);
    expect(firstKeys).toEqual(ids.slice(0, 3));
    expect(secondKeys).toEqual(ids.slice(3));
    const pending = (await redis.xpending(
      disStreamKey(PROJECT, 'shared'),
      disConsumerGroup(trigger.id),
      '-',
      '+',
      100,
    )) as [string, string][];
    expect(pending.map(([, consumer]) => consumer)).toEqual(['replica-1', 'replica-1', 'replica-1']);
    busy.connection().disconnect();
    started.splice(started.indexOf(busy.consumer), 1);
  });

  it('recreates a deleted stream group, and destroys the group when the trigger is released', async () => {
    const delivery = new RecordingDelivery();
    const trigger = aTrigger({ stream_name: 'recreated', sharditerator_type: 'TRIM_HORIZON' });
    const replica = aReplica('replica-a', delivery);
    await xadd('recreated', 'before');
    replica.consume(trigger);
    await eventually(
      () => delivery.accepted,
      (n) => n === 1,
      'the first entry',
    );
    await redis.del(disStreamKey(PROJECT, 'recreated'));
    await xadd('recreated', 'after');
    await eventually(
      () => delivery.accepted,
      (n) => n === 2,
      'the entry of the new stream',
    );
    expect(recordsOf(delivery.calls[1].event)[0].data).toBe(Buffer.from('after').toString('base64'));

    await Promise.all(started.splice(0).map((c) => c.stop()));
    const bound = replica.driver.bind(trigger) as { ok: true; binding: SourceBinding<DisSourceConfig> };
    await replica.driver.release(bound.binding);
    expect(await redis.xinfo('GROUPS', disStreamKey(PROJECT, 'recreated'))).toEqual([]);
    await replica.driver.release(bound.binding);
    await redis.del(disStreamKey(PROJECT, 'recreated'));
    await expect(replica.driver.release(bound.binding)).resolves.toBeUndefined();
    await replica.driver.close();
  });
});
