import { z } from 'zod';

/**
 * An MQTT topic filter: `+` fills a whole level, `#` only the last one, no NUL, no `$share/` prefix (the platform
 * adds its own).
 */
export function isMqttTopicFilter(topic: string): boolean {
  if (topic.startsWith('$share/') || topic.includes('\u0000')) return false;
  const levels = topic.split('/');
  return levels.every(
    (level, i) => level === '+' || (level === '#' && i === levels.length - 1) || !/[#+]/.test(level),
  );
}

/**
 * MQTT `event_data` (extension, not in the spec): the topic filter and the subscription QoS. QoS 1 is acknowledged to
 * the broker only after the invocation was accepted (at-least-once); QoS 0 is at-most-once.
 */
export const mqttEventDataSchema = z
  .object({
    topic: z
      .string()
      .min(1)
      .max(256)
      .refine(
        isMqttTopicFilter,
        'must be an MQTT topic filter (+ for a level, # for the last, no $share/ prefix)',
      ),
    qos: z.union([z.literal(0), z.literal(1)]).default(1),
  })
  .strip();
export type MqttEventData = z.infer<typeof mqttEventDataSchema>;

const NATS_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const NATS_SUBJECT = /^(?:[A-Za-z0-9_$-]+|\*)(?:\.(?:[A-Za-z0-9_$-]+|\*))*(?:\.>)?$|^>$/;

/**
 * NATS `event_data` (extension, not in the spec): a JetStream stream, the subject filter of the trigger's durable
 * consumer, and where a new consumer starts (`all` the stream's messages, or `new` ones only).
 */
export const natsEventDataSchema = z
  .object({
    stream: z.string().regex(NATS_NAME, 'must be 1-64 letters, digits, _ or -'),
    subject: z.string().max(256).regex(NATS_SUBJECT, 'must be a NATS subject (tokens, * and a final >)'),
    deliver_policy: z.enum(['all', 'new']).default('all'),
  })
  .strip();
export type NatsEventData = z.infer<typeof natsEventDataSchema>;
