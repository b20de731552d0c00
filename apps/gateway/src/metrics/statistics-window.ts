import {
  FgsError,
  FunctionStatisticsDto,
  NO_DATA_VALUE,
  SlaReportValueDto,
  STATISTICS_PERIOD_MINUTES,
  statisticsStepMinutes,
  TenantMetricDto,
} from '@ofg/contracts';
import type { BucketWindow, InvocationBucket } from '@ofg/data-access';

const MINUTE_MS = 60_000;

/** The buckets of a statistics query: epoch-aligned starts, oldest first, the last one holding `now`. */
export interface StatisticsWindow extends BucketWindow {
  bucketStarts: number[];
}

/**
 * `{period}` / `period` in minutes (spec §3.8, SDK: "the last N minutes"); FSS.0400 for a path parameter and
 * FSS.1001 for a query parameter when it is not a whole number in range.
 */
export function parsePeriodMinutes(raw: unknown, name: string, code: 'FSS.0400' | 'FSS.1001'): number {
  const text = typeof raw === 'string' ? raw.trim() : '';
  const value = /^[0-9]{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(value >= STATISTICS_PERIOD_MINUTES.min && value <= STATISTICS_PERIOD_MINUTES.max)) {
    throw new FgsError(
      code,
      `Invalid ${code === 'FSS.1001' ? 'query ' : ''}parameter ${name}: minutes, a whole number from ` +
        `${STATISTICS_PERIOD_MINUTES.min} to ${STATISTICS_PERIOD_MINUTES.max}`,
    );
  }
  return value;
}

/** The last `periodMinutes` before `nowMs` cut into buckets of `stepMinutes` (by default the SDK's rule). */
export function statisticsWindow(
  periodMinutes: number,
  nowMs: number,
  stepMinutes = statisticsStepMinutes(periodMinutes),
): StatisticsWindow {
  const stepMs = stepMinutes * MINUTE_MS;
  const buckets = Math.ceil((periodMinutes * MINUTE_MS) / stepMs);
  const last = Math.floor(nowMs / stepMs) * stepMs;
  const first = last - (buckets - 1) * stepMs;
  return {
    from: new Date(first),
    to: new Date(last + stepMs),
    stepMs,
    bucketStarts: Array.from({ length: buckets }, (_, i) => first + i * stepMs),
  };
}

/** Buckets of `stepMs` covering `[from, to)`, epoch-aligned. */
export function bucketsCovering(from: Date, to: Date, stepMs: number): StatisticsWindow {
  const first = Math.floor(from.getTime() / stepMs) * stepMs;
  const count = Math.max(1, Math.ceil((to.getTime() - first) / stepMs));
  return {
    from: new Date(first),
    to: new Date(first + count * stepMs),
    stepMs,
    bucketStarts: Array.from({ length: count }, (_, i) => first + i * stepMs),
  };
}

/** Whole milliseconds, as Cloud Eye reports durations; NO_DATA_VALUE without any. */
function durationValue(ms: number | null): number {
  return ms === null ? NO_DATA_VALUE : Math.round(ms);
}

/** One point per bucket of the window; buckets the query returned nothing for count 0 with no durations. */
export function toFunctionStatisticsDto(
  window: StatisticsWindow,
  rows: readonly InvocationBucket[],
): FunctionStatisticsDto {
  const byStart = new Map(rows.map((r) => [r.bucketMs, r]));
  const series = (value: (b: InvocationBucket | undefined) => number): SlaReportValueDto[] =>
    window.bucketStarts.map((timestamp) => ({ timestamp, value: value(byStart.get(timestamp)) }));
  return {
    count: series((b) => b?.count ?? 0),
    duration: series((b) => durationValue(b?.avgDurationMs ?? null)),
    fail_count: series((b) => b?.failCount ?? 0),
    max_duration: series((b) => durationValue(b?.maxDurationMs ?? null)),
    min_duration: series((b) => durationValue(b?.minDurationMs ?? null)),
    // Capacity rejections (429) are refused before any record is written: no stored figure (docs/compatibility.md).
    reject_count: series(() => 0),
    function_error_count: series((b) => (b ? b.failCount - b.systemErrorCount : 0)),
    system_error_count: series((b) => b?.systemErrorCount ?? 0),
    // Instance figures are live only (instancereports); there is no history to chart.
    reserved_instance_num: [],
    concurrency_num: [],
  };
}

/** Function-flow figures: there are no workflows on this platform, so every bucket is empty. */
export function emptyTenantMetric(window: StatisticsWindow, series: readonly string[]): TenantMetricDto {
  const points = (value: number): SlaReportValueDto[] =>
    window.bucketStarts.map((timestamp) => ({ timestamp, value }));
  const all: Required<TenantMetricDto> = {
    count: points(0),
    duration: points(NO_DATA_VALUE),
    fail_count: points(0),
    running_count: points(0),
  };
  return Object.fromEntries(Object.entries(all).filter(([key]) => series.includes(key)));
}
