import { z } from 'zod';

/** Lengths accepted for the APM access key pair; FunctionGraph documents none. */
export const TRACING_LIMITS = { akChars: 128, skChars: 256 } as const;

/** What GET answers instead of the stored secret key; sent back in a PUT it means "keep the stored one". */
export const TRACING_SK_MASK = '******';

/** Printable ASCII without spaces: access keys never hold anything else. */
const KEY_TEXT = /^[\x21-\x7e]*$/;

/**
 * Body of `PUT .../tracing` (`UpdateTracingRequestBody`): both keys switch tracing on or change it, both empty or
 * absent switch it off (the SDK documents "pass empty to disable").
 */
export const updateTracingSchema = z
  .object({
    tracing_ak: z.string().max(TRACING_LIMITS.akChars).regex(KEY_TEXT).optional(),
    tracing_sk: z.string().max(TRACING_LIMITS.skChars).regex(KEY_TEXT).optional(),
  })
  .strip();
export type UpdateTracingBody = z.infer<typeof updateTracingSchema>;

/** `GET .../tracing` (`ShowTracingResponse`); the secret key is always masked. */
export interface TracingConfigDto {
  tracing_ak: string;
  tracing_sk: string;
}
