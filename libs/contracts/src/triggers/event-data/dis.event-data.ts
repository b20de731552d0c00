import { z } from 'zod';

/** DIS `event_data` (spec §4.3): one stream pulled every `polling_interval` seconds, `batch_size` records at a time. */
export const disEventDataSchema = z
  .object({
    stream_name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
    sharditerator_type: z.enum(['TRIM_HORIZON', 'LATEST']),
    batch_size: z.number().int().min(1).max(10_000).default(100),
    polling_interval: z.number().int().min(1).max(60).default(30),
  })
  .strip();
export type DisEventData = z.infer<typeof disEventDataSchema>;
