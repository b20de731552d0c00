import type { CustomImageConfig } from '@ofg/contracts';

/** Configuration kept verbatim in `functions.extra` (no column of its own) and echoed back in responses. */
export interface FunctionExtra {
  func_vpc?: Record<string, unknown>;
  mount_config?: Record<string, unknown>;
  log_config?: Record<string, unknown>;
  domain_names?: string;
  extend_config?: string;
  is_stateful_function?: boolean;
  enable_dynamic_memory?: boolean;
  depend_version_list?: string[];
  depend_list?: string[];
  /** Zip digests of the depend_version_list versions, in order (what the invoker unpacks); never shown. */
  dependency_digests?: string[];
  /** Container-image functions only (code_type Custom-Image-Swr). */
  custom_image?: CustomImageConfig;
}

/** The configuration fields of a create or update-config body that live in `functions.extra`. */
export function configExtraOf(input: Omit<FunctionExtra, 'custom_image'>): FunctionExtra {
  return {
    func_vpc: input.func_vpc,
    mount_config: input.mount_config,
    log_config: input.log_config,
    domain_names: input.domain_names,
    extend_config: input.extend_config,
    is_stateful_function: input.is_stateful_function,
    enable_dynamic_memory: input.enable_dynamic_memory,
  };
}

export function readExtra(extra: Record<string, unknown> | null | undefined): FunctionExtra {
  return (extra ?? {}) as FunctionExtra;
}

/** Copies only defined values, so an omitted field keeps the stored one. */
export function mergeExtra(
  current: Record<string, unknown> | null | undefined,
  patch: FunctionExtra,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) merged[key] = value;
  return merged;
}
