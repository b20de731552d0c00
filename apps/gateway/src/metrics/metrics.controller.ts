import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  FGS_ACTIONS,
  FUNCTION_REPORT_LIMITS,
  FunctionStatisticsDto,
  ListFunctionAsMetricDto,
  ListStatisticsDto,
  REPORT_METRIC_TYPES,
  STATISTICS_PERIOD_MINUTES,
  TenantMetricDto,
} from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { QueryParams } from '../common/query-params';
import { ApiFgsAuth, ApiProjectParam } from '../openapi/api-docs.decorators';
import { MetricsService } from './metrics.service';

const PERIOD_RULE =
  `minutes back from now, ${STATISTICS_PERIOD_MINUTES.min}-${STATISTICS_PERIOD_MINUTES.max}; buckets of 1 minute ` +
  'up to 60, 30 minutes up to 1440, 180 minutes beyond';
const TIME_FORMAT = "epoch milliseconds or yyyy-MM-dd'T'HH:mm:ss UTC";

function ApiStatistics(): MethodDecorator {
  return (target, key, descriptor) => {
    ApiParam({ name: 'func_urn', type: String, description: 'Function URN; a qualifier narrows to it' })(
      target,
      key,
      descriptor,
    );
    ApiParam({ name: 'period', type: String, description: PERIOD_RULE })(target, key, descriptor);
    ApiResponse({
      status: 200,
      description:
        '`{count, duration, fail_count, max_duration, min_duration, reject_count, function_error_count, ' +
        'system_error_count, reserved_instance_num, concurrency_num}`, each `[{timestamp, value}]`',
    })(target, key, descriptor);
    ApiResponse({ status: 400, description: 'FSS.0400: bad period; FSS.1309: bad URN' })(
      target,
      key,
      descriptor,
    );
    ApiResponse({ status: 404, description: 'FSS.1051: no such function' })(target, key, descriptor);
  };
}

@ApiTags('Metrics')
@ApiFgsAuth()
@ApiProjectParam()
@Controller('v2/:project_id/fgs')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('functions/statistics')
  @ApiOperation({
    summary: "The project's statistics or monthly usage",
    description:
      '`filter=monitor_data`: the statistics series over the last `period` minutes (default 60). ' +
      '`filter=monthly_report`: invocations and GB-s per month (`option` 0 this month, 1 last month, 2 the last ' +
      'three, 3 the last six).',
  })
  @ApiQuery({ name: 'filter', required: true, description: 'monitor_data or monthly_report' })
  @ApiQuery({ name: 'period', required: false, description: PERIOD_RULE })
  @ApiQuery({ name: 'option', required: false, description: '0, 1, 2 or 3 (monthly_report)' })
  @ApiResponse({ status: 200, description: '`{statistics}` or `{count, gbs, gpu_gbs}`' })
  @ApiResponse({ status: 400, description: 'FSS.1001: bad query parameter' })
  @Action(FGS_ACTIONS.functionListStatistics)
  tenantStatistics(@Auth() auth: FgsAuthContext, @Query() query: QueryParams): Promise<ListStatisticsDto> {
    return this.metrics.tenantStatistics(auth, query);
  }

  @Get('functions/:func_urn/statistics/:period')
  @ApiOperation({ summary: "A function's statistics over the last `period` minutes" })
  @ApiStatistics()
  @Action(FGS_ACTIONS.functionListFunctionStatistics)
  functionStatistics(
    @Auth() auth: FgsAuthContext,
    @Param('func_urn') urn: string,
    @Param('period') period: string,
  ): Promise<FunctionStatisticsDto> {
    return this.metrics.functionStatistics(auth, urn, period);
  }

  @Get('functions/:func_urn/slareports/:period')
  @ApiOperation({ summary: "A function's metrics over the last `period` minutes (SDK showFunctionMetrics)" })
  @ApiStatistics()
  @Action(FGS_ACTIONS.functionGetFunctionMetrics)
  functionMetrics(
    @Auth() auth: FgsAuthContext,
    @Param('func_urn') urn: string,
    @Param('period') period: string,
  ): Promise<FunctionStatisticsDto> {
    return this.metrics.functionStatistics(auth, urn, period);
  }

  @Get('function/report')
  @ApiOperation({
    summary: 'Functions ranked by a metric',
    description: `Highest first; by default the ${FUNCTION_REPORT_LIMITS.defaultLimit} with most failures over the last day.`,
  })
  @ApiQuery({
    name: 'type',
    required: false,
    description: `${REPORT_METRIC_TYPES.join(', ')} (default failcount)`,
  })
  @ApiQuery({
    name: 'start_time',
    required: false,
    description: `${TIME_FORMAT} (default: a day before the end)`,
  })
  @ApiQuery({ name: 'end_time', required: false, description: `${TIME_FORMAT} (default: now)` })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `1-${FUNCTION_REPORT_LIMITS.maxLimit} (default 10)`,
  })
  @ApiResponse({ status: 200, description: '`{values: [{key: URN, value}], next_marker, count}`' })
  @ApiResponse({ status: 400, description: 'FSS.1001: bad query parameter or window' })
  @Action(FGS_ACTIONS.functionListFunctionAsMetric)
  report(@Auth() auth: FgsAuthContext, @Query() query: QueryParams): Promise<ListFunctionAsMetricDto> {
    return this.metrics.functionReport(auth, query);
  }

  @Get('workflow-statistic')
  @ApiOperation({
    summary: 'Function-flow metrics (SDK showTenantMetric)',
    description: 'There are no function flows on this platform: every bucket is empty.',
  })
  @ApiQuery({
    name: 'start_time',
    required: false,
    description: `${TIME_FORMAT} (default: an hour before the end)`,
  })
  @ApiQuery({ name: 'end_time', required: false, description: `${TIME_FORMAT} (default: now)` })
  @ApiQuery({ name: 'period', required: false, description: 'Bucket width in minutes' })
  @ApiQuery({
    name: 'metric_type',
    required: false,
    description: 'totalCount, errorCount, averageDuration, running',
  })
  @ApiResponse({ status: 200, description: '`{count, duration, fail_count, running_count}`' })
  @Action(FGS_ACTIONS.functionGetTenantMetric)
  tenantMetric(@Auth() auth: FgsAuthContext, @Query() query: QueryParams): TenantMetricDto {
    return this.metrics.tenantMetric(auth, query);
  }
}
