/**
 * Trigger types the trigger service consumes from a broker: DIS, SMN, CTS and LTS on Redis Streams, DMS and RABBITMQ
 * on RabbitMQ, MQTT on an MQTT broker, NATS on NATS JetStream (KAFKA and OPENSOURCEKAFKA: mapping only).
 */
export const STREAM_SOURCE_TYPES = [
  'DIS',
  'DMS',
  'RABBITMQ',
  'SMN',
  'CTS',
  'LTS',
  'MQTT',
  'NATS',
  // Mapped and batched (apps/trigger/src/sources/kafka), not consumed: no driver is registered for them yet.
  'KAFKA',
  'OPENSOURCEKAFKA',
] as const;
export type StreamSourceType = (typeof STREAM_SOURCE_TYPES)[number];

export function isStreamSourceType(code: string): code is StreamSourceType {
  return (STREAM_SOURCE_TYPES as readonly string[]).includes(code);
}

/**
 * Hop count of a message (a RabbitMQ header, a DIS entry field): how many trigger invocations led to it. Absent = 0.
 * Persistent wire name: producers that forward events set it to their invocation's hop.
 */
export const TRIGGER_HOP_HEADER = 'x-ofg-hop';

/** A message whose hop count reached this is not invoked but recorded as a stopped recursive loop. */
export const MAX_TRIGGER_HOPS = 16;

/** error_message of the DISCARD ledger row recorded for an event stopped by the hop limit. */
export const RECURSION_STOPPED_MESSAGE = `not invoked: recursive loop stopped, hop count reached ${MAX_TRIGGER_HOPS}`;

/** Consumer group of a DIS trigger on its stream; renaming it restarts every trigger from its start position. */
export function disConsumerGroup(triggerId: string): string {
  return `ofg-trigger-${triggerId}`;
}

/** The durable queue a RABBITMQ trigger without `queue_name` binds to its exchange; renaming it strands messages. */
export function rabbitmqTriggerQueueName(triggerId: string): string {
  return `ofg-trigger-${triggerId}`;
}

/** Entry fields a DIS trigger reads (`XADD <key> * data <payload> [partition_key <k>] [x-ofg-hop <n>]`). */
export const DIS_ENTRY_FIELDS = {
  data: 'data',
  partitionKey: 'partition_key',
  /** What an async DIS destination writes (the result record); read as the data when `data` is absent. */
  destinationRecord: 'record',
} as const;

/** One record of a DIS trigger event. */
export interface DisEventRecord {
  partition_key: string;
  /** Base64 of the entry's data field. */
  data: string;
  /** The Redis Stream entry id. */
  sequence_number: string;
}

/** The event a DIS trigger hands to its function, one per batch (contract §5.7). */
export interface DisTriggerEvent {
  ShardID: string;
  Message: {
    /** The id of the batch's last entry. */
    next_partition_cursor: string;
    records: DisEventRecord[];
    millis_behind_latest: string;
    /** Extension: the invocation's hop count, for a function that writes back to set on what it writes. */
    'x-ofg-hop': number;
  };
  Tag: string;
  StreamName: string;
}

/** One record of a RabbitMQ-family event: the batch's message bodies. */
export interface RabbitmqEventRecord {
  messages: string[];
  instance_id: string;
  exchange: string;
  /** DMS only: the queue the messages came from. */
  queue_id?: string;
  /** Extension: the invocation's hop count, for a function that publishes back to set as its `x-ofg-hop` header. */
  'x-ofg-hop': number;
}

/** The event a RABBITMQ or DMS trigger hands to its function, one per batch (contract §5.7, DMS for RabbitMQ). */
export interface RabbitmqTriggerEvent {
  event_version: 'v1.0';
  /** Epoch seconds the batch was taken. */
  event_time: number;
  trigger_type: 'RABBITMQ' | 'DMS';
  region: string;
  records: RabbitmqEventRecord[];
}
