/** One record of a Kafka trigger event: the batch's messages of one topic. */
export interface KafkaEventRecord {
  messages: string[];
  topic_id: string;
}

/** The event a KAFKA or OPENSOURCEKAFKA trigger hands to its function, one per batch (contract §5.7). */
export interface KafkaTriggerEvent {
  event_version: 'v1.0';
  event_time: number;
  trigger_type: 'KAFKA' | 'OPENSOURCEKAFKA';
  region: string;
  /** The DMS instance, or the broker addresses of an open-source cluster. */
  instance_id: string;
  records: KafkaEventRecord[];
}

/** One consumed Kafka message as the mapper needs it. */
export interface KafkaMessageIn {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
}

/** The event of a batch: one record per topic in first-seen order, messages as UTF-8 text in batch order. */
export function buildKafkaEvent(input: {
  type: 'KAFKA' | 'OPENSOURCEKAFKA';
  region: string;
  instanceId: string;
  nowMs: number;
  messages: readonly KafkaMessageIn[];
}): KafkaTriggerEvent {
  const byTopic = new Map<string, string[]>();
  for (const m of input.messages) {
    const list = byTopic.get(m.topic) ?? [];
    list.push(m.value ? m.value.toString('utf8') : '');
    byTopic.set(m.topic, list);
  }
  return {
    event_version: 'v1.0',
    event_time: Math.floor(input.nowMs / 1000),
    trigger_type: input.type,
    region: input.region,
    instance_id: input.instanceId,
    records: [...byTopic].map(([topic, messages]) => ({ messages, topic_id: topic })),
  };
}

/** A message's broker id, stable across redeliveries (so a redelivered batch dedups on the ledger). */
export function kafkaMessageKey(m: Pick<KafkaMessageIn, 'topic' | 'partition' | 'offset'>): string {
  return `${m.topic}/${m.partition}@${m.offset}`;
}

/** Splits a partition batch into invocations of at most `batchSize` messages, in offset order. */
export function kafkaBatches<T>(messages: readonly T[], batchSize: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < messages.length; i += batchSize) out.push(messages.slice(i, i + batchSize));
  return out;
}

/** The consumer group of a Kafka trigger; renaming it restarts every trigger at its start position. */
export function kafkaConsumerGroup(triggerId: string): string {
  return `ofg-trigger-${triggerId}`;
}
