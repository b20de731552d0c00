import { randomBytes, randomUUID } from 'node:crypto';
import { connect, headers, NatsConnection } from 'nats';
import { TriggerEntity } from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import { TriggerConfig } from '../../config/trigger.config';
import { SourceConsumer } from '../event-source.port';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { eventually, RecordingDelivery } from '../testing/recording-delivery';
import { buildNatsEvent, NatsTriggerEvent } from './nats-event.mapper';
import { NatsEventSource, NatsStreamConsumer } from './nats.source';

/** NATS triggers on the real NATS JetStream server (NATS_URL, else 127.0.0.1:4222). */
const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const STREAM = `ofgspec${randomBytes(5).toString('hex')}`;

jest.setTimeout(30_000);

function aTrigger(eventData: Record<string, unknown>): TriggerEntity {
  return {
    id: randomUUID(),
    projectId: 'p1',
    functionId: randomUUID(),
    qualifier: 'latest',
    triggerTypeCode: 'NATS',
    triggerStatus: 'ACTIVE',
    eventTypeCode: '',
    name: 'n',
    eventData,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

describe('NATS event mapper', () => {
  it('lists a batch of messages with their stream, subject and sequence', () => {
    expect(
      buildNatsEvent('local', 1_700_000_000_500, 'orders', [
        { subject: 'orders.eu', seq: 7, data: Buffer.from('a') },
        { subject: 'orders.us', seq: 9, data: Buffer.from('b') },
      ]),
    ).toEqual({
      event_version: 'v1.0',
      event_time: 1_700_000_000,
      trigger_type: 'NATS',
      region: 'local',
      records: [
        { stream: 'orders', subject: 'orders.eu', sequence: 7, message: 'a' },
        { stream: 'orders', subject: 'orders.us', sequence: 9, message: 'b' },
      ],
    });
  });
});

describe('NATS triggers on JetStream', () => {
  let nc: NatsConnection;
  const started: SourceConsumer[] = [];
  const drivers: NatsEventSource[] = [];

  function aReplica(name: string, delivery: RecordingDelivery, ackWaitMs = 1000) {
    const config = {
      region: 'local',
      sources: { instanceId: name, natsUrl: NATS_URL, disClaimIdleMs: ackWaitMs },
    } as TriggerConfig;
    const driver = new NatsEventSource(
      config,
      delivery as unknown as SourceInvocationService,
      new SourceMetrics(new MetricsService()),
    );
    drivers.push(driver);
    const consume = (trigger: TriggerEntity): NatsStreamConsumer => {
      const bound = driver.bind(trigger);
      if (!bound.ok) throw new Error(bound.reason);
      const consumer = new NatsStreamConsumer(bound.binding, {
        delivery,
        metrics: new SourceMetrics(new MetricsService()),
        region: 'local',
        fetchExpiresMs: 1000,
      });
      consumer.start();
      started.push(consumer);
      return consumer;
    };
    return { driver, consume };
  }

  const publish = async (subject: string, data: string, hop?: number) => {
    const h = headers();
    if (hop !== undefined) h.set('x-ofg-hop', String(hop));
    const ack = await nc.jetstream().publish(subject, Buffer.from(data), { headers: h });
    return ack.seq;
  };
  const messagesOf = (delivery: RecordingDelivery) =>
    delivery.calls.flatMap((c) => (c.event as NatsTriggerEvent).records.map((r) => r.message));

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: STREAM, subjects: [`${STREAM}.>`] });
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((c) => c.stop()));
    for (const d of drivers.splice(0)) await d.close();
  });
  afterAll(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(STREAM);
    await nc.close();
  });

  it('invokes once per batch with the event, starting as deliver_policy says, and acks after acceptance', async () => {
    await publish(`${STREAM}.a.old`, 'old');
    const delivery = new RecordingDelivery();
    const trigger = aTrigger({ stream: STREAM, subject: `${STREAM}.a.>`, deliver_policy: 'all' });
    // Not about redelivery: an ack wait a loaded machine cannot overrun, so each message arrives exactly once.
    const { driver, consume } = aReplica('replica-a', delivery, 10_000);
    consume(trigger);
    await eventually(
      () => delivery.accepted,
      (n) => n >= 1,
      'the old message',
    );
    const seq = await publish(`${STREAM}.a.new`, 'new', 4);
    await publish(`${STREAM}.b.other`, 'not this subject');
    await eventually(
      () => messagesOf(delivery).length,
      (n) => n === 2,
      'the new message',
    );
    expect(messagesOf(delivery)).toEqual(['old', 'new']);
    const last = delivery.calls[delivery.calls.length - 1];
    expect(last.keys).toEqual([`${STREAM}:${seq}`]);
    expect(last.hops).toEqual([4]);
    const jsm = await nc.jetstreamManager();
    const info = await jsm.consumers.info(STREAM, `ofg-trigger-${trigger.id}`);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    const bound = driver.bind(trigger);
    if (bound.ok) await driver.release(bound.binding);
    await expect(jsm.consumers.info(STREAM, `ofg-trigger-${trigger.id}`)).rejects.toThrow(/not found/i);
  });

  const durableReady = async (trigger: TriggerEntity) => {
    const jsm = await nc.jetstreamManager();
    await eventually(
      () =>
        jsm.consumers.info(STREAM, `ofg-trigger-${trigger.id}`).then(
          () => true,
          () => false,
        ),
      Boolean,
      'the durable consumer',
    );
  };

  it('redelivers what a consumer died holding once ack_wait passed', async () => {
    const victimDelivery = new RecordingDelivery();
    victimDelivery.plan.push('hang');
    const trigger = aTrigger({ stream: STREAM, subject: `${STREAM}.c.>`, deliver_policy: 'new' });
    const victim = aReplica('victim', victimDelivery).consume(trigger);
    await durableReady(trigger);
    const seq = await publish(`${STREAM}.c.1`, 'held');
    await eventually(
      () => victimDelivery.calls.length,
      (n) => n === 1,
      'the victim receiving it',
    );
    // Killed before its ack: the connection goes, the invocation never returns.
    await (victim as unknown as { nc: NatsConnection }).nc.close();
    started.splice(started.indexOf(victim), 1);

    const survivor = new RecordingDelivery();
    aReplica('survivor', survivor).consume(trigger);
    await eventually(
      () => survivor.accepted,
      (n) => n === 1,
      'the survivor getting it again',
    );
    expect(messagesOf(survivor)).toEqual(['held']);
    expect(survivor.calls[0].keys).toEqual([`${STREAM}:${seq}`]);
  });

  it('shares the durable between replicas: each message goes to one of them', async () => {
    const first = new RecordingDelivery();
    const second = new RecordingDelivery();
    // The first replica holds its batch (busy invoking), so the next messages can only go to the second.
    first.plan.push('hang');
    const trigger = aTrigger({ stream: STREAM, subject: `${STREAM}.d.>`, deliver_policy: 'new' });
    const busy = aReplica('replica-1', first, 60_000).consume(trigger);
    await durableReady(trigger);
    await publish(`${STREAM}.d.0`, 'a0');
    await eventually(
      () => first.calls.length,
      (n) => n === 1,
      'the first replica busy',
    );
    aReplica('replica-2', second, 60_000).consume(trigger);
    for (let i = 1; i <= 5; i++) await publish(`${STREAM}.d.${i}`, `a${i}`);
    await eventually(
      () => messagesOf(second).length,
      (n) => n === 5,
      'the second replica taking the rest',
    );
    expect(messagesOf(first)).toEqual(['a0']);
    expect(messagesOf(second)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    await (busy as unknown as { nc: NatsConnection }).nc.close();
    started.splice(started.indexOf(busy), 1);
  });
});
