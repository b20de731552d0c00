import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AliasDto, createAliasSchema, FGS_ACTIONS, updateAliasSchema } from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { AliasesService } from './aliases.service';

const ROUTING =
  'At most one additional (published) version: `additional_version_weights` {version: 0-100 percent} or ' +
  '`additional_version_strategy` {version: {rules: [{rule_type: header|cookie, param, op: "="|in, value}], ' +
  'combine_type: and|or}}; a matching rule wins, else the weighted draw, else the main version.';

@ApiTags('Versions and aliases')
@ApiFgsAuth()
@ApiProjectParam()
@ApiFunctionUrnParam()
@Controller('v2/:project_id/fgs/functions/:function_urn/aliases')
export class AliasesController {
  constructor(private readonly aliases: AliasesService) {}

  @Get()
  @ApiOperation({ summary: 'List aliases', description: 'A bare JSON array of alias objects.' })
  @ApiResponse({ status: 200, description: 'The aliases, oldest first' })
  @Action(FGS_ACTIONS.functionListAlias)
  list(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<AliasDto[]> {
    return this.aliases.list(auth, urn);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Create an alias', description: ROUTING })
  @ApiBody({ schema: bodySchemaOf(createAliasSchema) })
  @ApiResponse({ status: 200, description: 'The alias' })
  @ApiResponse({ status: 400, description: 'FSS.1014 bad name; FSS.1091/1092/1093 bad additional versions' })
  @ApiResponse({ status: 403, description: 'FSS.1043: the function has 10 aliases' })
  @ApiResponse({ status: 409, description: 'FSS.1063: the alias exists; FSS.1066: the version has an alias' })
  @Action(FGS_ACTIONS.functionCreateAlias)
  create(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<AliasDto> {
    return this.aliases.create(auth, urn, body);
  }

  @Get(':alias_name')
  @ApiParam({ name: 'alias_name', type: String })
  @ApiOperation({ summary: 'Get an alias' })
  @ApiResponse({ status: 200, description: 'The alias' })
  @ApiResponse({ status: 404, description: 'FSS.1053: no such alias' })
  @Action(FGS_ACTIONS.functionGetAlias)
  get(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Param('alias_name') name: string,
  ): Promise<AliasDto> {
    return this.aliases.get(auth, urn, name);
  }

  @Put(':alias_name')
  @ApiParam({ name: 'alias_name', type: String })
  @ApiOperation({ summary: 'Update an alias', description: `Replaces version and routing. ${ROUTING}` })
  @ApiBody({ schema: bodySchemaOf(updateAliasSchema) })
  @ApiResponse({ status: 200, description: 'The alias' })
  @ApiResponse({ status: 404, description: 'FSS.1053: no such alias' })
  @Action(FGS_ACTIONS.functionUpdateAliases)
  update(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Param('alias_name') name: string,
    @Body() body: unknown,
  ): Promise<AliasDto> {
    return this.aliases.update(auth, urn, name, body);
  }

  @Delete(':alias_name')
  @HttpCode(204)
  @ApiParam({ name: 'alias_name', type: String })
  @ApiOperation({ summary: 'Delete an alias', description: 'Refused while triggers are bound to it.' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 403, description: 'FSS.1154: the alias has triggers' })
  @ApiResponse({ status: 404, description: 'FSS.1053: no such alias' })
  @Action(FGS_ACTIONS.functionDeleteAlias)
  remove(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Param('alias_name') name: string,
  ): Promise<void> {
    return this.aliases.delete(auth, urn, name);
  }
}
