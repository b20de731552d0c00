import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  createFunctionSchema,
  FGS_ACTIONS,
  FunctionCodeDto,
  FunctionConfigDto,
  ListFunctionsDto,
  updateFunctionCodeSchema,
  updateFunctionConfigSchema,
} from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { FunctionsService } from './functions.service';

@ApiTags('Functions')
@ApiFgsAuth()
@ApiProjectParam()
@Controller('v2/:project_id/fgs/functions')
export class FunctionsController {
  constructor(private readonly functions: FunctionsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a function',
    description: 'Returns the function object with a `:latest` URN.',
  })
  @ApiBody({ schema: bodySchemaOf(createFunctionSchema) })
  @ApiResponse({ status: 200, description: 'The created function' })
  @ApiResponse({ status: 409, description: 'FSS.1061: the function already exists' })
  @Action(FGS_ACTIONS.functionCreate)
  create(@Auth() auth: FgsAuthContext, @Body() body: unknown): Promise<FunctionConfigDto> {
    return this.functions.create(auth, body);
  }

  @Get()
  @ApiOperation({
    summary: 'List functions',
    description: '`next_marker` equal to `count` means there are no more pages.',
  })
  @ApiQuery({ name: 'marker', required: false, description: 'Offset of the first function (default 0)' })
  @ApiQuery({ name: 'maxitems', required: false, description: 'Page size, 1-400 (default 400)' })
  @ApiQuery({ name: 'package_name', required: false, description: 'Only functions of this package' })
  @ApiQuery({ name: 'func_name', required: false, description: 'Only functions with this name' })
  @ApiResponse({ status: 200, description: '`{functions, next_marker, count}`' })
  @Action(FGS_ACTIONS.functionList)
  list(@Auth() auth: FgsAuthContext, @Query() query: Record<string, unknown>): Promise<ListFunctionsDto> {
    return this.functions.list(auth, query);
  }

  @Get(':function_urn/config')
  @ApiFunctionUrnParam()
  @ApiOperation({ summary: 'Get function metadata' })
  @ApiResponse({ status: 200, description: 'The function object' })
  @ApiResponse({ status: 404, description: 'FSS.1051: function not found' })
  @Action(FGS_ACTIONS.functionGetConfig)
  getConfig(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<FunctionConfigDto> {
    return this.functions.getConfig(auth, urn);
  }

  @Put(':function_urn/config')
  @ApiFunctionUrnParam()
  @ApiOperation({
    summary: 'Update function metadata',
    description: 'Omitted optional fields keep their value; `func_name` must be the current name.',
  })
  @ApiBody({ schema: bodySchemaOf(updateFunctionConfigSchema) })
  @ApiResponse({ status: 200, description: 'The updated function object' })
  @Action(FGS_ACTIONS.functionUpdateConfig)
  updateConfig(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<FunctionConfigDto> {
    return this.functions.updateConfig(auth, urn, body);
  }

  @Get(':function_urn/code')
  @ApiFunctionUrnParam()
  @ApiOperation({
    summary: 'Get function code metadata',
    description: '`func_code` is returned empty; the package is never echoed.',
  })
  @ApiResponse({ status: 200, description: 'Code metadata' })
  @Action(FGS_ACTIONS.functionGetCode)
  getCode(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<FunctionCodeDto> {
    return this.functions.getCode(auth, urn);
  }

  @Put(':function_urn/code')
  @ApiFunctionUrnParam()
  @ApiOperation({
    summary: 'Update function code',
    description: '`code_type` inline, zip, jar (Base64 in `func_code.file`) or obs (`code_url`).',
  })
  @ApiBody({ schema: bodySchemaOf(updateFunctionCodeSchema) })
  @ApiResponse({ status: 200, description: 'Code metadata after the update' })
  @Action(FGS_ACTIONS.functionUpdateCode)
  updateCode(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<FunctionCodeDto> {
    return this.functions.updateCode(auth, urn, body);
  }

  @Delete(':function_urn')
  @HttpCode(204)
  @ApiFunctionUrnParam()
  @ApiOperation({
    summary: 'Delete a function',
    description:
      'Deletes the function and its triggers (unqualified or `:latest` URN); versions and aliases do not exist yet.',
  })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @Action(FGS_ACTIONS.functionDelete)
  remove(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<void> {
    return this.functions.delete(auth, urn);
  }
}
