import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { smnTopicStreamKey, SmnTriggerEvent } from '@ofg/contracts';
import {
  REDIS_URL,
  StreamReplicas,
  aStreamTrigger,
  groupExists,
  pendingCount,
} from '../redis-stream/stream-spec.support';
import { batchRequestId } from '../source-invocation.service';
import { eventually, RecordingDelivery } from '../testing/recording-delivery';
import { buildSmnEvent } from './smn-event.mapper';
import { SmnEventSource, SmnSourceConfig } from './smn.source';

jest.setTimeout(30_000);

const PROJECT = `smn${randomBytes(6).toString('hex')}`;
const topicUrn = (name: string) => `urn:smn:local:${PROJECT}:${name}`;
const keyOf = (name: string) => smnTopicStreamKey(topicUrn(name)) as string;

describe('SMN event mapper', () => {
  it('builds the §5.7 SMN event of one message, reading a destination record when there is no message field', () => {
    const fields = new Map([
      ['message', Buffer.from('hello')],
      ['subject', Buffer.from('greeting')],
    ]);
    const trigger = { id: '6f1c2a44-0a8e-4a36-9d57-1d1b3c6a9e10', functionId: 'fn-1' };
    const event = buildSmnEvent(trigger, topicUrn('t'), { id: '1700000000123-0', fields });
    expect(event).toEqual({
      record: [
        {
          event_version: '1.0',
          event_source: 'smn',
          event_subscription_urn: `${topicUrn('t')}:${trigger.id}`,
          smn: {
            topic_urn: topicUrn('t'),
            timestamp: '2023-11-14T22:13:20Z',
            message_attributes: null,
            message: 'hello',
            type: 'notification',
            message_id: '1700000000123-0',
            subject: 'greeting',
          },
        },
      ],
      functionname: 'fn-1',
      requestId: batchRequestId(trigger.id, ['1700000000123-0'], 0),
      timestamp: new Date(1700000000123).toString(),
    });
    const record = new Map([['record', Buffer.from('{"result":1}')]]);
    const fromDestination = buildSmnEvent(trigger, topicUrn('t'), { id: '1-0', fields: record });
    expect(fromDestination.record[0].smn.message).toBe('{"result":1}');
    expect(fromDestination.record[0].smn.subject).toBe('');
  });

  it('refuses a trigger whose topic_urn is not a topic URN', () => {
    const replicas = new StreamReplicas<SmnSourceConfig>(SmnEventSource);
    const driver = replicas.replica('r', new RecordingDelivery());
    expect(driver.bind(aStreamTrigger('SMN', PROJECT, { topic_urn: 'nope' })).ok).toBe(false);
  });
});

