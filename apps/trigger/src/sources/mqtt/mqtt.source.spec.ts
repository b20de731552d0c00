import { randomBytes, randomUUID } from 'node:crypto';
import mqtt, { MqttClient } from 'mqtt';
import { TriggerEntity } from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import { TriggerConfig } from '../../config/trigger.config';
import { SourceConsumer } from '../event-source.port';
import { SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { eventually, RecordingDelivery } from '../testing/recording-delivery';
import { buildMqttEvent, MqttTriggerEvent } from './mqtt-event.mapper';
import { MqttEventSource } from './mqtt.source';

/** MQTT triggers on the real Mosquitto (MQTT_URL, else 127.0.0.1:1883). */
const MQTT_URL = process.env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';
const RUN = randomBytes(6).toString('hex');

jest.setTimeout(30_000);

function aTrigger(eventData: Record<string, unknown>): TriggerEntity {
  return {
    id: randomUUID(),
    projectId: 'p1',
    functionId: randomUUID(),
    qualifier: 'latest',
    triggerTypeCode: 'MQTT',
    triggerStatus: 'ACTIVE',
    eventTypeCode: '',
    name: String(eventData['topic']),
    eventData,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

describe('MQTT event mapper', () => {
  it('wraps one message in the §5.7-style envelope', () => {
    expect(
      buildMqttEvent('local', 1_700_000_000_999, {
        topic: 'a/b',
        qos: 1,
        retain: false,
        payload: Buffer.from('hi'),
      }),
    ).toEqual({
      event_version: 'v1.0',
      event_time: 1_700_000_000,
      trigger_type: 'MQTT',
      region: 'local',
      records: [{ topic: 'a/b', qos: 1, retain: false, message: 'hi' }],
    });
  });
});

describe('MQTT triggers on Mosquitto', () => {
  let publisher: MqttClient;
  const started: SourceConsumer[] = [];
  const drivers: MqttEventSource[] = [];

  function aReplica(name: string, delivery: RecordingDelivery): MqttEventSource {
    const config = {
      region: 'local',
      sources: { instanceId: name, mqttUrl: MQTT_URL },
    } as TriggerConfig;
    const driver = new MqttEventSource(
      config,
      delivery as unknown as SourceInvocationService,
      new SourceMetrics(new MetricsService()),
    );
    drivers.push(driver);
    return driver;
  }

  function consume(driver: MqttEventSource, trigger: TriggerEntity): SourceConsumer {
    const bound = driver.bind(trigger);
    if (!bound.ok) throw new Error(bound.reason);
    const consumer = driver.consumer(bound.binding);
    consumer.start();
    started.push(consumer);
    return consumer;
  }

  /** Waits until the consumer's session has subscribed (the broker then keeps its messages). */
  const subscribed = (consumer: SourceConsumer) =>
    eventually(
      () => {
        const client = (consumer as unknown as { client?: MqttClient }).client;
        return !!client?.connected && Object.keys(client['_resubscribeTopics'] ?? {}).length > 0;
      },
      Boolean,
      'the subscription',
    );

  const publish = (topic: string, message: string) =>
    new Promise<void>((resolve, reject) =>
      publisher.publish(topic, message, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
    );

  const messagesOf = (delivery: RecordingDelivery) =>
    delivery.calls.map((c) => (c.event as MqttTriggerEvent).records[0].message);

  beforeAll(async () => {
    publisher = mqtt.connect(MQTT_URL, { clientId: `ofg-spec-pub-${RUN}` });
    await new Promise((resolve) => publisher.once('connect', resolve));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((c) => c.stop()));
    for (const driver of drivers.splice(0)) await driver.close();
  });
  afterAll(async () => {
    await publisher.endAsync();
  });

  it('invokes once per message with the event and acknowledges after acceptance', async () => {
    const delivery = new RecordingDelivery();
    const topic = `ofg-spec/${RUN}/orders`;
    const trigger = aTrigger({ topic, qos: 1 });
    const driver = aReplica('replica-a', delivery);
    await subscribed(consume(driver, trigger));
    await publish(topic, 'first');
    await publish(topic, 'second');
    await eventually(
      () => delivery.accepted,
      (n) => n === 2,
      'two invocations',
    );
    expect(messagesOf(delivery)).toEqual(['first', 'second']);
    expect(delivery.calls).toHaveLength(2);
    expect(delivery.calls[0].event).toMatchObject({ trigger_type: 'MQTT', records: [{ topic, qos: 1 }] });
    const bound = driver.bind(trigger);
    if (bound.ok) await driver.release(bound.binding);
  });

  it('redelivers a message its consumer received but did not acknowledge when the session comes back', async () => {
    const victimDelivery = new RecordingDelivery();
    victimDelivery.plan.push('hang');
    const topic = `ofg-spec/${RUN}/takeover`;
    const trigger = aTrigger({ topic });
    const victim = consume(aReplica('replica-v', victimDelivery), trigger);
    await subscribed(victim);
    await publish(topic, 'survives');
    await eventually(
      () => victimDelivery.calls.length,
      (n) => n === 1,
      'the victim receiving it',
    );
    // Killed before its PUBACK: the connection drops, the invocation never returns.
    const client = (victim as unknown as { client: MqttClient }).client;
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    started.splice(started.indexOf(victim), 1);

    const again = new RecordingDelivery();
    const driver = aReplica('replica-v', again);
    consume(driver, trigger);
    await eventually(
      () => again.accepted,
      (n) => n === 1,
      'the restarted replica getting it again',
    );
    expect(messagesOf(again)).toEqual(['survives']);
    await Promise.all(started.splice(0).map((c) => c.stop()));
    const bound = driver.bind(trigger);
    if (bound.ok) await driver.release(bound.binding);
  });

  it('shares the subscription between two replicas: each message goes to one of them', async () => {
    const first = new RecordingDelivery();
    const second = new RecordingDelivery();
    const topic = `ofg-spec/${RUN}/shared`;
    const trigger = aTrigger({ topic });
    const a = aReplica('replica-1', first);
    const b = aReplica('replica-2', second);
    await subscribed(consume(a, trigger));
    await subscribed(consume(b, trigger));
    const sent = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
    for (const m of sent) await publish(topic, m);
    await eventually(
      () => first.accepted + second.accepted,
      (n) => n === sent.length,
      'every message',
    );
    expect([...messagesOf(first), ...messagesOf(second)].sort()).toEqual(sent);
    expect(first.accepted).toBeGreaterThan(0);
    expect(second.accepted).toBeGreaterThan(0);
    await Promise.all(started.splice(0).map((c) => c.stop()));
    for (const d of [a, b]) {
      const bound = d.bind(trigger);
      if (bound.ok) await d.release(bound.binding);
    }
  });
});
