import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { createTriggerSchema, FGS_ACTIONS, TriggerDto, updateTriggerSchema } from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { TriggersService } from './triggers.service';

function ApiTriggerParams(): MethodDecorator {
  return applyDecorators(
    ApiParam({ name: 'trigger_type_code', type: String, description: 'Trigger type, e.g. TIMER' }),
    ApiParam({ name: 'trigger_id', type: String, description: 'Trigger id (uuid)' }),
  );
}

@ApiTags('Triggers')
@ApiFgsAuth()
@ApiProjectParam()
@ApiFunctionUrnParam()
@Controller('v2/:project_id/fgs/triggers/:function_urn')
export class TriggersController {
  constructor(private readonly triggers: TriggersService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a trigger',
    description:
      'TIMER, APIG, DEDICATEDGATEWAY, APIC, DIS, DMS, RABBITMQ, OBS, EVENTGRID, SMN, CTS and LTS; other types answer ' +
      'FSS.1101. ' +
      'Invalid event_data answers the type code (FSS.1109 timer, FSS.1107 APIG, FSS.1104 DIS, FSS.1103 ' +
      'DMS/RABBITMQ, FSS.1106 OBS, FSS.0400 EVENTGRID); an OBS filter overlapping another OBS trigger of the ' +
      'bucket answers 403 FSS.1108.',
  })
  @ApiBody({ schema: bodySchemaOf(createTriggerSchema) })
  @ApiResponse({ status: 201, description: 'The trigger' })
  @ApiResponse({
    status: 409,
    description:
      'The type duplicate code: FSS.1148 timer, FSS.1146/FSS.1147 APIG, FSS.1143 DIS, FSS.1142 DMS, ' +
      'FSS.1145 OBS, FSS.0409 EVENTGRID',
  })
  @Action(FGS_ACTIONS.triggerCreate)
  create(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<TriggerDto> {
    return this.triggers.create(auth, urn, body);
  }

  @Get()
  @ApiOperation({ summary: 'List the triggers of a function' })
  @ApiResponse({ status: 200, description: 'A bare array of triggers' })
  @Action(FGS_ACTIONS.triggerListSpecifiedFunctionTriggers)
  list(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<TriggerDto[]> {
    return this.triggers.list(auth, urn);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete every trigger of a function' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @Action(FGS_ACTIONS.triggerDeleteSpecifiedFunctionTriggers)
  removeAll(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<void> {
    return this.triggers.deleteAll(auth, urn);
  }

  @Get(':trigger_type_code/:trigger_id')
  @ApiTriggerParams()
  @ApiOperation({ summary: 'Get a trigger' })
  @ApiResponse({ status: 200, description: 'The trigger' })
  @ApiResponse({ status: 404, description: 'The type not-found code (FSS.1140 timer, FSS.1138 APIG, ...)' })
  @Action(FGS_ACTIONS.triggerGet)
  get(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Param('trigger_type_code') typeCode: string,
    @Param('trigger_id') triggerId: string,
  ): Promise<TriggerDto> {
    return this.triggers.get(auth, urn, typeCode, triggerId);
  }

  @Put(':trigger_type_code/:trigger_id')
  @ApiTriggerParams()
  @ApiOperation({
    summary: 'Update a trigger',
    description:
      'Enable/disable with `trigger_status` (re-applying the current status is FSS.1153, 412); `event_data` ' +
      'replaces (object) or is merged (the SDK array of partial objects).',
  })
  @ApiBody({ schema: bodySchemaOf(updateTriggerSchema) })
  @ApiResponse({ status: 200, description: 'The updated trigger' })
  @Action(FGS_ACTIONS.triggerUpdate)
  update(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Param('trigger_type_code') typeCode: string,
    @Param('trigger_id') triggerId: string,
    @Body() body: unknown,
  ): Promise<TriggerDto> {
    return this.triggers.update(auth, urn, typeCode, triggerId, body);
  }

  @Delete(':trigger_type_code/:trigger_id')
  @HttpCode(204)
  @ApiTriggerParams()
  @ApiOperation({ summary: 'Delete a trigger' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @Action(FGS_ACTIONS.triggerDelete)
  remove(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Param('trigger_type_code') typeCode: string,
    @Param('trigger_id') triggerId: string,
  ): Promise<void> {
    return this.triggers.delete(auth, urn, typeCode, triggerId);
  }
}
