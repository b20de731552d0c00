import { ASYNC_REQUEST_ID, FgsError, FUNCTION_LOG_QUERY_LIMITS } from '@ofg/contracts';
import { intQueryParam, QueryParams, stringQueryParam } from '../common/query-params';
import { clampedLimitParam, timeQueryParam, timeWindowQuery } from '../common/query-window';

export interface FunctionLogQuery {
  requestId?: string;
  from?: Date;
  to?: Date;
  offset: number;
  limit: number;
}

/**
 * The log query: `request_id` (a uuid), `start_time`/`end_time` (epoch ms or `yyyy-MM-dd'T'HH:mm:ss` UTC; default the
 * hour before the end, at most 31 days; no window for a `request_id` lookup without bounds), `marker` (offset) and
 * `limit` (default 20, above 100 → 100). Anything malformed is FSS.1001.
 */
export function parseFunctionLogQuery(query: QueryParams, now: Date): FunctionLogQuery {
  const requestId = stringQueryParam(query, 'request_id', 64)?.trim();
  if (requestId !== undefined && !ASYNC_REQUEST_ID.test(requestId))
    throw new FgsError('FSS.1001', 'Invalid query parameter request_id: must be a request id');
  const offset = intQueryParam(query, 'marker', 0);
  const limit = clampedLimitParam(
    query,
    'limit',
    FUNCTION_LOG_QUERY_LIMITS.defaultLimit,
    FUNCTION_LOG_QUERY_LIMITS.maxLimit,
  );
  const bounded =
    timeQueryParam(query, 'start_time') !== undefined || timeQueryParam(query, 'end_time') !== undefined;
  const window =
    requestId !== undefined && !bounded
      ? {}
      : timeWindowQuery(query, {
          fromParam: 'start_time',
          toParam: 'end_time',
          now,
          defaultMs: FUNCTION_LOG_QUERY_LIMITS.defaultWindowMs,
          maxMs: FUNCTION_LOG_QUERY_LIMITS.maxWindowMs,
        });
  return { requestId: requestId?.toLowerCase(), offset, limit, ...window };
}
