import { z } from 'zod';
import type { ErrorCode } from '../../errors/error-code';

const TOPIC = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be 1-249 letters, digits, . _ or -');

const kafkaFields = {
  topic_ids: z.array(TOPIC).min(1).max(20),
  batch_size: z.number().int().min(1).max(10_000).default(100),
  kafka_ssl_enable: z.boolean().default(false),
  kafka_user: z.string().min(1).max(64).optional(),
  // Stored as given: whoever enables these types must mask it in answers.
  kafka_password: z.string().min(1).max(256).optional(),
};

/** SASL_SSL needs a user name and password (FSS.1113). */
function credentialsWithSsl(
  d: { kafka_ssl_enable: boolean; kafka_user?: string; kafka_password?: string },
  ctx: z.core.$RefinementCtx,
): void {
  if (d.kafka_ssl_enable && (d.kafka_user === undefined || d.kafka_password === undefined))
    ctx.addIssue({
      code: 'custom',
      path: ['kafka_user'],
      message: 'kafka_user and kafka_password are required when kafka_ssl_enable is true',
    });
}

/** The spec's `topic_id` (string array) is read as the example's `topic_ids`. */
function topicIdAlias(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const d = input as Record<string, unknown>;
  if (d['topic_ids'] !== undefined || d['topic_id'] === undefined) return input;
  const { topic_id: topicId, ...rest } = d;
  return { ...rest, topic_ids: typeof topicId === 'string' ? [topicId] : topicId };
}

/** KAFKA (DMS for Kafka) `event_data` (spec §4.3): an instance and its topics. */
export const kafkaEventDataSchema = z.preprocess(
  topicIdAlias,
  z
    .object({
      instance_id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -'),
      ...kafkaFields,
    })
    .strip()
    .superRefine(credentialsWithSsl),
);
export type KafkaEventData = z.infer<typeof kafkaEventDataSchema>;

/** OPENSOURCEKAFKA `event_data` (spec §4.3 KAFKA fields; brokers named by address instead of an instance). */
export const openSourceKafkaEventDataSchema = z.preprocess(
  topicIdAlias,
  z
    .object({
      kafka_connect_address: z
        .string()
        .max(1024)
        .regex(/^[A-Za-z0-9.-]+:\d{1,5}(?:,[A-Za-z0-9.-]+:\d{1,5})*$/, 'must be host:port[,host:port...]'),
      ...kafkaFields,
    })
    .strip()
    .superRefine(credentialsWithSsl),
);
export type OpenSourceKafkaEventData = z.infer<typeof openSourceKafkaEventDataSchema>;

/** FSS.1113 for SSL without credentials; the type's invalid code otherwise. */
export function kafkaIssueCode(issue: { code: string; path: readonly PropertyKey[] }): ErrorCode | undefined {
  return issue.code === 'custom' && issue.path[0] === 'kafka_user' ? 'FSS.1113' : undefined;
}
