import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FGS_ACTIONS, FUNCTION_LOG_QUERY_LIMITS, ListFunctionLogsDto, LtsLogDetailDto } from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { QueryParams } from '../common/query-params';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { LogsService } from './logs.service';

const TIME_FORMAT = "epoch milliseconds or yyyy-MM-dd'T'HH:mm:ss UTC";

@ApiTags('Logs')
@ApiFgsAuth()
@ApiProjectParam()
@Controller('v2/:project_id/fgs/functions')
export class LogsController {
  constructor(private readonly logs: LogsService) {}

  @Get(':function_urn/lts-log-detail')
  @ApiFunctionUrnParam()
  @ApiOperation({
    summary: "The function's log group and stream",
    description:
      "Names of this platform's own log store (no LTS): one group per project, one stream per function " +
      '(`stream_id` is the function id); read it with `GET …/functions/{function_urn}/logs`.',
  })
  @ApiResponse({ status: 200, description: '`{group_name, group_id, stream_id, stream_name}`' })
  @ApiResponse({ status: 404, description: 'FSS.1051: no such function' })
  @Action(FGS_ACTIONS.functionGetLtsLogDetails)
  ltsLogDetail(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<LtsLogDetailDto> {
    return this.logs.ltsLogDetail(auth, urn);
  }

  @Post('enable-lts-logs')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Enable log reporting',
    description: 'Accepted and answered `{}`: request logs are always kept with the invocation records.',
  })
  @ApiResponse({ status: 200, description: '`{}`' })
  @Action(FGS_ACTIONS.functionEnableLtsLogs)
  enableLtsLogs(): Record<string, never> {
    return this.logs.enableLtsLogs();
  }

  @Get(':function_urn/logs')
  @ApiFunctionUrnParam()
  @ApiOperation({
    summary: "Query the function's request logs (extension)",
    description:
      'Newest first, over the time each request was recorded; a URN with a qualifier narrows to it. A `request_id` ' +
      'without bounds is looked up in all time.',
  })
  @ApiQuery({ name: 'request_id', required: false, description: 'One request' })
  @ApiQuery({
    name: 'start_time',
    required: false,
    description: `${TIME_FORMAT} (default: an hour before the end)`,
  })
  @ApiQuery({ name: 'end_time', required: false, description: `${TIME_FORMAT}, exclusive (default: now)` })
  @ApiQuery({ name: 'marker', required: false, description: 'Offset of the first record (default 0)' })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `Page size (default ${FUNCTION_LOG_QUERY_LIMITS.defaultLimit}, at most ${FUNCTION_LOG_QUERY_LIMITS.maxLimit})`,
  })
  @ApiResponse({ status: 200, description: '`{logs: [...], count, next_marker}`' })
  @ApiResponse({ status: 400, description: 'FSS.1001: bad query parameter or window' })
  @ApiResponse({ status: 404, description: 'FSS.1051: no such function' })
  @Action(FGS_ACTIONS.functionListLogs)
  list(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Query() query: QueryParams,
  ): Promise<ListFunctionLogsDto> {
    return this.logs.list(auth, urn, query);
  }
}
