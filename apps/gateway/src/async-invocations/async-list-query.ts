import {
  ASYNC_CONFIG_LIST_LIMITS,
  ASYNC_INVOCATION_DEFAULT_WINDOW_MS,
  ASYNC_INVOCATION_LIST_LIMITS,
  ASYNC_REQUEST_ID,
  FgsError,
  INVOCATION_STATUSES,
  InvocationStatus,
  parseAsyncInvocationTime,
} from '@ofg/contracts';

type Query = Record<string, unknown>;

/** Most request ids `requests` of the active list may name (SDK documentation). */
export const MAX_ACTIVE_REQUEST_IDS = 10;

export interface PageQuery {
  offset: number;
  limit: number;
}

/** `marker` (offset, default 0) and `limit` of the config list: unset or 0 → 10, above 100 → 100, negative → FSS.1001. */
export function parseConfigListQuery(query: Query): PageQuery {
  return {
    offset: nonNegativeInt(query, 'marker') ?? 0,
    limit: clampedLimit(query, ASYNC_CONFIG_LIST_LIMITS.defaultLimit, ASYNC_CONFIG_LIST_LIMITS.maxLimit),
  };
}

export interface AsyncInvocationListQuery extends PageQuery {
  requestIds?: string[];
  statuses?: InvocationStatus[];
  acceptedFrom?: Date;
  acceptedUntil?: Date;
}

/**
 * The async request list's query (spec §5.2): `request_id` (or the active list's `requests`), `status`, the window
 * `query_begin_time`–`query_end_time` (default: the last hour; not applied when request ids are given without
 * bounds), `marker` and `limit` (default 100, above 500 → 500). Anything malformed is FSS.1001.
 */
export function parseAsyncInvocationListQuery(
  query: Query,
  opts: { active: boolean; now: Date },
): AsyncInvocationListQuery {
  const requestIds = opts.active ? requestIdList(query, 'requests') : requestIdList(query, 'request_id', 1);
  const status = text(query, 'status');
  if (status !== undefined && !(INVOCATION_STATUSES as readonly string[]).includes(status)) {
    throw new FgsError(
      'FSS.1001',
      `Invalid query parameter status: must be one of ${INVOCATION_STATUSES.join(', ')}`,
    );
  }
  const begin = time(query, 'query_begin_time');
  const end = time(query, 'query_end_time');
  if (begin && end && begin.getTime() > end.getTime()) {
    throw new FgsError('FSS.1001', 'Invalid query parameter query_begin_time: it is after query_end_time');
  }
  const windowed = begin !== undefined || end !== undefined || requestIds === undefined;
  return {
    offset: nonNegativeInt(query, 'marker') ?? 0,
    limit: clampedLimit(
      query,
      ASYNC_INVOCATION_LIST_LIMITS.defaultLimit,
      ASYNC_INVOCATION_LIST_LIMITS.maxLimit,
    ),
    requestIds,
    statuses: activeStatuses(status as InvocationStatus | undefined, opts.active),
    acceptedFrom: windowed
      ? (begin ?? new Date((end ?? opts.now).getTime() - ASYNC_INVOCATION_DEFAULT_WINDOW_MS))
      : undefined,
    // Bounds have whole seconds: the end second is included. No end means "up to now", left open for clock skew.
    acceptedUntil: end ? new Date(end.getTime() + 999) : undefined,
  };
}

/** The active list holds WAIT and RUNNING requests only; `status` narrows it, a terminal one empties it. */
function activeStatuses(
  status: InvocationStatus | undefined,
  active: boolean,
): InvocationStatus[] | undefined {
  if (!active) return status ? [status] : undefined;
  if (status === undefined) return ['WAIT', 'RUNNING'];
  return status === 'WAIT' || status === 'RUNNING' ? [status] : [];
}

function text(query: Query, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string')
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}: given more than once`);
  return raw.trim();
}

function nonNegativeInt(query: Query, name: string): number | undefined {
  const raw = text(query, name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(raw)) {
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}: must be a non-negative integer`);
  }
  return Number(raw);
}

function clampedLimit(query: Query, fallback: number, max: number): number {
  const limit = nonNegativeInt(query, 'limit');
  if (limit === undefined || limit === 0) return fallback;
  return Math.min(limit, max);
}

function time(query: Query, name: string): Date | undefined {
  const raw = text(query, name);
  if (raw === undefined) return undefined;
  const date = parseAsyncInvocationTime(raw);
  if (!date) {
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}: expected yyyy-MM-dd'T'HH:mm:ss (UTC)`);
  }
  return date;
}

function requestIdList(query: Query, name: string, max = MAX_ACTIVE_REQUEST_IDS): string[] | undefined {
  const raw = text(query, name);
  if (raw === undefined) return undefined;
  const ids = raw
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 0 || ids.length > max || !ids.every((id) => ASYNC_REQUEST_ID.test(id))) {
    throw new FgsError(
      'FSS.1001',
      max === 1
        ? `Invalid query parameter ${name}: must be a request id`
        : `Invalid query parameter ${name}: must be 1-${max} comma-separated request ids`,
    );
  }
  return ids.map((id) => id.toLowerCase());
}
