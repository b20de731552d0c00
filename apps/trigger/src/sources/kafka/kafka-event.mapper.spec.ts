import { buildKafkaEvent, kafkaBatches, kafkaMessageKey } from './kafka-event.mapper';

describe('Kafka event mapper (no broker here: mapping and batching only)', () => {
  it('builds the §5.7 Kafka envelope, one record per topic in first-seen order', () => {
    const m = (topic: string, offset: string, value: string | null) => ({
      topic,
      partition: 0,
      offset,
      value: value === null ? null : Buffer.from(value),
    });
    expect(
      buildKafkaEvent({
        type: 'KAFKA',
        region: 'eu-de',
        instanceId: 'inst-1',
        nowMs: 1_576_737_962_400,
        messages: [
          m('topic-test', '1', 'm1'),
          m('other', '4', 'x'),
          m('topic-test', '2', 'm2'),
          m('other', '5', null),
        ],
      }),
    ).toEqual({
      event_version: 'v1.0',
      event_time: 1_576_737_962,
      trigger_type: 'KAFKA',
      region: 'eu-de',
      instance_id: 'inst-1',
      records: [
        { messages: ['m1', 'm2'], topic_id: 'topic-test' },
        { messages: ['x', ''], topic_id: 'other' },
      ],
    });
  });

  it('cuts a partition batch into batch_size invocations and names messages by topic, partition and offset', () => {
    expect(kafkaBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(kafkaBatches([], 2)).toEqual([]);
    expect(kafkaMessageKey({ topic: 't', partition: 3, offset: '42' })).toBe('t/3@42');
  });
});
