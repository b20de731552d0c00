import { z } from 'zod';
import { SMN_TOPIC_URN } from '../../async/async-config.schemas';

/** SMN `event_data` (spec §4.3): the topic whose messages invoke the function. `subscription_status` is answered only. */
export const smnEventDataSchema = z
  .object({
    topic_urn: z.string().regex(SMN_TOPIC_URN, 'must be urn:smn:<region>:<project_id>:<topic_name>'),
  })
  .strip();
export type SmnEventData = z.infer<typeof smnEventDataSchema>;
