import { applyDecorators, Body, Controller, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  FGS_ACTIONS,
  FunctionConfigDto,
  FuncReservedInstanceMetricsDto,
  ListFunctionReservedInstancesDto,
  ListReservedInstanceConfigsDto,
  RESERVED_INSTANCES_MAX,
  ReservedInstancesDto,
  updateMaxInstanceSchema,
  updateReservedInstancesSchema,
} from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { ReservedInstancesService } from './reserved-instances.service';
import { RESERVED_LIST_MAX_LIMIT } from './reserved-list.query';

function ApiPaging(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'marker', required: false, description: 'Offset of the first item (default 0)' }),
    ApiQuery({
      name: 'limit',
      required: false,
      description: `Page size, 1-${RESERVED_LIST_MAX_LIMIT} (default 100)`,
    }),
  );
}

@ApiTags('Reserved instances')
@ApiFgsAuth()
@ApiProjectParam()
@Controller('v2/:project_id/fgs/functions')
export class ReservedInstancesController {
  constructor(private readonly reserved: ReservedInstancesService) {}

  @Put(':function_urn/reservedinstances')
  @HttpCode(200)
  @ApiFunctionUrnParam()
  @ApiOperation({
    summary: 'Change the number of reserved instances',
    description:
      `Instances of the URN's qualifier (\`latest\` by default) kept warm across the invokers. Above ` +
      `${RESERVED_INSTANCES_MAX} or the function's max instances: FSS.1076.`,
  })
  @ApiBody({ schema: bodySchemaOf(updateReservedInstancesSchema) })
  @ApiResponse({ status: 200, description: '`{count, idle_mode, tactics_config}`' })
  @ApiResponse({ status: 400, description: 'FSS.0400: invalid body; FSS.1076: count above the maximum' })
  @ApiResponse({ status: 404, description: 'FSS.1051: no such function' })
  @Action(FGS_ACTIONS.functionUpdateReservedInstances)
  update(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<ReservedInstancesDto> {
    return this.reserved.update(auth, urn, body);
  }

  @Get('reservedinstances')
  @ApiPaging()
  @ApiQuery({ name: 'urn', required: false, description: 'Only this function (and qualifier, when given)' })
  @ApiOperation({ summary: 'List reserved instance counts per function qualifier' })
  @ApiResponse({ status: 200, description: '`{reservedinstances, page_info, count}`' })
  @Action(FGS_ACTIONS.functionListReservedInstances)
  list(
    @Auth() auth: FgsAuthContext,
    @Query() query: Record<string, unknown>,
  ): Promise<ListFunctionReservedInstancesDto> {
    return this.reserved.listReservedInstances(auth, query);
  }

  @Get('reservedinstanceconfigs')
  @ApiPaging()
  @ApiQuery({
    name: 'function_urn',
    required: false,
    description: 'Only this function (and qualifier, when given)',
  })
  @ApiOperation({ summary: 'List reserved instance configurations with their policies' })
  @ApiResponse({ status: 200, description: '`{reserved_instances, page_info, count}`' })
  @Action(FGS_ACTIONS.functionListReservedInstanceConfigs)
  listConfigs(
    @Auth() auth: FgsAuthContext,
    @Query() query: Record<string, unknown>,
  ): Promise<ListReservedInstanceConfigsDto> {
    return this.reserved.listConfigs(auth, query);
  }

  @Get(':func_urn/instancereports')
  @ApiParam({ name: 'func_urn', type: String, description: 'Function URN' })
  @ApiOperation({
    summary: 'Live instance figures',
    description: 'Instances and reserved instances of the function on the running invokers, one point each.',
  })
  @ApiResponse({ status: 200, description: '`{instanceNum, reservedInstanceNum}`' })
  @ApiResponse({ status: 404, description: 'FSS.1051: no such function' })
  @Action(FGS_ACTIONS.functionGetInstanceReports)
  report(
    @Auth() auth: FgsAuthContext,
    @Param('func_urn') urn: string,
  ): Promise<FuncReservedInstanceMetricsDto> {
    return this.reserved.instanceReport(auth, urn);
  }

  @Put(':function_urn/config-max-instance')
  @HttpCode(200)
  @ApiFunctionUrnParam()
  @ApiOperation({
    summary: 'Update max instances',
    description: '-1 unlimited, 0 disabled, up to 1000; below the reserved instances: FSS.1076.',
  })
  @ApiBody({ schema: bodySchemaOf(updateMaxInstanceSchema) })
  @ApiResponse({ status: 200, description: 'The function object' })
  @Action(FGS_ACTIONS.functionUpdateMaxInstanceConfig)
  updateMaxInstances(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<FunctionConfigDto> {
    return this.reserved.updateMaxInstances(auth, urn, body);
  }
}
