import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  AsyncInvokeConfigDto,
  cancelAsyncInvocationSchema,
  FGS_ACTIONS,
  ListAsyncInvocationsDto,
  ListAsyncInvokeConfigsDto,
  updateAsyncInvokeConfigSchema,
} from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { AsyncInvocationsService } from './async-invocations.service';
import { AsyncInvokeConfigService } from './async-invoke-config.service';

const LIST_QUERIES = [
  { name: 'marker', description: 'Offset of the first request (default 0)' },
  { name: 'limit', description: 'Page size (default 100, at most 500)' },
  { name: 'status', description: 'WAIT, RUNNING, SUCCESS, FAIL or DISCARD (default: all)' },
  { name: 'query_begin_time', description: "yyyy-MM-dd'T'HH:mm:ss UTC (default: one hour before the end)" },
  { name: 'query_end_time', description: "yyyy-MM-dd'T'HH:mm:ss UTC (default: now)" },
];

function ApiListQueries(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const q of LIST_QUERIES) ApiQuery({ ...q, required: false })(target, key, descriptor);
  };
}

@ApiTags('Async notification')
@ApiFgsAuth()
@ApiProjectParam()
@ApiFunctionUrnParam()
@Controller('v2/:project_id/fgs/functions/:function_urn')
export class AsyncInvocationsController {
  constructor(
    private readonly configs: AsyncInvokeConfigService,
    private readonly invocations: AsyncInvocationsService,
  ) {}

  @Get('async-invoke-config')
  @ApiOperation({ summary: "Get the async notification config of the URN's qualifier" })
  @ApiResponse({ status: 200, description: 'The async config' })
  @ApiResponse({ status: 404, description: 'FSS.0404: no config; FSS.1051/1052/1053: no such function' })
  @Action(FGS_ACTIONS.functionGetAsyncInvokeConfig)
  get(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<AsyncInvokeConfigDto> {
    return this.configs.get(auth, urn);
  }

  @Put('async-invoke-config')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put the async notification config',
    description:
      'Replaces the config of the qualifier; omitted fields take their defaults (3600 s, 1 retry). Destinations: ' +
      'FunctionGraph, DIS, OBS, SMN and the WEBHOOK extension, each with its `param` JSON string.',
  })
  @ApiBody({ schema: bodySchemaOf(updateAsyncInvokeConfigSchema) })
  @ApiResponse({ status: 200, description: 'The stored config' })
  @ApiResponse({ status: 400, description: 'FSS.0400: a field out of range or a bad destination' })
  @Action(FGS_ACTIONS.functionUpdateAsyncInvokeConfig)
  put(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<AsyncInvokeConfigDto> {
    return this.configs.put(auth, urn, body);
  }

  @Delete('async-invoke-config')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the async notification config' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 404, description: 'FSS.0404: no config' })
  @Action(FGS_ACTIONS.functionDeleteAsyncInvokeConfig)
  remove(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<void> {
    return this.configs.delete(auth, urn);
  }

  @Get('async-invoke-configs')
  @ApiOperation({ summary: 'List the async notification configs of every qualifier of the function' })
  @ApiQuery({ name: 'marker', required: false, description: 'Offset (default 0)' })
  @ApiQuery({ name: 'limit', required: false, description: 'Page size: unset or 0 → 10, above 100 → 100' })
  @ApiResponse({ status: 200, description: '`{async_invoke_configs, count, page_info}`' })
  @Action(FGS_ACTIONS.functionListAsyncInvokeConfig)
  list(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Query() query: Record<string, unknown>,
  ): Promise<ListAsyncInvokeConfigsDto> {
    return this.configs.list(auth, urn, query);
  }

  @Get('async-invocations')
  @ApiOperation({ summary: 'List the async requests of the function, newest first' })
  @ApiQuery({ name: 'request_id', required: false, description: 'Only this request' })
  @ApiListQueries()
  @ApiResponse({ status: 200, description: '`{invocations, count, next_marker}`' })
  @Action(FGS_ACTIONS.functionListAsyncInvocations)
  listInvocations(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Query() query: Record<string, unknown>,
  ): Promise<ListAsyncInvocationsDto> {
    return this.invocations.list(auth, urn, query);
  }

  @Get('active-async-invocations')
  @ApiOperation({ summary: 'List the async requests of the function that have not ended (WAIT, RUNNING)' })
  @ApiQuery({ name: 'requests', required: false, description: 'Up to 10 comma-separated request ids' })
  @ApiListQueries()
  @ApiResponse({ status: 200, description: '`{invocations, count, next_marker}`' })
  @Action(FGS_ACTIONS.functionListAsyncInvocations)
  listActiveInvocations(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Query() query: Record<string, unknown>,
  ): Promise<ListAsyncInvocationsDto> {
    return this.invocations.list(auth, urn, query, true);
  }

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stop an async request',
    description:
      'A WAIT or RUNNING request ends as DISCARD ("function invocated canceled"); a RUNNING one is also aborted ' +
      'on its invoker. Answers 200 with an empty body.',
  })
  @ApiBody({ schema: bodySchemaOf(cancelAsyncInvocationSchema) })
  @ApiResponse({ status: 200, description: 'Stopped' })
  @ApiResponse({ status: 400, description: 'FSS.0400 Invalid RequestId: unknown or already ended' })
  @Action(FGS_ACTIONS.functionCancelAsyncInvocation)
  cancel(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.invocations.cancel(auth, urn, body);
  }
}
