import type { ConsumeMessage } from 'amqplib';
import { amqpSourceMessage, buildRabbitmqEvent } from './rabbitmq-event.mapper';

function aMessage(body: string, properties: Partial<ConsumeMessage['properties']> = {}): ConsumeMessage {
  return {
    content: Buffer.from(body),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'orders', routingKey: 'a.b', consumerTag: 'c' },
    properties: { headers: {}, ...properties } as ConsumeMessage['properties'],
  };
}

describe('RabbitMQ event mapper', () => {
  it('builds the §5.7 RabbitMQ envelope: one record with every body of the batch', () => {
    const event = buildRabbitmqEvent({
      type: 'RABBITMQ',
      region: 'eu-de',
      nowMs: 1_576_737_962_500,
      instanceId: 'inst-1',
      exchange: 'topic',
      bodies: [Buffer.from('m1'), Buffer.from('m2')],
      hop: 1,
    });
    expect(event).toEqual({
      event_version: 'v1.0',
      event_time: 1_576_737_962,
      trigger_type: 'RABBITMQ',
      region: 'eu-de',
      records: [{ messages: ['m1', 'm2'], instance_id: 'inst-1', exchange: 'topic', 'x-ofg-hop': 1 }],
    });
  });

  it('names the queue of a DMS event', () => {
    const event = buildRabbitmqEvent({
      type: 'DMS',
      region: 'local',
      nowMs: 0,
      instanceId: '',
      exchange: '',
      queueId: 'orders',
      bodies: [Buffer.from('{"a":1}')],
      hop: 7,
    });
    expect(event.trigger_type).toBe('DMS');
    expect(event.records).toEqual([
      { messages: ['{"a":1}'], instance_id: '', exchange: '', queue_id: 'orders', 'x-ofg-hop': 7 },
    ]);
  });

  it('keys a message by its AMQP message-id and reads its hop header', () => {
    expect(amqpSourceMessage(aMessage('x', { messageId: 'm-1', headers: { 'x-ofg-hop': 4 } }))).toMatchObject(
      {
        key: 'mid:m-1',
        hop: 4,
      },
    );
    expect(amqpSourceMessage(aMessage('x', { headers: { 'x-ofg-hop': '15' } }))).toMatchObject({ hop: 15 });
    const anonymous = amqpSourceMessage(aMessage('x'));
    expect(anonymous.key).toBeUndefined();
    expect(anonymous.hop).toBe(0);
  });
});