describe('SMN triggers on Redis Streams', () => {
  let redis: Redis;
  let replicas: StreamReplicas<SmnSourceConfig>;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  beforeEach(() => {
    replicas = new StreamReplicas<SmnSourceConfig>(SmnEventSource);
  });
  afterEach(() => replicas.stopAll());
  afterAll(async () => {
    const keys = await redis.keys(`ofg:smn:${PROJECT}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  const publish = (topic: string, message: string, ...extra: string[]) =>
    redis.xadd(keyOf(topic), '*', 'message', message, ...extra) as Promise<string>;
  const messagesOf = (delivery: RecordingDelivery) =>
    delivery.calls.map((c) => (c.event as SmnTriggerEvent).record[0].smn.message);

  it('invokes once per message published after the subscription, with the §5.7 event, and acks after acceptance', async () => {
    await publish('orders', 'before the trigger');
    const delivery = new RecordingDelivery();
    const trigger = aStreamTrigger('SMN', PROJECT, { topic_urn: topicUrn('orders') });
    replicas.consume(replicas.replica('replica-a', delivery), trigger);
    await eventually(() => groupExists(redis, keyOf('orders')), Boolean, 'the subscription');
    const ids = [await publish('orders', 'first', 'subject', 's1'), await publish('orders', 'second')];
    await eventually(
      () => delivery.accepted,
      (n) => n === 2,
      'two invocations',
    );
    expect(delivery.calls.map((c) => c.keys)).toEqual([[ids[0]], [ids[1]]]);
    expect(messagesOf(delivery)).toEqual(['first', 'second']);
    const first = delivery.calls[0].event as SmnTriggerEvent;
    expect(first.record[0]).toMatchObject({
      event_source: 'smn',
      event_subscription_urn: `${topicUrn('orders')}:${trigger.id}`,
      smn: { topic_urn: topicUrn('orders'), message_id: ids[0], subject: 's1', type: 'notification' },
    });
    await eventually(
      () => pendingCount(redis, keyOf('orders'), trigger.id),
      (n) => n === 0,
      'both acked',
    );
    expect(delivery.calls).toHaveLength(2);
  });

  it('redelivers a message whose consumer died between receive and ack (at-least-once)', async () => {
    const victimDelivery = new RecordingDelivery();
    victimDelivery.plan.push('hang');
    const trigger = aStreamTrigger('SMN', PROJECT, { topic_urn: topicUrn('takeover') });
    const victim = replicas.consume(replicas.replica('victim', victimDelivery), trigger);
    await eventually(() => groupExists(redis, keyOf('takeover')), Boolean, 'the subscription');
    const id = await publish('takeover', 'survives');
    await eventually(
      () => victimDelivery.calls.length,
      (n) => n === 1,
      'the victim receiving it',
    );
    replicas.kill(victim);
    expect(await pendingCount(redis, keyOf('takeover'), trigger.id)).toBe(1);

    const survivor = new RecordingDelivery();
    replicas.consume(replicas.replica('survivor', survivor), trigger);
    await eventually(
      () => survivor.accepted,
      (n) => n === 1,
      'the survivor taking it over',
    );
    expect(survivor.calls.map((c) => c.keys)).toEqual([[id]]);
    expect(messagesOf(survivor)).toEqual(['survives']);
    await eventually(
      () => pendingCount(redis, keyOf('takeover'), trigger.id),
      (n) => n === 0,
      'acked',
    );
  });

  it('shares a subscription between two replicas, and gives two triggers on one topic each message', async () => {
    const first = new RecordingDelivery();
    const second = new RecordingDelivery();
    first.plan.push('hang');
    const trigger = aStreamTrigger('SMN', PROJECT, { topic_urn: topicUrn('shared') });
    const busy = replicas.consume(replicas.replica('replica-1', first, 60_000), trigger);
    await eventually(() => groupExists(redis, keyOf('shared')), Boolean, 'the subscription');
    const ids = [await publish('shared', 'm0')];
    await eventually(
      () => first.calls.length,
      (n) => n === 1,
      'the first replica busy',
    );
    replicas.consume(replicas.replica('replica-2', second, 60_000), trigger);
    const other = new RecordingDelivery();
    const otherTrigger = aStreamTrigger('SMN', PROJECT, { topic_urn: topicUrn('shared') });
    replicas.consume(replicas.replica('other', other), otherTrigger);
    await eventually(
      async () => ((await redis.xinfo('GROUPS', keyOf('shared'))) as unknown[]).length,
      (n) => n === 2,
      'the second subscription',
    );
    for (let i = 1; i <= 4; i++) ids.push(await publish('shared', `m${i}`));
    await eventually(
      () => second.accepted,
      (n) => n === 4,
      'the second replica taking the rest',
    );
    await eventually(
      () => other.accepted,
      (n) => n === 4,
      'the other trigger',
    );
    expect(first.calls.flatMap((c) => c.keys)).toEqual([ids[0]]);
    expect(second.calls.flatMap((c) => c.keys)).toEqual(ids.slice(1));
    expect(other.calls.flatMap((c) => c.keys)).toEqual(ids.slice(1));
    replicas.kill(busy);
  });
});
