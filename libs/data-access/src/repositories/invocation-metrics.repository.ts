import { Injectable } from '@nestjs/common';
import type { ReportMetricType } from '@ofg/contracts';
import { DataSource } from 'typeorm';
import { withTenant } from '../tenancy/tenant-scope';

/** Which invocations a figure covers: the whole project, one function, or one qualifier of it. */
export interface InvocationScope {
  functionId?: string;
  /** `latest`, a version or an alias name, as the invoker records it; all qualifiers when absent. */
  qualifier?: string;
}

/** Buckets `[from, from + n·stepMs)` aligned on the epoch; `to` is the exclusive end. */
export interface BucketWindow {
  from: Date;
  to: Date;
  stepMs: number;
}

/** Figures of the invocations recorded in one bucket; durations are null when none of them has one. */
export interface InvocationBucket {
  bucketMs: number;
  count: number;
  failCount: number;
  systemErrorCount: number;
  avgDurationMs: number | null;
  maxDurationMs: number | null;
  minDurationMs: number | null;
}

/** Invocations and GB-seconds of one calendar month (UTC), `month` as `yyyy-MM`. */
export interface MonthlyUsage {
  month: string;
  count: number;
  gbSeconds: number;
}

export interface RankedFunction {
  functionId: string;
  package: string;
  funcName: string;
  value: number;
}

export interface InvocationLogFilter {
  qualifier?: string;
  requestId?: string;
  /** Inclusive lower and exclusive upper bound on when the request was recorded. */
  from?: Date;
  to?: Date;
}

/** One request's stored log with the figures that frame it. */
export interface InvocationLogRecord {
  requestId: string;
  qualifier: string;
  invokeType: string;
  status: string;
  errorMessage: string;
  log: string;
  durationMs: number | null;
  memoryUsedMb: number | null;
  startTime: Date | null;
  endTime: Date | null;
  createdAt: Date;
}

/** Finished invocations: what every figure counts (WAIT/RUNNING have not ended, DISCARD never ran to an end). */
const FINISHED = `status IN ('SUCCESS','FAIL')`;

/** The invoker prefixes the error of an async request that failed for the platform's sake (invocation-job.handler). */
const PLATFORM_ERROR_LIKE = `'platform error: %'`;

/** Ranking expressions per metric type, keyed by a closed union so no caller text reaches the SQL. */
const RANK_EXPRESSIONS: Record<ReportMetricType, string> = {
  count: 'count(*)',
  failcount: `count(*) FILTER (WHERE i.status = 'FAIL')`,
  // Capacity rejections are answered before any record exists (counted in the invoker's Prometheus metrics only).
  rejectcount: '0',
  duration: 'avg(i.duration_ms)',
  maxDuration: 'max(i.duration_ms)',
  minDuration: 'min(i.duration_ms)',
};

/**
 * Aggregates over the recorded invocations of one project (metrics, reports and the log query). Every query runs in
 * the tenant's transaction and names the project, so `ix_invocations_project_created` or, for one function,
 * `ix_invocations_function_created` bounds it to the time window.
 */
@Injectable()
export class InvocationMetricsRepository {
  constructor(private readonly ds: DataSource) {}

  /** Per-bucket figures of the finished invocations in the window; buckets without any are left out. */
  bucketStatistics(
    projectId: string,
    scope: InvocationScope,
    window: BucketWindow,
  ): Promise<InvocationBucket[]> {
    return withTenant(this.ds, projectId, async (em) => {
      const params: unknown[] = [projectId, window.from, window.to, window.stepMs / 1000];
      const where = [`project_id = $1`, `created_at >= $2`, `created_at < $3`, FINISHED];
      if (scope.functionId !== undefined) where.push(`function_id = $${params.push(scope.functionId)}`);
      if (scope.qualifier !== undefined) where.push(`qualifier = $${params.push(scope.qualifier)}`);
      const rows = (await em.query(
        `SELECT (extract(epoch FROM date_bin(make_interval(secs => $4), created_at, timestamptz 'epoch')) * 1000)::bigint
                  AS bucket_ms,
                count(*)::int AS count,
                count(*) FILTER (WHERE status = 'FAIL')::int AS fail_count,
                count(*) FILTER (WHERE status = 'FAIL' AND error_message LIKE ${PLATFORM_ERROR_LIKE})::int
                  AS system_error_count,
                avg(duration_ms) AS avg_duration,
                max(duration_ms) AS max_duration,
                min(duration_ms) AS min_duration
           FROM invocations
          WHERE ${where.join(' AND ')}
          GROUP BY 1
          ORDER BY 1`,
        params,
      )) as BucketRow[];
      return rows.map((r) => ({
        bucketMs: Number(r.bucket_ms),
        count: r.count,
        failCount: r.fail_count,
        systemErrorCount: r.system_error_count,
        avgDurationMs: numberOrNull(r.avg_duration),
        maxDurationMs: numberOrNull(r.max_duration),
        minDurationMs: numberOrNull(r.min_duration),
      }));
    });
  }

