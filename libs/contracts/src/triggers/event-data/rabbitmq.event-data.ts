import { z } from 'zod';

/**
 * RABBITMQ (DMS for RabbitMQ) `event_data` (undocumented in the spec; fields of the SDK model). `routing_key` defaults
 * to `#` on a topic exchange and `''` otherwise, `queue_name` to a queue derived from the trigger id: both are applied
 * by the trigger service, which knows the exchange.
 */
export const rabbitmqEventDataSchema = z
  .object({
    exchange_name: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -'),
    routing_key: z.string().max(255).optional(),
    queue_name: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -')
      .optional(),
    batch_size: z.number().int().min(1).max(100).default(10),
    instance_id: z.string().min(1).max(64).optional(),
  })
  .strip();
export type RabbitmqEventData = z.infer<typeof rabbitmqEventDataSchema>;
