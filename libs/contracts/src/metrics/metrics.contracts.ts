import type { SlaReportValueDto } from '../reserved/reserved-instances';

/** Value of a duration point whose bucket holds no finished invocation (the spec's examples use -1). */
export const NO_DATA_VALUE = -1;

/** `{period}` of the per-function statistics and slareports, and `period` of the tenant statistics: minutes back from now. */
export const STATISTICS_PERIOD_MINUTES = { min: 1, max: 43_200, tenantDefault: 60 } as const;

/**
 * Bucket width for a period, the rule the SDK documents for instance reports: up to an hour 1-minute buckets, up to
 * a day 30-minute buckets, beyond that 180-minute buckets.
 */
export function statisticsStepMinutes(periodMinutes: number): number {
  if (periodMinutes <= 60) return 1;
  if (periodMinutes <= 1440) return 30;
  return 180;
}

/**
 * Answer of `GET …/functions/{func_urn}/statistics/{period}` and `…/slareports/{period}` (SDK
 * ListFunctionStatisticsResponse / ShowFunctionMetricsResponse), one point per bucket. Counts are 0 and durations
 * NO_DATA_VALUE in a bucket without finished invocations. The instance series have no history here (empty).
 */
export interface FunctionStatisticsDto {
  count: SlaReportValueDto[];
  duration: SlaReportValueDto[];
  fail_count: SlaReportValueDto[];
  max_duration: SlaReportValueDto[];
  min_duration: SlaReportValueDto[];
  reject_count: SlaReportValueDto[];
  function_error_count: SlaReportValueDto[];
  system_error_count: SlaReportValueDto[];
  reserved_instance_num: SlaReportValueDto[];
  concurrency_num: SlaReportValueDto[];
}

/** The SDK's MonthUsed: `date` is the month `yyyy-MM` (UTC). */
export interface MonthUsedDto {
  date: string;
  value: number;
}

/** `filter` of `GET …/functions/statistics`. */
export const STATISTICS_FILTERS = ['monitor_data', 'monthly_report'] as const;
export type StatisticsFilter = (typeof STATISTICS_FILTERS)[number];

/** `option` of the monthly report → how many calendar months back, the current one included (other values → 0). */
export const MONTHLY_REPORT_MONTHS: Readonly<Record<string, number>> = { '0': 1, '1': 1, '2': 3, '3': 6 };

/** Answer of `GET …/functions/statistics` (SDK ListStatisticsResponse): `statistics` or the monthly figures. */
export interface ListStatisticsDto {
  count?: MonthUsedDto[];
  gbs?: MonthUsedDto[];
  gpu_gbs?: MonthUsedDto[];
  statistics?: FunctionStatisticsDto;
}

/** `type` of `GET …/function/report`, Cloud Eye names (spec §7); the snake_case spellings are accepted too. */
export const REPORT_METRIC_TYPES = [
  'count',
  'failcount',
  'rejectcount',
  'duration',
  'maxDuration',
  'minDuration',
] as const;
export type ReportMetricType = (typeof REPORT_METRIC_TYPES)[number];

/** Top-N report: default the 10 functions with most failures over the last day (SDK listFunctionAsMetric). */
export const FUNCTION_REPORT_LIMITS = {
  defaultLimit: 10,
  maxLimit: 100,
  defaultWindowMs: 86_400_000,
  maxWindowMs: 31 * 86_400_000,
} as const;

/** The SDK's FunctionMetric: `key` is the unqualified function URN. */
export interface FunctionMetricDto {
  key: string;
  value: number;
}

/** Answer of `GET …/function/report` (SDK ListFunctionAsMetricResponse); `count` is how many functions ranked. */
export interface ListFunctionAsMetricDto {
  values: FunctionMetricDto[];
  next_marker: number;
  count: number;
}

/** `metric_type` of `GET …/workflow-statistic` (SDK showTenantMetric); another value means all. */
export const TENANT_METRIC_TYPES = [
  'totalCount',
  'errorCount',
  'averageDuration',
  'running',
  'rejectCount',
] as const;

/** Answer of `GET …/workflow-statistic` (SDK ShowTenantMetricResponse): function-flow figures. */
export interface TenantMetricDto {
  count?: SlaReportValueDto[];
  duration?: SlaReportValueDto[];
  fail_count?: SlaReportValueDto[];
  running_count?: SlaReportValueDto[];
}

/** Answer of `GET …/functions/{function_urn}/lts-log-detail` (SDK ShowLtsLogDetailsResponse). */
export interface LtsLogDetailDto {
  group_name: string;
  group_id: string;
  stream_id: string;
  stream_name: string;
}

/** Paging and window of the log query extension `GET …/functions/{function_urn}/logs`. */
export const FUNCTION_LOG_QUERY_LIMITS = {
  defaultLimit: 20,
  maxLimit: 100,
  defaultWindowMs: 3_600_000,
  maxWindowMs: 31 * 86_400_000,
} as const;

/** One request's record in the log query; times are ISO-8601 UTC with milliseconds, '' when unknown. */
export interface FunctionLogDto {
  request_id: string;
  qualifier: string;
  invoke_type: string;
  status: string;
  error_message: string;
  log: string;
  /** Run time in ms; -1 when the request has not run. */
  duration: number;
  /** Memory used in MB; -1 when the request has not run. */
  memory_used: number;
  /** When the platform recorded the request (the time window filters on it). */
  time: string;
  start_time: string;
  end_time: string;
}

/** Answer of the log query: newest first, `next_marker` = marker + items (equal to `count` on the last page). */
export interface ListFunctionLogsDto {
  logs: FunctionLogDto[];
  count: number;
  next_marker: number;
}

/** Quota types of `GET …/quotas` (spec §3.2, SDK ResourcesTypeEnum). */
export const QUOTA_TYPES = {
  scaleDownTimeout: 'fgs_func_scale_down_timeout',
  concurrency: 'fgs_func_occurs',
  patIdleTime: 'fgs_func_pat_idle_time',
  functions: 'fgs_func_num',
  codeSize: 'fgs_func_code_size',
  workflows: 'fgs_workflow_num',
} as const;

/**
 * The tenant limits this platform reports: functions 400 (FSS.1041), code 20 GB (FSS.1042), instances 1000 (the
 * max-instances ceiling), workflows 512 and the two timing figures as the spec's example gives them.
 */
export const TENANT_QUOTAS = {
  scaleDownTimeout: 60,
  concurrency: 1000,
  patIdleTime: 100,
  functions: 400,
  codeSizeMb: 20_480,
  workflows: 512,
} as const;

/** The SDK's Resources: one quota with what the tenant uses of it; `unit` only for code size (MB). */
export interface QuotaResourceDto {
  quota: number;
  used: number;
  type: string;
  unit?: string;
}

/** Answer of `GET …/quotas` (SDK ListQuotasResponse). */
export interface ListQuotasDto {
  quotas: { resources: QuotaResourceDto[] };
}
