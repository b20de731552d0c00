import {
  AsyncInvocationDto,
  AsyncInvokeConfigDto,
  formatAsyncInvocationTime,
  formatFunctionUrn,
  FuncAsyncDestinationConfigDto,
  InvocationStatus,
} from '@ofg/contracts';
import { AsyncInvocationSummary, AsyncInvokeConfigEntity, FunctionEntity } from '@ofg/data-access';
import { isoWithOffset } from '../common/time-format';

/** The config object of get, put and list; `func_urn` carries the config's qualifier. */
export function toAsyncInvokeConfigDto(
  row: AsyncInvokeConfigEntity,
  fn: Pick<FunctionEntity, 'projectId' | 'package' | 'funcName'>,
  region: string,
): AsyncInvokeConfigDto {
  const destinations: FuncAsyncDestinationConfigDto = {};
  if (row.onSuccess) destinations.on_success = { ...row.onSuccess };
  if (row.onFailure) destinations.on_failure = { ...row.onFailure };
  return {
    func_urn: formatFunctionUrn(region, fn, row.qualifier),
    max_async_event_age_in_seconds: row.maxAsyncEventAgeS,
    max_async_retry_attempts: row.maxAsyncRetryAttempts,
    destination_config: destinations,
    enable_async_status_log: row.enableAsyncStatusLog,
    created_time: isoWithOffset(row.createdAt),
    last_modified: isoWithOffset(row.updatedAt),
  };
}

/** One row of the async request list: `start_time` is when it first ran, or when it was accepted while it waits. */
export function toAsyncInvocationDto(row: AsyncInvocationSummary): AsyncInvocationDto {
  return {
    request_id: row.requestId,
    status: row.status as InvocationStatus,
    error_message: row.errorMessage,
    start_time: formatAsyncInvocationTime(row.startTime ?? row.createdAt),
    end_time: row.endTime ? formatAsyncInvocationTime(row.endTime) : '',
  };
}
