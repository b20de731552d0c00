/**
 * Top-level response keys of the FunctionGraph operations we implement, copied from the "Response top-level JSON
 * keys" column of the SDK contract (../shared/spec/sdk-and-runtime-contract.md §3), with what we send for each key.
 * `checkShape` compares a response field by field: every promised key present with its JSON type, optional keys
 * typed when present, nothing outside the spec list unless it is a documented extra.
 */

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

export interface ResponseShape {
  /** The spec's key list, verbatim and in order. */
  spec: readonly string[];
  /** Spec keys we never send, with the reason. */
  omitted: Readonly<Record<string, string>>;
  /** Keys (from the spec or the extras) sent only when the resource has them set. */
  optional?: readonly string[];
  /** Keys we send that this operation's spec list does not name, with the reason. */
  extra?: Readonly<Record<string, string>>;
  /** Shapes of nested objects that must be checked too. */
  nested?: Readonly<Record<string, Readonly<Record<string, JsonType>>>>;
}

/** JSON type of every key any of these responses carries (spec §2.1 for function fields, §3.12 for triggers). */
export const KEY_TYPES: Readonly<Record<string, JsonType>> = {
  func_id: 'string',
  resource_id: 'string',
  func_urn: 'string',
  func_name: 'string',
  domain_id: 'string',
  namespace: 'string',
  project_name: 'string',
  package: 'string',
  runtime: 'string',
  timeout: 'integer',
  handler: 'string',
  memory_size: 'integer',
  cpu: 'integer',
  code_type: 'string',
  code_url: 'string',
  code_filename: 'string',
  code_size: 'integer',
  user_data: 'string',
  encrypted_user_data: 'string',
  digest: 'string',
  version: 'string',
  image_name: 'string',
  xrole: 'string',
  app_xrole: 'string',
  description: 'string',
  last_modified: 'string',
  func_vpc: 'object',
  mount_config: 'object',
  custom_image: 'object',
  strategy_config: 'object',
  initializer_handler: 'string',
  initializer_timeout: 'integer',
  enterprise_project_id: 'string',
  long_time: 'boolean',
  log_group_id: 'string',
  log_stream_id: 'string',
  type: 'string',
  enable_dynamic_memory: 'boolean',
  is_stateful_function: 'boolean',
  enable_auth_in_header: 'boolean',
  depend_list: 'array',
  depend_version_list: 'array',
  dependencies: 'array',
  reserved_instance_count: 'integer',
  func_code: 'object',
  functions: 'array',
  next_marker: 'integer',
  count: 'integer',
  request_id: 'string',
  result: 'string',
  log: 'string',
  status: 'integer',
  'X-Cff-Request-Id': 'string',
  trigger_id: 'string',
  trigger_type_code: 'string',
  trigger_status: 'string',
  event_type_code: 'string',
  event_data: 'object',
  last_updated_time: 'string',
  created_time: 'string',
};

const STRATEGY_CONFIG = { concurrency: 'integer', concurrent_num: 'integer' } as const;

/** Reasons shared by the function-object operations. */
const NOT_HERE = {
  gpu: 'no GPU functions here',
  dns: 'no private DNS zones here',
  extend: 'no opaque extension config here',
  preStop: 'no pre-stop hook yet',
  debug: 'no cloud debugging',
  bridge: 'no service bridge',
  apig: 'no APIG routes yet (issue 7)',
  heartbeat: 'no heartbeat handler',
  java: 'class isolation is a Java option; only Node.js runs here',
  ephemeral: 'ephemeral storage size is not configurable',
  network: 'no network controller (functions get one fixed network)',
  stream: 'no streaming responses',
  lts: 'no LTS logging',
  kms: 'no KMS: encryption uses the platform master key',
  peering: 'no VPC peering',
  idle: 'no reserved instances yet',
} as const;

const FUNCTION_OPTIONAL = ['func_vpc', 'mount_config'];

