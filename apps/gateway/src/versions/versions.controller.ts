import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FGS_ACTIONS, FunctionConfigDto, ListVersionsDto, publishVersionSchema } from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { VersionsService } from './versions.service';

@ApiTags('Versions and aliases')
@ApiFgsAuth()
@ApiProjectParam()
@ApiFunctionUrnParam()
@Controller('v2/:project_id/fgs/functions/:function_urn')
export class VersionsController {
  constructor(private readonly versions: VersionsService) {}

  @Post('versions')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish a version',
    description:
      "An immutable copy of latest's code and configuration. `version` defaults to `vYYYYMMDD-HHMMSS` (UTC); " +
      "`digest`, when given, must be latest's code digest.",
  })
  @ApiBody({ schema: bodySchemaOf(publishVersionSchema) })
  @ApiResponse({ status: 200, description: 'The function object of the new version' })
  @ApiResponse({
    status: 400,
    description: 'FSS.1015: bad name; FSS.1016: nothing changed since the last publish',
  })
  @ApiResponse({ status: 409, description: 'FSS.1062: the version exists' })
  @ApiResponse({ status: 428, description: "FSS.0428: `digest` is not latest's code digest" })
  @Action(FGS_ACTIONS.functionCreateVersion)
  publish(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<FunctionConfigDto> {
    return this.versions.publish(auth, urn, body);
  }

  @Get('versions')
  @ApiOperation({
    summary: 'List versions',
    description:
      '`latest` first, then the published versions oldest first; `next_marker` = `count` at the end.',
  })
  @ApiQuery({ name: 'marker', required: false, description: 'Offset of the first item (default 0)' })
  @ApiQuery({ name: 'maxitems', required: false, description: 'Page size, 1-400 (default 400)' })
  @ApiResponse({ status: 200, description: '`{versions, next_marker, count}`' })
  @Action(FGS_ACTIONS.functionListVersion)
  list(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Query() query: Record<string, unknown>,
  ): Promise<ListVersionsDto> {
    return this.versions.list(auth, urn, query);
  }
}
