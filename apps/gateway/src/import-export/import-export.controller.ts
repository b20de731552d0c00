import { Body, Controller, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FGS_ACTIONS, FunctionConfigDto, importFunctionSchema } from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { ImportExportService } from './import-export.service';

@ApiTags('Import and export')
@ApiFgsAuth()
@ApiProjectParam()
@Controller('v2/:project_id/fgs/functions')
export class ImportExportController {
  constructor(private readonly archives: ImportExportService) {}

  @Get(':function_urn/export')
  @ApiFunctionUrnParam()
  @ApiOperation({
    summary: 'Export a function',
    description:
      'A zip (`application/zip`) holding `<func_name>.yaml` (the configuration, JSON-style YAML) and/or `<func_name>.zip` (the code package). Only `latest` exports.',
  })
  @ApiQuery({ name: 'config', required: false, description: 'true: include the configuration' })
  @ApiQuery({ name: 'code', required: false, description: 'true: include the code package' })
  @ApiQuery({ name: 'type', required: false, description: '`code` or `config`, instead of the two flags' })
  @ApiProduces('application/zip')
  @ApiResponse({ status: 200, description: 'The archive' })
  @ApiResponse({ status: 404, description: 'FSS.1051: no such function' })
  @Action(FGS_ACTIONS.functionExport)
  async export(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Query() query: Record<string, unknown>,
  ): Promise<StreamableFile> {
    const exported = await this.archives.export(auth, urn, query);
    return new StreamableFile(exported.data, {
      type: 'application/zip',
      disposition: `attachment; filename="${exported.fileName}"`,
      length: exported.data.length,
    });
  }

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import a function',
    description:
      '`file_code`: Base64 of an archive as export writes it; creates `func_name` in `package` (default: the archived package, then `default`).',
  })
  @ApiBody({ schema: bodySchemaOf(importFunctionSchema) })
  @ApiResponse({ status: 200, description: 'The created function' })
  @ApiResponse({ status: 409, description: 'FSS.1061: the function already exists' })
  @Action(FGS_ACTIONS.functionImport)
  import(@Auth() auth: FgsAuthContext, @Body() body: unknown): Promise<FunctionConfigDto> {
    return this.archives.import(auth, body);
  }
}