  /**
   * Finished invocations and GB-seconds per UTC month in `[from, to)`; GB-seconds bill the function's configured
   * memory (the recorded memory use for a function deleted since). Months without invocations are left out.
   */
  monthlyUsage(projectId: string, from: Date, to: Date): Promise<MonthlyUsage[]> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT to_char(date_trunc('month', i.created_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
                count(*)::int AS count,
                coalesce(sum(coalesce(i.duration_ms, 0) / 1000.0
                             * coalesce(f.memory_size, i.memory_used_mb, 0) / 1024.0), 0) AS gb_seconds
           FROM invocations i
           LEFT JOIN functions f ON f.id = i.function_id AND f.project_id = i.project_id
          WHERE i.project_id = $1 AND i.created_at >= $2 AND i.created_at < $3 AND i.${FINISHED}
          GROUP BY 1
          ORDER BY 1`,
        [projectId, from, to],
      )) as { month: string; count: number; gb_seconds: string | number }[];
      return rows.map((r) => ({ month: r.month, count: r.count, gbSeconds: Number(r.gb_seconds) }));
    });
  }

  /**
   * The project's functions with finished invocations in `[from, to)`, highest `metric` first (ties by name), at most
   * `limit`; `total` is how many functions ranked. Invocations of deleted functions are left out.
   */
  rankFunctions(
    projectId: string,
    metric: ReportMetricType,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<{ items: RankedFunction[]; total: number }> {
    return withTenant(this.ds, projectId, async (em) => {
      const expression = RANK_EXPRESSIONS[metric];
      const rows = (await em.query(
        `SELECT i.function_id, f.package, f.func_name, ${expression} AS value, count(*) OVER () AS total
           FROM invocations i
           JOIN functions f ON f.id = i.function_id AND f.project_id = i.project_id
          WHERE i.project_id = $1 AND i.created_at >= $2 AND i.created_at < $3 AND i.${FINISHED}
          GROUP BY i.function_id, f.package, f.func_name
         HAVING ${expression} IS NOT NULL
          ORDER BY value DESC, f.func_name ASC, f.package ASC
          LIMIT $4`,
        [projectId, from, to, limit],
      )) as RankRow[];
      return {
        items: rows.map((r) => ({
          functionId: r.function_id,
          package: r.package,
          funcName: r.func_name,
          value: Number(r.value),
        })),
        total: rows.length > 0 ? Number(rows[0].total) : 0,
      };
    });
  }

  /** Stored logs of one function's requests, newest first; `offset` is the list marker. */
  listLogs(
    projectId: string,
    functionId: string,
    filter: InvocationLogFilter,
    offset: number,
    limit: number,
  ): Promise<{ items: InvocationLogRecord[]; total: number }> {
    return withTenant(this.ds, projectId, async (em) => {
      const params: unknown[] = [projectId, functionId];
      const where = [`project_id = $1`, `function_id = $2`];
      if (filter.qualifier !== undefined) where.push(`qualifier = $${params.push(filter.qualifier)}`);
      if (filter.requestId !== undefined) where.push(`request_id = $${params.push(filter.requestId)}`);
      if (filter.from !== undefined) where.push(`created_at >= $${params.push(filter.from)}`);
      if (filter.to !== undefined) where.push(`created_at < $${params.push(filter.to)}`);
      const condition = where.join(' AND ');
      const [{ total }] = (await em.query(
        `SELECT count(*)::int AS total FROM invocations WHERE ${condition}`,
        params,
      )) as { total: number }[];
      if (total <= offset) return { items: [], total };
      const rows = (await em.query(
        `SELECT request_id, qualifier, invoke_type, status, error_message, log, duration_ms, memory_used_mb,
                start_time, end_time, created_at
           FROM invocations
          WHERE ${condition}
          ORDER BY created_at DESC, request_id DESC
         OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
        [...params, offset, limit],
      )) as LogRow[];
      return {
        items: rows.map((r) => ({
          requestId: r.request_id,
          qualifier: r.qualifier,
          invokeType: r.invoke_type,
          status: r.status,
          errorMessage: r.error_message,
          log: r.log,
          durationMs: numberOrNull(r.duration_ms),
          memoryUsedMb: numberOrNull(r.memory_used_mb),
          startTime: r.start_time,
          endTime: r.end_time,
          createdAt: r.created_at,
        })),
        total,
      };
    });
  }
}

interface BucketRow {
  bucket_ms: string;
  count: number;
  fail_count: number;
  system_error_count: number;
  avg_duration: number | string | null;
  max_duration: number | string | null;
  min_duration: number | string | null;
}

interface RankRow {
  function_id: string;
  package: string;
  func_name: string;
  value: number | string;
  total: string;
}

interface LogRow {
  request_id: string;
  qualifier: string;
  invoke_type: string;
  status: string;
  error_message: string;
  log: string;
  duration_ms: number | null;
  memory_used_mb: number | null;
  start_time: Date | null;
  end_time: Date | null;
  created_at: Date;
}

function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
