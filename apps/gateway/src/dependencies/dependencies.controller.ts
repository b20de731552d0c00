import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  dependencyBodySchema,
  DependencyDto,
  DependencyVersionDetailDto,
  DependencyVersionDto,
  FGS_ACTIONS,
  ListDependenciesDto,
  ListDependencyVersionsDto,
} from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { DependenciesService } from './dependencies.service';

const DEPEND_ID = { name: 'depend_id', type: String, description: 'Dependency id (uuid)' };
const VERSION = { name: 'version', type: String, description: 'Version number (1, 2, ...)' };

@ApiTags('Dependencies')
@ApiFgsAuth()
@ApiProjectParam()
@Controller('v2/:project_id/fgs/dependencies')
export class DependenciesController {
  constructor(private readonly dependencies: DependenciesService) {}

  @Get()
  @ApiOperation({
    summary: 'List dependencies',
    description: "The project's own and the public dependencies, each with its newest version's fields.",
  })
  @ApiQuery({ name: 'marker', required: false, description: 'Offset of the first dependency (default 0)' })
  @ApiQuery({ name: 'maxitems', required: false, description: 'Page size, 1-400 (default `limit`, 400)' })
  @ApiQuery({ name: 'limit', required: false, description: 'Page size when maxitems is absent' })
  @ApiQuery({ name: 'dependency_type', required: false, description: 'public, private or all (default)' })
  @ApiQuery({ name: 'ispublic', required: false, description: 'true: public only; false: private only' })
  @ApiQuery({ name: 'runtime', required: false, description: 'Only dependencies for this runtime' })
  @ApiQuery({ name: 'name', required: false, description: 'Only names containing this text' })
  @ApiResponse({ status: 200, description: '`{dependencies, next_marker, count}`' })
  @Action(FGS_ACTIONS.dependencyList)
  list(@Auth() auth: FgsAuthContext, @Query() query: Record<string, unknown>): Promise<ListDependenciesDto> {
    return this.dependencies.list(auth, query);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a dependency',
    description: '`depend_type` zip (Base64 `depend_file`) or obs (http(s) `depend_link`); version 1.',
  })
  @ApiBody({ schema: bodySchemaOf(dependencyBodySchema) })
  @ApiResponse({ status: 200, description: 'The dependency' })
  @ApiResponse({ status: 409, description: 'FSS.1065: the project has a dependency of this name' })
  @Action(FGS_ACTIONS.dependencyCreate)
  create(@Auth() auth: FgsAuthContext, @Body() body: unknown): Promise<DependencyDto> {
    return this.dependencies.create(auth, body);
  }

  @Post('version')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a dependency version',
    description: 'The next version of the dependency named `name`, or version 1 of a new one.',
  })
  @ApiBody({ schema: bodySchemaOf(dependencyBodySchema) })
  @ApiResponse({ status: 200, description: 'The version (`id` of the version, `dep_id` of the dependency)' })
  @Action(FGS_ACTIONS.dependencyCreate)
  createVersion(@Auth() auth: FgsAuthContext, @Body() body: unknown): Promise<DependencyVersionDto> {
    return this.dependencies.createVersion(auth, body);
  }

  @Get(':depend_id')
  @ApiParam(DEPEND_ID)
  @ApiOperation({ summary: 'Get a dependency' })
  @ApiResponse({ status: 200, description: 'The dependency with its newest version' })
  @ApiResponse({ status: 404, description: 'FSS.1056: not found' })
  @Action(FGS_ACTIONS.dependencyGet)
  get(@Auth() auth: FgsAuthContext, @Param('depend_id') id: string): Promise<DependencyDto> {
    return this.dependencies.get(auth, id);
  }

  @Put(':depend_id')
  @ApiParam(DEPEND_ID)
  @ApiOperation({
    summary: 'Update a dependency',
    description: 'With a package, a new version; without one, name and description in place.',
  })
  @ApiBody({ schema: bodySchemaOf(dependencyBodySchema) })
  @ApiResponse({ status: 200, description: 'The dependency' })
  @Action(FGS_ACTIONS.dependencyUpdate)
  update(
    @Auth() auth: FgsAuthContext,
    @Param('depend_id') id: string,
    @Body() body: unknown,
  ): Promise<DependencyDto> {
    return this.dependencies.update(auth, id, body);
  }

  @Delete(':depend_id')
  @HttpCode(204)
  @ApiParam(DEPEND_ID)
  @ApiOperation({ summary: 'Delete a dependency with all its versions' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 412, description: 'FSS.1033: a function uses one of its versions' })
  @Action(FGS_ACTIONS.dependencyDelete)
  remove(@Auth() auth: FgsAuthContext, @Param('depend_id') id: string): Promise<void> {
    return this.dependencies.delete(auth, id);
  }

  @Get(':depend_id/version')
  @ApiParam(DEPEND_ID)
  @ApiOperation({ summary: 'List the versions of a dependency', description: 'Lowest version first.' })
  @ApiQuery({ name: 'marker', required: false, description: 'Offset of the first version (default 0)' })
  @ApiQuery({ name: 'maxitems', required: false, description: 'Page size, 1-400 (default 400)' })
  @ApiResponse({ status: 200, description: '`{dependencies, next_marker, count}`' })
  @Action(FGS_ACTIONS.dependencyList)
  listVersions(
    @Auth() auth: FgsAuthContext,
    @Param('depend_id') id: string,
    @Query() query: Record<string, unknown>,
  ): Promise<ListDependencyVersionsDto> {
    return this.dependencies.listVersions(auth, id, query);
  }

  @Get(':depend_id/version/:version')
  @ApiParam(DEPEND_ID)
  @ApiParam(VERSION)
  @ApiOperation({ summary: 'Get a dependency version' })
  @ApiResponse({ status: 200, description: 'The version' })
  @Action(FGS_ACTIONS.dependencyGet)
  getVersion(
    @Auth() auth: FgsAuthContext,
    @Param('depend_id') id: string,
    @Param('version') version: string,
  ): Promise<DependencyVersionDetailDto> {
    return this.dependencies.getVersion(auth, id, version);
  }

  @Delete(':depend_id/version/:version')
  @HttpCode(204)
  @ApiParam(DEPEND_ID)
  @ApiParam(VERSION)
  @ApiOperation({ summary: 'Delete a dependency version' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 412, description: 'FSS.1033: a function uses this version' })
  @Action(FGS_ACTIONS.dependencyDelete)
  removeVersion(
    @Auth() auth: FgsAuthContext,
    @Param('depend_id') id: string,
    @Param('version') version: string,
  ): Promise<void> {
    return this.dependencies.deleteVersion(auth, id, version);
  }
}
