import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  FGS_ACTIONS,
  FunctionTagsDto,
  ProjectTagsDto,
  resourceInstanceQuerySchema,
  ResourceInstancesDto,
  updateTagsSchema,
} from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { TagsService } from './tags.service';

const RESOURCE_ID = {
  name: 'resource_id',
  type: String,
  description: 'The function id (`func_id`); a function URN is accepted too',
};

/** `{resource_type}` is a literal `functions`, the only type FunctionGraph tags; other types find no route. */
@ApiTags('Tags')
@ApiFgsAuth()
@ApiProjectParam()
@Controller('v2/:project_id/functions')
export class TagsController {
  constructor(private readonly tags: TagsService) {}

  @Get('tags')
  @ApiOperation({ summary: "List the project's tags", description: 'Every key in use with its values.' })
  @ApiResponse({ status: 200, description: '`{tags: [{key, values}], sys_tags: []}`' })
  @Action(FGS_ACTIONS.functionListProjectTags)
  projectTags(@Auth() auth: FgsAuthContext): Promise<ProjectTagsDto> {
    return this.tags.projectTags(auth);
  }

  @Post('resource-instances/:action')
  @HttpCode(200)
  @ApiParam({ name: 'action', type: String, description: '`filter` (a page of functions) or `count`' })
  @ApiOperation({
    summary: 'Query functions by tag',
    description:
      '`tags` ([{key, values}]), `matches` ([{key, value}]: `resource_name` matches the name, other keys are tags), `without_any_tag`, `sys_tags` (`_sys_enterprise_project_id`), `limit` 1-1000, `offset`.',
  })
  @ApiBody({ schema: bodySchemaOf(resourceInstanceQuerySchema) })
  @ApiResponse({ status: 200, description: '`{resources, total_count}` or `{total_count}`' })
  @Action(FGS_ACTIONS.functionListResourceInstances)
  queryResources(
    @Auth() auth: FgsAuthContext,
    @Param('action') action: string,
    @Body() body: unknown,
  ): Promise<ResourceInstancesDto> {
    return this.tags.queryResources(auth, action, body);
  }

  @Get(':resource_id/tags')
  @ApiParam(RESOURCE_ID)
  @ApiOperation({ summary: "List a function's tags" })
  @ApiResponse({ status: 200, description: '`{tags: [{key, value}], sys_tags}`' })
  @ApiResponse({ status: 404, description: 'FSS.1051: no such function' })
  @Action(FGS_ACTIONS.functionListTags)
  list(@Auth() auth: FgsAuthContext, @Param('resource_id') resourceId: string): Promise<FunctionTagsDto> {
    return this.tags.list(auth, resourceId);
  }

  @Post(':resource_id/tags/create')
  @HttpCode(204)
  @ApiParam(RESOURCE_ID)
  @ApiOperation({
    summary: 'Tag a function',
    description:
      'At most 20 tags per function; key 1-128, value 0-255 characters; an existing key takes the new value.',
  })
  @ApiBody({ schema: bodySchemaOf(updateTagsSchema) })
  @ApiResponse({ status: 204, description: 'Tagged' })
  @Action(FGS_ACTIONS.functionCreateTags)
  create(
    @Auth() auth: FgsAuthContext,
    @Param('resource_id') resourceId: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.tags.create(auth, resourceId, body);
  }

  @Delete(':resource_id/tags/delete')
  @HttpCode(204)
  @ApiParam(RESOURCE_ID)
  @ApiOperation({ summary: 'Remove tags from a function', description: 'By key; missing keys are ignored.' })
  @ApiBody({ schema: bodySchemaOf(updateTagsSchema) })
  @ApiResponse({ status: 204, description: 'Removed' })
  @Action(FGS_ACTIONS.functionDeleteTags)
  remove(
    @Auth() auth: FgsAuthContext,
    @Param('resource_id') resourceId: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.tags.delete(auth, resourceId, body);
  }
}
