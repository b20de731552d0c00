import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Channel, ChannelModel, connect } from 'amqplib';
import { rabbitmqTriggerQueueName, RabbitmqTriggerEvent } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import { TriggerConfig } from '../../config/trigger.config';
import { SourceBinding, SourceConsumer } from '../event-source.port';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { eventually, RecordingDelivery } from '../testing/recording-delivery';
import { AmqpConnection } from './amqp.connection';
import { RabbitmqQueueConsumer, RabbitmqSourceConfig } from './rabbitmq-queue.consumer';
import { RabbitmqEventSource } from './rabbitmq.source';

/**
 * DMS and RABBITMQ triggers on the real RabbitMQ (RABBITMQ_URL, default guest on localhost): batches, ack after
 * acceptance, requeue on failure, redelivery of what a killed consumer held, competing replicas and reconnects.
 */
const RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const RUN = `ofg-spec-${randomBytes(4).toString('hex')}`;

jest.setTimeout(30_000);

function aTrigger(type: 'DMS' | 'RABBITMQ', eventData: Record<string, unknown>): TriggerEntity {
  return {
    id: randomUUID(),
    projectId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    functionId: randomUUID(),
    qualifier: 'latest',
    triggerTypeCode: type,
    triggerStatus: 'ACTIVE',
    eventTypeCode: '',
    name: `${type.toLowerCase()}-trigger`,
    eventData,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

describe('DMS and RABBITMQ triggers on RabbitMQ', () => {
  let admin: ChannelModel;
  let channel: Channel;
  const consumers: SourceConsumer[] = [];
  const connections: AmqpConnection[] = [];
  const queues = new Set<string>();
  const exchanges = new Set<string>();

  /** A replica: its own connection and driver, as two trigger service processes would have. */
  function aReplica(name: string, delivery: RecordingDelivery) {
    const config = {
      region: 'local',
      sources: { rabbitmqUrl: RABBITMQ_URL, instanceId: name, rabbitmqBatchWindowMs: 200 },
    } as TriggerConfig;
    const driver = new RabbitmqEventSource(
      config,
      delivery as unknown as SourceInvocationService,
      new SourceMetrics(new MetricsService()),
    );
    connections.push(driver.connection);
    const consume = (trigger: TriggerEntity): RabbitmqQueueConsumer => {
      const bound = driver.bind(trigger);
      if (!bound.ok) throw new Error(bound.reason);
      queues.add(bound.binding.config.queue);
      if (bound.binding.config.exchange) exchanges.add(bound.binding.config.exchange);
      const consumer = new RabbitmqQueueConsumer(bound.binding, {
        connection: driver.connection,
        delivery,
        metrics: new SourceMetrics(new MetricsService()),
        region: 'local',
        batchWindowMs: 200,
        instanceId: name,
        stopTimeoutMs: 500,
      });
      consumer.start();
      consumers.push(consumer);
      return consumer;
    };
    return { driver, consume };
  }

  /** The queue's counts, or none while it does not exist (a check of a missing queue closes its channel). */
  const inspect = async (queue: string) => {
    const probe = await admin.createChannel();
    probe.on('error', () => undefined);
    try {
      return await probe.checkQueue(queue);
    } catch {
      return { queue, consumerCount: 0, messageCount: 0 };
    } finally {
      await probe.close().catch(() => undefined);
    }
  };

  /** Waits until `count` consumers read the queue (the trigger's topology is declared by then). */
  const consuming = (queue: string, count = 1) =>
    eventually(
      () => inspect(queue),
      (q) => q.consumerCount >= count,
      `${count} consumer(s) on ${queue}`,
    );

  const messagesOf = (event: unknown) => (event as RabbitmqTriggerEvent).records[0].messages;

  /** Kills a replica's connection the way a crashed process would: the socket just goes. */
  const dropSocket = async (connection: AmqpConnection) => {
    const model = await connection.ready();
    const socket = (model.connection as unknown as { stream: { destroy(err: Error): void } }).stream;
    socket.destroy(new Error('connection reset (test)'));
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    admin = await connect(RABBITMQ_URL);
    channel = await admin.createChannel();
    channel.on('error', (err: Error) => {
      throw err;
    });
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await Promise.all(connections.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    for (const queue of queues) await channel.deleteQueue(queue);
    // Queues the trigger derived (already deleted by a release) are deleted again: that is a no-op.
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
    await admin.close();
  });

  it('RABBITMQ: one invocation per batch with the §5.7 envelope, acked after acceptance', async () => {
    const delivery = new RecordingDelivery();
    const exchange = `${RUN}-orders`;
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    const trigger = aTrigger('RABBITMQ', {
      exchange_name: exchange,
      routing_key: 'orders.*',
      batch_size: 5,
      instance_id: 'inst-1',
    });
    const consumer = aReplica('replica-a', delivery).consume(trigger);
    const queue = rabbitmqTriggerQueueName(trigger.id);
    await consuming(queue);
    const before = Math.floor(Date.now() / 1000);
    channel.publish(exchange, 'other.key', Buffer.from('not routed'));
    for (let i = 0; i < 5; i++)
      channel.publish(exchange, 'orders.new', Buffer.from(`m${i}`), {
        messageId: `id-${i}`,
        persistent: true,
      });
    await eventually(
      () => delivery.accepted,
      (n) => n === 1,
      'one batch',
    );
    const event = delivery.calls[0].event as RabbitmqTriggerEvent;
    expect(event).toEqual({
      event_version: 'v1.0',
      event_time: expect.any(Number),
      trigger_type: 'RABBITMQ',
      region: 'local',
      records: [
        { messages: ['m0', 'm1', 'm2', 'm3', 'm4'], instance_id: 'inst-1', exchange, 'x-ofg-hop': 1 },
      ],
    });
    expect(event.event_time).toBeGreaterThanOrEqual(before);
    expect(delivery.calls[0].keys).toEqual(['mid:id-0', 'mid:id-1', 'mid:id-2', 'mid:id-3', 'mid:id-4']);
    expect(delivery.calls).toHaveLength(1);
    await consumer.stop();
    // Nothing came back to the queue when the channel closed: every message was acked.
    expect((await inspect(queue)).messageCount).toBe(0);
  });

  it('DMS: consumes the named queue (declared durable when missing) and names it in the event', async () => {
    const delivery = new RecordingDelivery();
    const queue = `${RUN}-dms`;
    const trigger = aTrigger('DMS', { queue_id: queue, consumer_group_id: 'group-1' });
    aReplica('replica-a', delivery).consume(trigger);
    await consuming(queue);
    channel.sendToQueue(queue, Buffer.from('{"order":1}'), { headers: { 'x-ofg-hop': 2 } });
    await eventually(
      () => delivery.accepted,
      (n) => n === 1,
      'the DMS batch',
    );
    expect(delivery.calls[0].event).toEqual({
      event_version: 'v1.0',
      event_time: expect.any(Number),
      trigger_type: 'DMS',
      region: 'local',
      records: [
        { messages: ['{"order":1}'], instance_id: '', exchange: '', queue_id: queue, 'x-ofg-hop': 3 },
      ],
    });
    expect(delivery.calls[0].hops).toEqual([2]);
    expect((await inspect(queue)).consumerCount).toBe(1);
  });

  it('requeues a batch that was not accepted and delivers it again until it is', async () => {
    const delivery = new RecordingDelivery();
    delivery.plan.push('fail', 'fail');
    const queue = `${RUN}-retried`;
    aReplica('replica-a', delivery).consume(aTrigger('DMS', { queue_id: queue, consumer_group_id: 'g' }));
    await consuming(queue);
    channel.sendToQueue(queue, Buffer.from('a'), { messageId: 'a' });
    channel.sendToQueue(queue, Buffer.from('b'), { messageId: 'b' });
    await eventually(
      () => delivery.accepted,
      (n) => n === 1,
      'acceptance after two failures',
    );
    expect(delivery.calls.map((c) => c.keys)).toEqual([
      ['mid:a', 'mid:b'],
      ['mid:a', 'mid:b'],
      ['mid:a', 'mid:b'],
    ]);
  });

  it('loses nothing when a consumer dies between receive and ack: its messages go to another replica', async () => {
    const victimDelivery = new RecordingDelivery();
    victimDelivery.plan.push('hang');
    const exchange = `${RUN}-takeover`;
    const trigger = aTrigger('RABBITMQ', { exchange_name: exchange, batch_size: 3 });
    const victim = aReplica('victim', victimDelivery);
    victim.consume(trigger);
    const queue = rabbitmqTriggerQueueName(trigger.id);
    await consuming(queue);
    for (let i = 0; i < 3; i++) channel.publish(exchange, 'any.key', Buffer.from(`m${i}`));
    await eventually(
      () => victimDelivery.calls.length,
      (n) => n === 1,
      'the victim receiving the batch',
    );

    const survivorDelivery = new RecordingDelivery();
    aReplica('survivor', survivorDelivery).consume(trigger);
    await consuming(queue, 2);
    await dropSocket(victim.driver.connection);
    await victim.driver.connection.close();
    await eventually(
      () => survivorDelivery.accepted,
      (n) => n === 1,
      'the survivor getting the batch',
    );
    expect(messagesOf(survivorDelivery.calls[0].event)).toEqual(['m0', 'm1', 'm2']);
    expect(victimDelivery.accepted).toBe(0);
  });

  it('shares one queue between two replicas: each message goes to one of them', async () => {
    const first = new RecordingDelivery();
    const second = new RecordingDelivery();
    // The first replica holds its batch (prefetch = batch size), so the rest can only go to the second.
    first.plan.push('hang');
    const queue = `${RUN}-shared`;
    const trigger = aTrigger('DMS', { queue_id: queue, consumer_group_id: 'g' });
    aReplica('replica-1', first).consume(trigger);
    await consuming(queue);
    for (let i = 0; i < 10; i++) channel.sendToQueue(queue, Buffer.from(`a${i}`), { messageId: `a${i}` });
    await eventually(
      () => first.calls.length,
      (n) => n === 1,
      'the first replica busy',
    );
    aReplica('replica-2', second).consume(trigger);
    await eventually(
      () => second.calls.flatMap((c) => c.keys).length,
      (n) => n === 10 - first.calls[0].keys.length,
      'the second replica taking the rest',
    );
    const all = [...first.calls[0].keys, ...second.calls.flatMap((c) => c.keys)];
    expect(first.calls[0].keys).toHaveLength(10);
    expect(new Set(all).size).toBe(all.length);
  });

  it('reconnects after the broker connection drops and consumes again', async () => {
    const delivery = new RecordingDelivery();
    const queue = `${RUN}-reconnect`;
    const replica = aReplica('replica-a', delivery);
    replica.consume(aTrigger('DMS', { queue_id: queue, consumer_group_id: 'g' }));
    await consuming(queue);
    await dropSocket(replica.driver.connection);
    await eventually(
      () => replica.driver.connection.connected,
      (up) => up,
      'the connection back',
    );
    await consuming(queue);
    channel.sendToQueue(queue, Buffer.from('after'));
    await eventually(
      () => delivery.accepted,
      (n) => n === 1,
      'a message after the reconnect',
    );
    expect(messagesOf(delivery.calls[0].event)).toEqual(['after']);
  });

  it('declares a missing exchange, binds `#` and `` by default, and releases what the trigger owned', async () => {
    const delivery = new RecordingDelivery();
    const exchange = `${RUN}-declared`;
    const trigger = aTrigger('RABBITMQ', { exchange_name: exchange });
    const replica = aReplica('replica-a', delivery);
    replica.consume(trigger);
    const queue = rabbitmqTriggerQueueName(trigger.id);
    await consuming(queue);
    channel.publish(exchange, 'a.b.c', Buffer.from('deep'));
    channel.publish(exchange, '', Buffer.from('empty key'));
    await eventually(
      () => delivery.calls.flatMap((c) => messagesOf(c.event)),
      (m) => m.length === 2,
      'both messages',
    );
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    const bound = replica.driver.bind(trigger) as { ok: true; binding: SourceBinding<RabbitmqSourceConfig> };
    await replica.driver.release(bound.binding);
    await expect(replica.driver.connection.withChannel((c) => c.checkQueue(queue))).rejects.toMatchObject({
      code: 404,
    });

    // A DMS queue is the user's: releasing its trigger leaves it.
    const dmsQueue = `${RUN}-kept`;
    await channel.assertQueue(dmsQueue, { durable: true });
    queues.add(dmsQueue);
    const dms = replica.driver.bind(aTrigger('DMS', { queue_id: dmsQueue, consumer_group_id: 'g' }));
    if (!dms.ok) throw new Error(dms.reason);
    await replica.driver.release(dms.binding);
    expect((await inspect(dmsQueue)).queue).toBe(dmsQueue);
  });
});
