import { z } from 'zod';

/** The trigger types served as APIs by the gateway: shared APIG, dedicated gateways and API Connect. */
export const APIG_TRIGGER_TYPES = ['APIG', 'DEDICATEDGATEWAY', 'APIC'] as const;
export type ApigTriggerType = (typeof APIG_TRIGGER_TYPES)[number];

export const APIG_REQUEST_METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'HEAD',
  'PATCH',
  'OPTIONS',
  'ANY',
] as const;
export type ApigRequestMethod = (typeof APIG_REQUEST_METHODS)[number];

// Literal path segments (no `{param}` templates) of URL-safe characters, without empty segments.
const API_PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@%]+(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)*)?\/?$/;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

const funcInfoSchema = z
  .object({
    function_urn: z.string().max(512).optional(),
    invocation_type: z.enum(['sync'], { error: 'only sync is supported' }).optional(),
    timeout: z.number().int().min(1).max(900_000).optional(),
    version: z.string().max(64).optional(),
  })
  .strip();

const apigFields = {
  group_id: z.string().regex(ID, 'must be 1-64 letters, digits, _ . or -'),
  group_name: z.string().min(1).max(64).optional(),
  env_id: z.string().regex(ID, 'must be 1-64 letters, digits, _ . or -'),
  env_name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/)
    .default('RELEASE'),
  auth: z.enum(['NONE', 'IAM'], { error: 'must be NONE or IAM (APP authentication is not supported)' }),
  protocol: z.enum(['HTTP', 'HTTPS']),
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{2,63}$/, 'must be 3-64 letters, digits, _ or -, starting with a letter'),
  path: z
    .string()
    .max(1024)
    .regex(API_PATH, 'must start with / and hold literal URL-safe segments (no {param} templates)'),
  match_mode: z.enum(['SWA', 'NORMAL']),
  req_method: z.enum(APIG_REQUEST_METHODS),
  backend_type: z.literal('FUNCTION'),
  type: z.literal(1),
  sl_domain: z.string().min(1).max(255),
  func_info: funcInfoSchema.optional(),
};

/** APIG `event_data` as a client sends it (spec §4.3); `instance_id` optional. */
export const apigEventDataSchema = z
  .object({ ...apigFields, instance_id: z.string().regex(ID).optional() })
  .strip();

/** DEDICATEDGATEWAY and APIC `event_data`: the same, with the gateway instance required. */
export const dedicatedApigEventDataSchema = z
  .object({ ...apigFields, instance_id: z.string().regex(ID, 'must be 1-64 letters, digits, _ . or -') })
  .strip();

export type ApigEventData = z.infer<typeof apigEventDataSchema>;

/** What the API answers in addition (spec §4.3): set by the platform, never taken from the client. */
export interface ApigEventDataExtras {
  api_id: string;
  api_name: string;
  group_name: string;
  invoke_url: string;
  triggerid: string;
}

export function isApigTriggerType(code: string): code is ApigTriggerType {
  return (APIG_TRIGGER_TYPES as readonly string[]).includes(code);
}
