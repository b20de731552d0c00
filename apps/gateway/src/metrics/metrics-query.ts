import {
  FgsError,
  FUNCTION_REPORT_LIMITS,
  MONTHLY_REPORT_MONTHS,
  REPORT_METRIC_TYPES,
  ReportMetricType,
  STATISTICS_FILTERS,
  STATISTICS_PERIOD_MINUTES,
  StatisticsFilter,
  TENANT_METRIC_TYPES,
} from '@ofg/contracts';
import { intQueryParam, QueryParams, stringQueryParam } from '../common/query-params';
import { clampedLimitParam, TimeWindow, timeWindowQuery } from '../common/query-window';
import { parsePeriodMinutes } from './statistics-window';

export type TenantStatisticsQuery =
  | { filter: 'monitor_data'; periodMinutes: number }
  | { filter: 'monthly_report'; months: { from: Date; to: Date; labels: string[] } };

/**
 * `GET …/functions/statistics`: `filter` is required (`monitor_data` or `monthly_report`), `period` (minutes,
 * default 60) goes with `monitor_data`, `option` with `monthly_report` (unknown values mean 0, as the SDK says);
 * `limit` and `marker` are checked and otherwise unused. Anything malformed is FSS.1001.
 */
export function parseTenantStatisticsQuery(query: QueryParams, now: Date): TenantStatisticsQuery {
  const filter = stringQueryParam(query, 'filter', 32);
  if (filter === undefined || !(STATISTICS_FILTERS as readonly string[]).includes(filter)) {
    throw new FgsError(
      'FSS.1001',
      `Invalid query parameter filter: must be one of ${STATISTICS_FILTERS.join(', ')}`,
    );
  }
  intQueryParam(query, 'limit', 0);
  intQueryParam(query, 'marker', 0);
  if ((filter as StatisticsFilter) === 'monitor_data') {
    const period = query['period'];
    const periodMinutes =
      period === undefined || period === ''
        ? STATISTICS_PERIOD_MINUTES.tenantDefault
        : parsePeriodMinutes(period, 'period', 'FSS.1001');
    return { filter: 'monitor_data', periodMinutes };
  }
  const option = stringQueryParam(query, 'option', 16) ?? '0';
  return { filter: 'monthly_report', months: monthsOf(option in MONTHLY_REPORT_MONTHS ? option : '0', now) };
}

/** The calendar months (UTC) an `option` covers: `[from, to)` and their `yyyy-MM` labels, oldest first. */
export function monthsOf(option: string, now: Date): { from: Date; to: Date; labels: string[] } {
  const count = MONTHLY_REPORT_MONTHS[option] ?? 1;
  // Option 1 is the previous month alone; the others end with the current month.
  const lastOffset = option === '1' ? 1 : 0;
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() - lastOffset;
  const from = new Date(Date.UTC(year, month - count + 1, 1));
  const to = new Date(Date.UTC(year, month + 1, 1));
  const labels = Array.from({ length: count }, (_, i) =>
    new Date(Date.UTC(year, month - count + 1 + i, 1)).toISOString().slice(0, 7),
  );
  return { from, to, labels };
}

/** Accepted spellings of the report metric, lower-cased: Cloud Eye names and the statistics' snake_case ones. */
const REPORT_TYPE_ALIASES: Readonly<Record<string, ReportMetricType>> = {
  ...Object.fromEntries(REPORT_METRIC_TYPES.map((t) => [t.toLowerCase(), t])),
  fail_count: 'failcount',
  reject_count: 'rejectcount',
  max_duration: 'maxDuration',
  min_duration: 'minDuration',
};

export interface FunctionReportQuery extends TimeWindow {
  type: ReportMetricType;
  limit: number;
}

/**
 * `GET …/function/report`: `type` (default `failcount`), `start_time`/`end_time` (epoch ms or
 * `yyyy-MM-dd'T'HH:mm:ss` UTC; default the last day, at most 31 days), `limit` (default 10, above 100 → 100).
 */
export function parseFunctionReportQuery(query: QueryParams, now: Date): FunctionReportQuery {
  const rawType = stringQueryParam(query, 'type', 32);
  const type = rawType === undefined ? 'failcount' : REPORT_TYPE_ALIASES[rawType.toLowerCase()];
  if (!type) {
    throw new FgsError(
      'FSS.1001',
      `Invalid query parameter type: must be one of ${REPORT_METRIC_TYPES.join(', ')}`,
    );
  }
  const window = timeWindowQuery(query, {
    fromParam: 'start_time',
    toParam: 'end_time',
    now,
    defaultMs: FUNCTION_REPORT_LIMITS.defaultWindowMs,
    maxMs: FUNCTION_REPORT_LIMITS.maxWindowMs,
  });
  const limit = clampedLimitParam(
    query,
    'limit',
    FUNCTION_REPORT_LIMITS.defaultLimit,
    FUNCTION_REPORT_LIMITS.maxLimit,
  );
  return { type, limit, ...window };
}

/** Most points a function-flow metric series may hold. */
const TENANT_METRIC_MAX_POINTS = 1440;

/** Which series each `metric_type` selects; another value (or none) selects all of them. */
const TENANT_METRIC_SERIES: Readonly<Record<string, string>> = {
  totalCount: 'count',
  errorCount: 'fail_count',
  averageDuration: 'duration',
  running: 'running_count',
};

export interface TenantMetricQuery extends TimeWindow {
  stepMinutes?: number;
  series: string[];
}

/**
 * `GET …/workflow-statistic` (SDK showTenantMetric): `start_time`/`end_time` in epoch ms (default the last hour,
 * at most 31 days), `period` the bucket width in minutes, `metric_type` one of TENANT_METRIC_TYPES.
 */
export function parseTenantMetricQuery(query: QueryParams, now: Date): TenantMetricQuery {
  const window = timeWindowQuery(query, {
    fromParam: 'start_time',
    toParam: 'end_time',
    now,
    defaultMs: 3_600_000,
    maxMs: FUNCTION_REPORT_LIMITS.maxWindowMs,
  });
  const period = query['period'];
  const stepMinutes =
    period === undefined || period === '' ? undefined : parsePeriodMinutes(period, 'period', 'FSS.1001');
  if (
    stepMinutes !== undefined &&
    (window.to.getTime() - window.from.getTime()) / 60_000 / stepMinutes > TENANT_METRIC_MAX_POINTS
  ) {
    throw new FgsError(
      'FSS.1001',
      `Invalid query parameter period: the window would hold more than ${TENANT_METRIC_MAX_POINTS} points`,
    );
  }
  const metricType = stringQueryParam(query, 'metric_type', 32);
  const one =
    metricType !== undefined && (TENANT_METRIC_TYPES as readonly string[]).includes(metricType)
      ? TENANT_METRIC_SERIES[metricType]
      : undefined;
  return {
    ...window,
    stepMinutes,
    series: one ? [one] : Object.values(TENANT_METRIC_SERIES),
  };
}
