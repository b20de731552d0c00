import { Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FGS_ACTIONS, TracingConfigDto, updateTracingSchema } from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { TracingService } from './tracing.service';

@ApiTags('Tracing')
@ApiFgsAuth()
@ApiProjectParam()
@ApiFunctionUrnParam()
@Controller('v2/:project_id/fgs/functions/:function_urn/tracing')
export class TracingController {
  constructor(private readonly tracing: TracingService) {}

  @Get()
  @ApiOperation({
    summary: 'Get the tracing configuration',
    description:
      'The APM access key; the secret key is always masked. Stored only: no tracing backend is wired.',
  })
  @ApiResponse({ status: 200, description: '`{tracing_ak, tracing_sk: "******"}`' })
  @ApiResponse({ status: 404, description: 'FSS.0404: tracing is off' })
  @Action(FGS_ACTIONS.functionGetTracing)
  get(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<TracingConfigDto> {
    return this.tracing.get(auth, urn);
  }

  @Put()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Update the tracing configuration',
    description:
      'Both keys switch tracing on or change them; both empty switch it off; the masked secret keeps the stored one.',
  })
  @ApiBody({ schema: bodySchemaOf(updateTracingSchema) })
  @ApiResponse({ status: 200, description: 'Empty body' })
  @Action(FGS_ACTIONS.functionUpdateTracing)
  update(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.tracing.update(auth, urn, body);
  }
}
