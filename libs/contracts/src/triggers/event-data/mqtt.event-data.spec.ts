import { isMqttTopicFilter, mqttEventDataSchema, natsEventDataSchema } from './mqtt.event-data';

describe('MQTT and NATS event_data (extensions)', () => {
  it.each([
    ['a/b', true],
    ['a/+/c', true],
    ['a/#', true],
    ['#', true],
    ['a/b+', false],
    ['a#', false],
    ['a/#/b', false],
    ['$share/g/a', false],
    ['a\u0000b', false],
  ])('reads %j as a topic filter: %s', (topic, ok) => {
    expect(isMqttTopicFilter(topic)).toBe(ok);
  });

  it('defaults qos to 1 and refuses qos 2', () => {
    expect(mqttEventDataSchema.parse({ topic: 't' })).toEqual({ topic: 't', qos: 1 });
    expect(mqttEventDataSchema.safeParse({ topic: 't', qos: 2 }).success).toBe(false);
  });

  it('reads a NATS stream, subject and deliver policy (all by default)', () => {
    expect(natsEventDataSchema.parse({ stream: 'S', subject: 'orders.*.>' })).toEqual({
      stream: 'S',
      subject: 'orders.*.>',
      deliver_policy: 'all',
    });
    for (const subject of ['orders..x', 'a.>.b', 'a b'])
      expect(natsEventDataSchema.safeParse({ stream: 'S', subject }).success).toBe(false);
    expect(natsEventDataSchema.safeParse({ stream: 'S', subject: '>', deliver_policy: 'last' }).success).toBe(
      false,
    );
  });
});