export const RESPONSE_SHAPES = {
  createFunction: {
    spec: [
      'func_id',
      'func_urn',
      'func_name',
      'domain_id',
      'namespace',
      'project_name',
      'package',
      'runtime',
      'timeout',
      'handler',
      'memory_size',
      'gpu_memory',
      'cpu',
      'code_type',
      'code_url',
      'code_filename',
      'code_size',
      'domain_names',
      'user_data',
      'encrypted_user_data',
      'digest',
      'version',
      'image_name',
      'xrole',
      'app_xrole',
      'description',
      'last_modified',
      'func_vpc',
      'mount_config',
      'reserved_instance_count',
      'depend_list',
      'depend_version_list',
      'strategy_config',
      'extend_config',
      'dependencies',
      'initializer_handler',
      'initializer_timeout',
      'pre_stop_handler',
      'pre_stop_timeout',
      'enterprise_project_id',
      'long_time',
      'log_group_id',
      'log_stream_id',
      'type',
      'enable_cloud_debug',
      'enable_dynamic_memory',
      'is_stateful_function',
      'custom_image',
      'is_bridge_function',
      'apig_route_enable',
      'heartbeat_handler',
      'enable_class_isolation',
      'gpu_type',
      'allow_ephemeral_storage',
      'ephemeral_storage',
      'network_controller',
      'resource_id',
      'is_return_stream',
      'enable_auth_in_header',
      'enable_lts_log',
      'lts_custom_tag',
      'user_data_encrypt_kms_key_id',
      'code_encrypt_kms_key_id',
    ],
    omitted: {
      gpu_memory: NOT_HERE.gpu,
      gpu_type: NOT_HERE.gpu,
      domain_names: NOT_HERE.dns,
      extend_config: NOT_HERE.extend,
      pre_stop_handler: NOT_HERE.preStop,
      pre_stop_timeout: NOT_HERE.preStop,
      enable_cloud_debug: NOT_HERE.debug,
      is_bridge_function: NOT_HERE.bridge,
      apig_route_enable: NOT_HERE.apig,
      heartbeat_handler: NOT_HERE.heartbeat,
      enable_class_isolation: NOT_HERE.java,
      allow_ephemeral_storage: NOT_HERE.ephemeral,
      ephemeral_storage: NOT_HERE.ephemeral,
      network_controller: NOT_HERE.network,
      is_return_stream: NOT_HERE.stream,
      enable_lts_log: NOT_HERE.lts,
      lts_custom_tag: NOT_HERE.lts,
      user_data_encrypt_kms_key_id: NOT_HERE.kms,
      code_encrypt_kms_key_id: NOT_HERE.kms,
    },
    optional: [...FUNCTION_OPTIONAL, 'custom_image'],
    nested: { strategy_config: STRATEGY_CONFIG },
  },
  showFunctionConfig: {
    spec: [
      'func_id',
      'resource_id',
      'func_urn',
      'func_name',
      'domain_id',
      'namespace',
      'project_name',
      'package',
      'runtime',
      'timeout',
      'handler',
      'memory_size',
      'gpu_memory',
      'gpu_type',
      'cpu',
      'code_type',
      'code_url',
      'code_filename',
      'code_size',
      'user_data',
      'encrypted_user_data',
      'digest',
      'version',
      'image_name',
      'xrole',
      'app_xrole',
      'description',
      'last_modified',
      'ephemeral_storage',
      'func_vpc',
      'peering_cidr',
      'mount_config',
      'depend_list',
      'depend_version_list',
      'strategy_config',
      'dependencies',
      'initializer_handler',
      'initializer_timeout',
      'pre_stop_handler',
      'pre_stop_timeout',
      'enterprise_project_id',
      'long_time',
      'log_group_id',
      'log_stream_id',
      'type',
      'enable_cloud_debug',
      'enable_dynamic_memory',
      'is_stateful_function',
      'is_bridge_function',
      'enable_auth_in_header',
      'custom_image',
      'reserved_instance_idle_mode',
      'apig_route_enable',
      'heartbeat_handler',
      'enable_class_isolation',
      'allow_ephemeral_storage',
      'network_controller',
      'is_return_stream',
      'enable_lts_log',
      'lts_custom_tag',
      'user_data_encrypt_kms_key_id',
      'code_encrypt_kms_key_id',
    ],
    omitted: {
      gpu_memory: NOT_HERE.gpu,
      gpu_type: NOT_HERE.gpu,
      ephemeral_storage: NOT_HERE.ephemeral,
      peering_cidr: NOT_HERE.peering,
      pre_stop_handler: NOT_HERE.preStop,
      pre_stop_timeout: NOT_HERE.preStop,
      enable_cloud_debug: NOT_HERE.debug,
      is_bridge_function: NOT_HERE.bridge,
      reserved_instance_idle_mode: NOT_HERE.idle,
      apig_route_enable: NOT_HERE.apig,
      heartbeat_handler: NOT_HERE.heartbeat,
      enable_class_isolation: NOT_HERE.java,
      allow_ephemeral_storage: NOT_HERE.ephemeral,
      network_controller: NOT_HERE.network,
      is_return_stream: NOT_HERE.stream,
      enable_lts_log: NOT_HERE.lts,
      lts_custom_tag: NOT_HERE.lts,
      user_data_encrypt_kms_key_id: NOT_HERE.kms,
      code_encrypt_kms_key_id: NOT_HERE.kms,
    },
    optional: [...FUNCTION_OPTIONAL, 'custom_image'],
    extra: { reserved_instance_count: 'the create response names it; one function object everywhere' },
    nested: { strategy_config: STRATEGY_CONFIG },
  },
  updateFunctionConfig: {
    spec: [
      'func_id',
      'resource_id',
      'func_urn',
      'func_name',
      'domain_id',
      'namespace',
      'project_name',
      'package',
      'runtime',
      'timeout',
      'handler',
      'memory_size',
      'gpu_memory',
      'cpu',
      'code_type',
      'code_url',
      'code_filename',
      'code_size',
      'user_data',
      'encrypted_user_data',
      'digest',
      'version',
      'image_name',
      'xrole',
      'app_xrole',
      'description',
      'last_modified',
      'ephemeral_storage',
      'func_vpc',
      'peering_cidr',
      'mount_config',
      'strategy_config',
      'dependencies',
      'initializer_handler',
      'initializer_timeout',
      'pre_stop_handler',
      'pre_stop_timeout',
      'enterprise_project_id',
      'long_time',
      'log_group_id',
      'log_stream_id',
      'type',
      'enable_cloud_debug',
      'enable_dynamic_memory',
      'is_stateful_function',
      'domain_names',
      'enable_auth_in_header',
      'custom_image',
      'is_return_stream',
      'enable_lts_log',
      'lts_custom_tag',
      'user_data_encrypt_kms_key_id',
    ],
    omitted: {
      gpu_memory: NOT_HERE.gpu,
      ephemeral_storage: NOT_HERE.ephemeral,
      peering_cidr: NOT_HERE.peering,
      pre_stop_handler: NOT_HERE.preStop,
      pre_stop_timeout: NOT_HERE.preStop,
      enable_cloud_debug: NOT_HERE.debug,
      domain_names: NOT_HERE.dns,
      is_return_stream: NOT_HERE.stream,
      enable_lts_log: NOT_HERE.lts,
      lts_custom_tag: NOT_HERE.lts,
      user_data_encrypt_kms_key_id: NOT_HERE.kms,
    },
    optional: [...FUNCTION_OPTIONAL, 'custom_image'],
    extra: {
      depend_list: 'the get-config response names it; one function object everywhere',
      depend_version_list: 'the get-config response names it; one function object everywhere',
      reserved_instance_count: 'the create response names it; one function object everywhere',
    },
    nested: { strategy_config: STRATEGY_CONFIG },
  },
  showFunctionCode: {
    spec: [
      'func_urn',
      'func_name',
      'domain_id',
      'runtime',
      'code_type',
      'code_url',
      'code_filename',
      'code_size',
      'digest',
      'last_modified',
      'func_code',
      'depend_list',
      'depend_version_list',
      'strategy_config',
      'dependencies',
    ],
    omitted: {},
    nested: { strategy_config: STRATEGY_CONFIG, func_code: { file: 'string', link: 'string' } },
  },
  updateFunctionCode: {
    spec: [
      'func_urn',
      'func_name',
      'domain_id',
      'runtime',
      'code_type',
      'code_url',
      'code_filename',
      'code_size',
      'digest',
      'last_modified',
      'func_code',
      'depend_list',
      'depend_version_list',
      'strategy_config',
      'dependencies',
      'code_encrypt_kms_key_id',
    ],
    omitted: { code_encrypt_kms_key_id: NOT_HERE.kms },
    nested: { strategy_config: STRATEGY_CONFIG, func_code: { file: 'string', link: 'string' } },
  },
  listFunctions: {
    spec: ['functions', 'next_marker', 'count'],
    omitted: {},
  },
  /**
   * One item of `functions`. The contract lists only the envelope, so this is the SDK's ListFunctionResult model
   * (v2/model/ListFunctionResult.js, wither order).
   */
  listFunctionsItem: {
    spec: [
      'resource_id',
      'func_urn',
      'func_name',
      'domain_id',
      'namespace',
      'project_name',
      'package',
      'runtime',
      'timeout',
      'handler',
      'memory_size',
      'gpu_memory',
      'cpu',
      'code_type',
      'code_url',
      'code_filename',
      'code_size',
      'user_data',
      'encrypted_user_data',
      'digest',
      'version',
      'image_name',
      'xrole',
      'app_xrole',
      'description',
      'last_modified',
      'func_vpc_id',
      'strategy_config',
      'extend_config',
      'initializer_handler',
      'initializer_timeout',
      'pre_stop_handler',
      'pre_stop_timeout',
      'enterprise_project_id',
      'long_time',
      'log_group_id',
      'log_stream_id',
      'type',
      'fail_count',
      'is_bridge_function',
      'bind_bridge_funcUrns',
    ],
    omitted: {
      gpu_memory: NOT_HERE.gpu,
      func_vpc_id: 'no VPC bindings yet (func_vpc is echoed when set)',
      extend_config: NOT_HERE.extend,
      pre_stop_handler: NOT_HERE.preStop,
      pre_stop_timeout: NOT_HERE.preStop,
      fail_count: 'per-function daily statistics come with metrics',
      is_bridge_function: NOT_HERE.bridge,
      bind_bridge_funcUrns: NOT_HERE.bridge,
    },
    optional: FUNCTION_OPTIONAL,
    extra: {
      func_vpc: 'echoed when set: the same function object as get-config',
      mount_config: 'echoed when set: the same function object as get-config',
      func_id: 'the same function object as get-config',
      enable_dynamic_memory: 'the same function object as get-config',
      is_stateful_function: 'the same function object as get-config',
      enable_auth_in_header: 'the same function object as get-config',
      depend_list: 'the same function object as get-config',
      depend_version_list: 'the same function object as get-config',
      dependencies: 'the same function object as get-config',
      reserved_instance_count: 'the same function object as get-config',
    },
    nested: { strategy_config: STRATEGY_CONFIG },
  },
  /** v1 envelope; `X-Cff-Request-Id` is the header the SDK copies into the object (plain HTTP: a header). */
  invokeFunction: {
    spec: ['request_id', 'result', 'log', 'status', 'X-Cff-Request-Id'],
    omitted: {},
  },
  asyncInvokeFunction: {
    spec: ['request_id'],
    omitted: {},
  },
  trigger: {
    spec: [
      'trigger_id',
      'trigger_type_code',
      'trigger_status',
      'event_data',
      'last_updated_time',
      'created_time',
    ],
    omitted: {},
    optional: ['event_type_code'],
    extra: { event_type_code: 'echoed when the create body carried one (spec §3.12 request field)' },
  },
} satisfies Record<string, ResponseShape>;

