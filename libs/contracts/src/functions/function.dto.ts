import type { CustomImageConfig } from './custom-image';

/** The function object FunctionGraph returns from create, get config, update config and list (spec §2.1). */
export interface FunctionConfigDto {
  func_id: string;
  resource_id: string;
  func_urn: string;
  func_name: string;
  domain_id: string;
  namespace: string;
  project_name: string;
  package: string;
  runtime: string;
  timeout: number;
  handler: string;
  memory_size: number;
  cpu: number;
  code_type: string;
  code_url: string;
  code_filename: string;
  code_size: number;
  user_data: string;
  encrypted_user_data: string;
  digest: string;
  version: string;
  /** Published versions only: the description given when the version was published. */
  version_description?: string;
  image_name: string;
  xrole: string;
  app_xrole: string;
  description: string;
  last_modified: string;
  func_vpc?: Record<string, unknown>;
  mount_config?: Record<string, unknown>;
  /** Container-image functions only. */
  custom_image?: CustomImageConfig;
  strategy_config: { concurrency: number; concurrent_num: number };
  initializer_handler: string;
  initializer_timeout: number;
  enterprise_project_id: string;
  long_time: boolean;
  log_group_id: string;
  log_stream_id: string;
  type: string;
  enable_dynamic_memory: boolean;
  is_stateful_function: boolean;
  enable_auth_in_header: boolean;
  depend_list: string[];
  depend_version_list: string[];
  dependencies: unknown[];
  reserved_instance_count: number;
}

/** Response of get/update code (spec §3.6.4). */
export interface FunctionCodeDto {
  func_urn: string;
  func_name: string;
  domain_id: string;
  runtime: string;
  code_type: string;
  code_url: string;
  code_filename: string;
  code_size: number;
  digest: string;
  last_modified: string;
  func_code: { file: string; link: string };
  depend_list: string[];
  depend_version_list: string[];
  strategy_config: { concurrency: number; concurrent_num: number };
  dependencies: unknown[];
}

export interface ListFunctionsDto {
  functions: FunctionConfigDto[];
  next_marker: number;
  count: number;
}
