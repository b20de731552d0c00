import { z } from 'zod';

/**
 * DMS (queue-based) `event_data` (spec §4.3): `queue_id` is the name of the RabbitMQ queue consumed here and
 * `consumer_group_id` names the consumer group; `polling_interval` in seconds.
 */
export const dmsEventDataSchema = z
  .object({
    queue_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -'),
    consumer_group_id: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,63}$/, 'must be 1-63 letters, digits, _ . : or -'),
    polling_interval: z.number().int().min(1).max(60).default(30),
  })
  .strip();
export type DmsEventData = z.infer<typeof dmsEventDataSchema>;
