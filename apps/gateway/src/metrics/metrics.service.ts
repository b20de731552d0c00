import { Inject, Injectable } from '@nestjs/common';
import {
  formatFunctionUrn,
  FunctionStatisticsDto,
  ListFunctionAsMetricDto,
  ListStatisticsDto,
  MonthUsedDto,
  ReportMetricType,
  statisticsStepMinutes,
  TenantMetricDto,
} from '@ofg/contracts';
import { InvocationMetricsRepository, InvocationScope } from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { QueryParams } from '../common/query-params';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../functions/function.resolver';
import { recordedQualifierOf } from './recorded-qualifier';
import {
  parseFunctionReportQuery,
  parseTenantMetricQuery,
  parseTenantStatisticsQuery,
} from './metrics-query';
import {
  bucketsCovering,
  emptyTenantMetric,
  parsePeriodMinutes,
  statisticsWindow,
  toFunctionStatisticsDto,
} from './statistics-window';

/** Durations rank as whole milliseconds, counts as they are. */
function reportValue(type: ReportMetricType, value: number): number {
  return type === 'count' || type === 'failcount' || type === 'rejectcount' ? value : Math.round(value);
}

/**
 * Function statistics and reports (spec §3.8, §7) computed from the recorded invocations: per function and per
 * project, in epoch-aligned buckets, plus the monthly figures and the top-N report.
 */
@Injectable()
export class MetricsService {
  constructor(
    private readonly metrics: InvocationMetricsRepository,
    private readonly resolver: FunctionResolver,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** `…/functions/{func_urn}/statistics/{period}` and `…/slareports/{period}`: the function's last `period` minutes. */
  async functionStatistics(
    auth: FgsAuthContext,
    urn: string,
    period: string,
  ): Promise<FunctionStatisticsDto> {
    const minutes = parsePeriodMinutes(period, 'period', 'FSS.0400');
    const scope = await this.scopeOf(auth, urn);
    const window = statisticsWindow(minutes, Date.now());
    const rows = await this.metrics.bucketStatistics(auth.projectId, scope, window);
    return toFunctionStatisticsDto(window, rows);
  }

  /** `…/functions/statistics`: the project's figures over the last `period` minutes, or its monthly usage. */
  async tenantStatistics(auth: FgsAuthContext, query: QueryParams): Promise<ListStatisticsDto> {
    const now = new Date();
    const q = parseTenantStatisticsQuery(query, now);
    if (q.filter === 'monitor_data') {
      const window = statisticsWindow(q.periodMinutes, now.getTime());
      const rows = await this.metrics.bucketStatistics(auth.projectId, {}, window);
      return { statistics: toFunctionStatisticsDto(window, rows) };
    }
    const usage = await this.metrics.monthlyUsage(auth.projectId, q.months.from, q.months.to);
    const byMonth = new Map(usage.map((u) => [u.month, u]));
    const months = (value: (month: string) => number): MonthUsedDto[] =>
      q.months.labels.map((date) => ({ date, value: value(date) }));
    return {
      count: months((m) => byMonth.get(m)?.count ?? 0),
      gbs: months((m) => Math.round(byMonth.get(m)?.gbSeconds ?? 0)),
      // No GPU functions here.
      gpu_gbs: months(() => 0),
    };
  }

  /** `…/function/report`: the project's functions ranked by one metric over a window. */
  async functionReport(auth: FgsAuthContext, query: QueryParams): Promise<ListFunctionAsMetricDto> {
    const q = parseFunctionReportQuery(query, new Date());
    const { items, total } = await this.metrics.rankFunctions(auth.projectId, q.type, q.from, q.to, q.limit);
    return {
      values: items.map((item) => ({
        key: formatFunctionUrn(this.config.region, {
          projectId: auth.projectId,
          package: item.package,
          funcName: item.funcName,
        }),
        value: reportValue(q.type, item.value),
      })),
      next_marker: items.length,
      count: total,
    };
  }

  /** `…/workflow-statistic`: function-flow metrics; there are no function flows here, so the series are empty. */
  tenantMetric(_auth: FgsAuthContext, query: QueryParams): TenantMetricDto {
    const q = parseTenantMetricQuery(query, new Date());
    const minutes = Math.ceil((q.to.getTime() - q.from.getTime()) / 60_000);
    const step = (q.stepMinutes ?? statisticsStepMinutes(minutes)) * 60_000;
    return emptyTenantMetric(bucketsCovering(q.from, q.to, step), q.series);
  }

  /** The invocations a function URN covers: every qualifier unless the URN names one (which must exist). */
  private async scopeOf(auth: FgsAuthContext, urn: string): Promise<InvocationScope> {
    const { fn, ref } = await this.resolver.findTarget(urn, auth);
    return { functionId: fn.id, qualifier: recordedQualifierOf(ref) };
  }
}
