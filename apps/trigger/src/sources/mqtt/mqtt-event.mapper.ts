/** One MQTT message as an MQTT trigger event record (extension; the envelope of the §5.7 Kafka/RabbitMQ events). */
export interface MqttEventRecord {
  topic: string;
  qos: number;
  retain: boolean;
  /** The payload as UTF-8 text. */
  message: string;
}

/** The event an MQTT trigger hands to its function, one per message (extension). */
export interface MqttTriggerEvent {
  event_version: 'v1.0';
  /** Epoch seconds the message was received. */
  event_time: number;
  trigger_type: 'MQTT';
  region: string;
  records: MqttEventRecord[];
}

export function buildMqttEvent(
  region: string,
  nowMs: number,
  message: { topic: string; qos: number; retain: boolean; payload: Buffer },
): MqttTriggerEvent {
  return {
    event_version: 'v1.0',
    event_time: Math.floor(nowMs / 1000),
    trigger_type: 'MQTT',
    region,
    records: [
      {
        topic: message.topic,
        qos: message.qos,
        retain: message.retain,
        message: message.payload.toString('utf8'),
      },
    ],
  };
}

/** The shared subscription of a trigger: every replica joins it, the broker gives each message to one of them. */
export function mqttSharedTopic(triggerId: string, topic: string): string {
  return `$share/ofg-${triggerId}/${topic}`;
}
