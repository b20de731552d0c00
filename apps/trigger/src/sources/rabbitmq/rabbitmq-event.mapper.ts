import type { ConsumeMessage } from 'amqplib';
import { RabbitmqEventRecord, RabbitmqTriggerEvent, TRIGGER_HOP_HEADER } from '@ofg/contracts';
import { parseHop } from '../hop';
import { SourceMessage } from '../source-invocation.service';

/** A consumed message as a delivery sees it. */
export interface AmqpSourceMessage extends SourceMessage {
  message: ConsumeMessage;
}

/** The AMQP message-id keys the batch (redeliveries dedup); without one every delivery is a new invocation. */
export function amqpSourceMessage(message: ConsumeMessage): AmqpSourceMessage {
  const id: unknown = message.properties.messageId;
  return {
    ...(typeof id === 'string' && id.length > 0 ? { key: `mid:${id}` } : {}),
    hop: parseHop(message.properties.headers?.[TRIGGER_HOP_HEADER]),
    message,
  };
}

export interface RabbitmqEventInput {
  type: 'RABBITMQ' | 'DMS';
  region: string;
  /** When the batch was taken (epoch ms). */
  nowMs: number;
  instanceId: string;
  exchange: string;
  /** DMS: the queue consumed. */
  queueId?: string;
  /** Message bodies, in delivery order. */
  bodies: Buffer[];
  /** The invocation's hop count. */
  hop: number;
}

/**
 * The event of one batch of a RABBITMQ or DMS trigger (contract §5.7): one record holding every message body and the
 * invocation's hop count (`records[0]["x-ofg-hop"]`).
 */
export function buildRabbitmqEvent(input: RabbitmqEventInput): RabbitmqTriggerEvent {
  const record: RabbitmqEventRecord = {
    messages: input.bodies.map((body) => body.toString('utf8')),
    instance_id: input.instanceId,
    exchange: input.exchange,
    ...(input.queueId !== undefined ? { queue_id: input.queueId } : {}),
    'x-ofg-hop': input.hop,
  };
  return {
    event_version: 'v1.0',
    event_time: Math.floor(input.nowMs / 1000),
    trigger_type: input.type,
    region: input.region,
    records: [record],
  };
}
