import { z } from 'zod';
import { ErrorCode } from '../errors/error-code';
import { INITIALIZER_TIMEOUT_RANGE_S, LIMITS, MEMORY_SIZES_MB, RUNTIMES, TIMEOUT_RANGE_S } from './runtimes';

const NAME_PATTERN = /^[A-Za-z]([A-Za-z0-9_-]{0,58}[A-Za-z0-9])?$/;
/** `file.function`: a module path, a dot, an export name (C# style `a::b::c` also accepted). */
const HANDLER_PATTERN =
  /^(?:[A-Za-z0-9_\-/]+(?:\.[A-Za-z0-9_\-/]+)*\.[A-Za-z_$][A-Za-z0-9_$]*|[^\s:]+::[^\s:]+::[^\s:]+)$/;

export const funcNameSchema = z.string().regex(NAME_PATTERN);
export const packageSchema = z.string().regex(NAME_PATTERN);
export const runtimeSchema = z.enum(
  Object.keys(RUNTIMES) as [keyof typeof RUNTIMES, ...(keyof typeof RUNTIMES)[]],
);
export const handlerSchema = z.string().min(3).max(128).regex(HANDLER_PATTERN);
export const memorySizeSchema = z
  .number()
  .int()
  .refine((v) => (MEMORY_SIZES_MB as readonly number[]).includes(v));
export const timeoutSchema = z.number().int().min(TIMEOUT_RANGE_S.min).max(TIMEOUT_RANGE_S.max);
// `Custom-Image-Swr`: a container-image function, whose code is its image (custom_image).
export const codeTypeSchema = z.enum(['inline', 'zip', 'obs', 'jar', 'Custom-Image-Swr']);
export const funcCodeSchema = z.object({ file: z.string().optional(), link: z.string().optional() }).strip();
export const strategyConfigSchema = z
  .object({
    concurrency: z.number().int().min(-1).max(1000).optional(),
    concurrent_num: z.number().int().min(-1).max(1000).optional(),
  })
  .strip();
const optionalText = (max: number) => z.string().max(max).optional();
/** custom_image as the SDK sends it (uid/gid are strings there); the gateway checks the values. */
export const customImageSchema = z
  .object({
    enabled: z.boolean().optional(),
    image: z.string().max(1024).optional(),
    command: z.string().max(5120).optional(),
    args: z.string().max(5120).optional(),
    working_dir: z.string().max(5120).optional(),
    uid: z.union([z.string().max(16), z.number()]).optional(),
    gid: z.union([z.string().max(16), z.number()]).optional(),
    is_public: z.boolean().optional(),
  })
  .strip();
// Dependency version ids (or, in `depend_list`, dependency ids); the 20-per-function limit is FSS.1045 in the service.
const dependencyIdsSchema = z.array(z.string().max(64)).max(1000).optional();

const commonConfigFields = {
  runtime: runtimeSchema,
  timeout: timeoutSchema,
  handler: handlerSchema,
  memory_size: memorySizeSchema,
  user_data: z.string().max(65536).optional(),
  encrypted_user_data: z.string().max(65536).optional(),
  xrole: optionalText(256),
  app_xrole: optionalText(256),
  description: z.string().max(LIMITS.descriptionChars).optional(),
  initializer_handler: z.union([handlerSchema, z.literal('')]).optional(),
  // 0 is what responses show for "no initializer", so a read-modify-write round trip must accept it back;
  // with an initializer handler set, the service requires the 1–300 s range.
  initializer_timeout: z.number().int().min(0).max(INITIALIZER_TIMEOUT_RANGE_S.max).optional(),
  enterprise_project_id: optionalText(64),
  strategy_config: strategyConfigSchema.optional(),
  func_vpc: z.record(z.string(), z.unknown()).optional(),
  mount_config: z.record(z.string(), z.unknown()).optional(),
  log_config: z.record(z.string(), z.unknown()).optional(),
  domain_names: optionalText(4096),
  extend_config: optionalText(8192),
  is_stateful_function: z.boolean().optional(),
  enable_dynamic_memory: z.boolean().optional(),
  custom_image: customImageSchema.optional(),
};

/** Body of `POST /v2/{project_id}/fgs/functions`. */
export const createFunctionSchema = z
  .object({
    func_name: funcNameSchema,
    package: packageSchema,
    code_type: codeTypeSchema,
    code_url: optionalText(2048),
    code_filename: optionalText(255),
    func_code: funcCodeSchema.optional(),
    depend_version_list: dependencyIdsSchema,
    depend_list: dependencyIdsSchema,
    type: z.enum(['v1', 'v2']).optional(),
    ...commonConfigFields,
  })
  .strip();
export type CreateFunctionBody = z.infer<typeof createFunctionSchema>;

/** Body of `PUT .../config`. */
export const updateFunctionConfigSchema = z
  .object({
    func_name: funcNameSchema,
    depend_version_list: dependencyIdsSchema,
    depend_list: dependencyIdsSchema,
    ...commonConfigFields,
  })
  .strip();
export type UpdateFunctionConfigBody = z.infer<typeof updateFunctionConfigSchema>;

/** Body of `PUT .../code`. */
export const updateFunctionCodeSchema = z
  .object({
    code_type: codeTypeSchema,
    code_url: optionalText(2048),
    code_filename: optionalText(255),
    func_code: funcCodeSchema.optional(),
    depend_version_list: dependencyIdsSchema,
    depend_list: dependencyIdsSchema,
  })
  .strip();
export type UpdateFunctionCodeBody = z.infer<typeof updateFunctionCodeSchema>;

/** Which FunctionGraph error code a failing body field maps to; anything else is FSS.0400. */
export const FUNCTION_FIELD_ERRORS: Record<string, ErrorCode> = {
  func_name: 'FSS.1002',
  handler: 'FSS.1003',
  package: 'FSS.1004',
  runtime: 'FSS.1005',
  code_type: 'FSS.1006',
  memory_size: 'FSS.1007',
  timeout: 'FSS.1008',
  user_data: 'FSS.1009',
  encrypted_user_data: 'FSS.1009',
  code_url: 'FSS.1010',
  func_code: 'FSS.1011',
  description: 'FSS.1019',
  depend_version_list: 'FSS.1024',
  depend_list: 'FSS.1024',
  initializer_handler: 'FSS.1404',
  initializer_timeout: 'FSS.1405',
  custom_image: 'FSS.0400',
};
