import { AsyncDestination } from './async-config.schemas';

/** FuncDestinationConfig on the wire: `param` stays the JSON string the caller sent. */
export interface FuncDestinationConfigDto {
  destination: string;
  param: string;
}

export interface FuncAsyncDestinationConfigDto {
  on_success?: FuncDestinationConfigDto;
  on_failure?: FuncDestinationConfigDto;
}

/** The async notification config of one function qualifier (ShowFunctionAsyncInvokeConfigResponse). */
export interface AsyncInvokeConfigDto {
  func_urn: string;
  max_async_event_age_in_seconds: number;
  max_async_retry_attempts: number;
  destination_config: FuncAsyncDestinationConfigDto;
  enable_async_status_log: boolean;
  created_time: string;
  last_modified: string;
}

/** ListFunctionAsyncInvokeConfigResponse: `marker` is an offset, `next_marker` equal to `count` means no more pages. */
export interface ListAsyncInvokeConfigsDto {
  async_invoke_configs: AsyncInvokeConfigDto[];
  count: number;
  page_info: { next_marker: number; previous_marker: number; current_count: number };
}

/** Paging of the config list (spec §1.4): unset or 0 → 10, above 100 → 100, negative → error. */
export const ASYNC_CONFIG_LIST_LIMITS = { defaultLimit: 10, maxLimit: 100 } as const;

/** What an invoker applies to an async invocation of one qualifier: its stored config or the defaults. */
export interface AsyncInvokePolicy {
  /** False when the qualifier has no stored config and these are the defaults. */
  configured: boolean;
  maxAsyncEventAgeInSeconds: number;
  maxAsyncRetryAttempts: number;
  onSuccess?: AsyncDestination;
  onFailure?: AsyncDestination;
  enableAsyncStatusLog: boolean;
}
