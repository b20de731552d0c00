import { z } from 'zod';
import { FgsError } from '../errors/error-code';

/** Ranges of the request table of UpdateFunctionAsyncInvokeConfig (spec §5.1; the response table's 60–86400 / 0–8 are not enforced). */
export const ASYNC_EVENT_AGE_RANGE_S = { min: 1, max: 86_400 } as const;
export const ASYNC_RETRY_ATTEMPTS_RANGE = { min: 0, max: 3 } as const;

/** What an async invocation gets when its function (qualifier) has no async config, and what omitted fields become. */
export const ASYNC_CONFIG_DEFAULTS = {
  maxAsyncEventAgeInSeconds: 3600,
  maxAsyncRetryAttempts: 1,
  enableAsyncStatusLog: false,
} as const;

/**
 * Destination types: FunctionGraph's four plus `WEBHOOK`, this platform's extension (an HTTP POST of the result).
 * Stored in `async_invoke_configs`; renaming one orphans stored configs.
 */
export const DESTINATION_TYPES = ['FunctionGraph', 'DIS', 'OBS', 'SMN', 'WEBHOOK'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** `param` of a FunctionGraph destination: the function invoked asynchronously with the result. */
export const functionGraphDestinationParamSchema = z.strictObject({ func_urn: z.string().min(1).max(269) });

/** `param` of a DIS destination: the stream, mapped to a Redis Stream (docs/compatibility.md). */
export const disDestinationParamSchema = z.strictObject({
  stream_name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
});

/** `param` of an OBS destination: bucket, object prefix and expiry in days (0 = never), mapped to an S3-compatible store. */
export const obsDestinationParamSchema = z.strictObject({
  bucket: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'must be 3-63 lower-case letters, digits, . or -, starting and ending with a letter or digit',
    ),
  prefix: z.string().max(1024).optional(),
  expires: z.number().int().min(0).max(365).optional(),
});

/** `param` of an SMN destination: `urn:smn:<region>:<project_id>:<topic_name>`, mapped to a platform topic. */
export const SMN_TOPIC_URN =
  /^urn:smn:([a-z0-9-]{1,64}):([A-Za-z0-9-]{1,64}):([A-Za-z0-9][A-Za-z0-9_-]{0,254})$/;
export const smnDestinationParamSchema = z.strictObject({
  topic_urn: z.string().regex(SMN_TOPIC_URN, 'must be urn:smn:<region>:<project_id>:<topic_name>'),
});

/** `param` of a WEBHOOK destination (extension): an http(s) URL the result is POSTed to. */
export const webhookDestinationParamSchema = z.strictObject({
  url: z
    .string()
    .max(2048)
    .refine((v) => /^https?:\/\/[^\s/]+/i.test(v) && URL.canParse(v), 'must be an http(s) URL'),
});

export type FunctionGraphDestinationParam = z.infer<typeof functionGraphDestinationParamSchema>;
export type DisDestinationParam = z.infer<typeof disDestinationParamSchema>;
export type ObsDestinationParam = z.infer<typeof obsDestinationParamSchema>;
export type SmnDestinationParam = z.infer<typeof smnDestinationParamSchema>;
export type WebhookDestinationParam = z.infer<typeof webhookDestinationParamSchema>;

/** A destination with its `param` parsed, as the invoker delivers to it. */
export type AsyncDestination =
  | { destination: 'FunctionGraph'; param: FunctionGraphDestinationParam }
  | { destination: 'DIS'; param: DisDestinationParam }
  | { destination: 'OBS'; param: ObsDestinationParam }
  | { destination: 'SMN'; param: SmnDestinationParam }
  | { destination: 'WEBHOOK'; param: WebhookDestinationParam };

const PARAM_SCHEMAS: Record<DestinationType, z.ZodType> = {
  FunctionGraph: functionGraphDestinationParamSchema,
  DIS: disDestinationParamSchema,
  OBS: obsDestinationParamSchema,
  SMN: smnDestinationParamSchema,
  WEBHOOK: webhookDestinationParamSchema,
};

/** `on_success` / `on_failure` as sent: `param` is a JSON string (FuncDestinationConfig). */
export const funcDestinationConfigSchema = z
  .object({ destination: z.string().min(1).max(32), param: z.string().max(4096) })
  .strip();
export type FuncDestinationConfigBody = z.infer<typeof funcDestinationConfigSchema>;

/** Body of PUT …/async-invoke-config; the SDK's LTS fields (`log_group_id`, …) are accepted and ignored. */
export const updateAsyncInvokeConfigSchema = z
  .object({
    max_async_event_age_in_seconds: z
      .number()
      .int()
      .min(ASYNC_EVENT_AGE_RANGE_S.min)
      .max(ASYNC_EVENT_AGE_RANGE_S.max)
      .optional(),
    max_async_retry_attempts: z
      .number()
      .int()
      .min(ASYNC_RETRY_ATTEMPTS_RANGE.min)
      .max(ASYNC_RETRY_ATTEMPTS_RANGE.max)
      .optional(),
    destination_config: z
      .object({
        on_success: funcDestinationConfigSchema.nullish(),
        on_failure: funcDestinationConfigSchema.nullish(),
      })
      .strip()
      .nullish(),
    enable_async_status_log: z.boolean().optional(),
  })
  .strip();
export type UpdateAsyncInvokeConfigBody = z.infer<typeof updateAsyncInvokeConfigSchema>;

/**
 * Parses a destination's type and `param` JSON string; a wrong type or param is FSS.0400 naming `where`.
 * Checks that need the platform (the function exists, the topic is the tenant's) are the caller's.
 */
export function parseAsyncDestination(config: FuncDestinationConfigBody, where: string): AsyncDestination {
  if (!(DESTINATION_TYPES as readonly string[]).includes(config.destination)) {
    throw new FgsError(
      'FSS.0400',
      `Invalid parameter ${where}.destination: must be one of ${DESTINATION_TYPES.join(', ')}`,
    );
  }
  const type = config.destination as DestinationType;
  let raw: unknown;
  try {
    raw = JSON.parse(config.param);
  } catch {
    throw new FgsError('FSS.0400', `Invalid parameter ${where}.param: must be a JSON object string`);
  }
  const parsed = PARAM_SCHEMAS[type].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? `.${issue.path.map(String).join('.')}` : '';
    throw new FgsError(
      'FSS.0400',
      `Invalid parameter ${where}.param${field} for ${type}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return { destination: type, param: parsed.data } as AsyncDestination;
}

/** Redis Stream a DIS destination appends to (docs/compatibility.md); renaming it strands consumers. */
export function disStreamKey(projectId: string, streamName: string): string {
  return `ofg:dis:${projectId}:${streamName}`;
}

/** Redis Stream that stands for an SMN topic (docs/compatibility.md); renaming it strands subscribers. */
export function smnTopicStreamKey(topicUrn: string): string | undefined {
  const m = SMN_TOPIC_URN.exec(topicUrn);
  return m ? `ofg:smn:${m[2]}:${m[3]}` : undefined;
}

/** Object key an OBS destination writes the result record to. */
export function obsObjectKey(param: ObsDestinationParam, requestId: string): string {
  return `${param.prefix ?? ''}${requestId}.json`;
}