export type ShapeName = keyof typeof RESPONSE_SHAPES;

export function jsonTypeOf(value: unknown): JsonType | 'null' | 'undefined' {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'object') return 'object';
  return 'undefined';
}

function typeMatches(expected: JsonType, value: unknown): boolean {
  const actual = jsonTypeOf(value);
  return actual === expected || (expected === 'number' && actual === 'integer');
}

/** Every deviation of `body` from the shape; an empty list means the response matches field by field. */
export function shapeProblems(
  name: ShapeName,
  body: unknown,
  options: { without?: string[] } = {},
): string[] {
  const shape: ResponseShape = RESPONSE_SHAPES[name];
  if (jsonTypeOf(body) !== 'object') return [`${name}: expected a JSON object, got ${jsonTypeOf(body)}`];
  const record = body as Record<string, unknown>;
  const problems: string[] = [];
  const optional = new Set(shape.optional ?? []);
  const without = new Set(options.without ?? []);
  const promised = shape.spec.filter((k) => !(k in shape.omitted) && !optional.has(k) && !without.has(k));
  for (const key of [...promised, ...Object.keys(shape.extra ?? {}).filter((k) => !optional.has(k))]) {
    if (without.has(key)) continue;
    if (!(key in record)) problems.push(`${name}: missing ${key}`);
    else if (!typeMatches(KEY_TYPES[key], record[key]))
      problems.push(`${name}: ${key} should be ${KEY_TYPES[key]}, is ${jsonTypeOf(record[key])}`);
  }
  for (const key of optional) {
    if (key in record && !typeMatches(KEY_TYPES[key], record[key]))
      problems.push(`${name}: ${key} should be ${KEY_TYPES[key]}, is ${jsonTypeOf(record[key])}`);
  }
  const allowed = new Set([...shape.spec, ...Object.keys(shape.extra ?? {})]);
  for (const key of Object.keys(record)) {
    if (!allowed.has(key)) problems.push(`${name}: unexpected key ${key}`);
    else if (key in shape.omitted) problems.push(`${name}: ${key} is documented as omitted but was sent`);
  }
  for (const [key, fields] of Object.entries(shape.nested ?? {})) {
    const inner = record[key];
    if (jsonTypeOf(inner) !== 'object') continue;
    for (const [field, type] of Object.entries(fields)) {
      const value = (inner as Record<string, unknown>)[field];
      if (!typeMatches(type, value))
        problems.push(`${name}: ${key}.${field} should be ${type}, is ${jsonTypeOf(value)}`);
    }
  }
  return problems;
}
