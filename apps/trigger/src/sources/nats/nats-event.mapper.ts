/** One JetStream message of a NATS trigger event (extension). */
export interface NatsEventRecord {
  stream: string;
  subject: string;
  /** The stream sequence number. */
  sequence: number;
  /** The payload as UTF-8 text. */
  message: string;
}

/** The event a NATS trigger hands to its function, one per batch (extension; the §5.7 Kafka/RabbitMQ envelope). */
export interface NatsTriggerEvent {
  event_version: 'v1.0';
  event_time: number;
  trigger_type: 'NATS';
  region: string;
  records: NatsEventRecord[];
}

export function buildNatsEvent(
  region: string,
  nowMs: number,
  stream: string,
  messages: readonly { subject: string; seq: number; data: Uint8Array }[],
): NatsTriggerEvent {
  return {
    event_version: 'v1.0',
    event_time: Math.floor(nowMs / 1000),
    trigger_type: 'NATS',
    region,
    records: messages.map((m) => ({
      stream,
      subject: m.subject,
      sequence: m.seq,
      message: Buffer.from(m.data).toString('utf8'),
    })),
  };
}

/** The durable consumer of a NATS trigger, shared by every replica; renaming it restarts triggers from their policy. */
export function natsDurableName(triggerId: string): string {
  return `ofg-trigger-${triggerId}`;
}
