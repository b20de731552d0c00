import { z } from 'zod';

const LTS_ID = /^[A-Za-z0-9-]{1,64}$/;

/** LTS `event_data` (undocumented in the spec; SDK model fields): the log group and topic whose logs are pushed. */
export const ltsEventDataSchema = z
  .object({
    log_group_id: z.string().regex(LTS_ID, 'must be 1-64 letters, digits or -'),
    log_topic_id: z.string().regex(LTS_ID, 'must be 1-64 letters, digits or -'),
  })
  .strip();
export type LtsEventData = z.infer<typeof ltsEventDataSchema>;
