import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  createTestEventSchema,
  FGS_ACTIONS,
  ListTestEventsDto,
  TestEventDto,
  TestEventRefDto,
  updateTestEventSchema,
} from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { bodySchemaOf } from '../openapi/zod-openapi';
import { TestEventsService } from './test-events.service';

const EVENT_ID = { name: 'event_id', type: String, description: 'Test event id (uuid)' };

@ApiTags('Test events')
@ApiFgsAuth()
@ApiProjectParam()
@ApiFunctionUrnParam()
@Controller('v2/:project_id/fgs/functions/:function_urn/events')
export class TestEventsController {
  constructor(private readonly events: TestEventsService) {}

  @Get()
  @ApiOperation({ summary: 'List test events', description: 'All events of the function (at most 10).' })
  @ApiResponse({ status: 200, description: '`{events: [{id, name, last_modified}], next_marker, count}`' })
  @Action(FGS_ACTIONS.functionListEvents)
  list(@Auth() auth: FgsAuthContext, @Param('function_urn') urn: string): Promise<ListTestEventsDto> {
    return this.events.list(auth, urn);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a test event',
    description:
      '`name`: 1-25 of letters, digits, `_`, `-`, a letter first, a letter or digit last; `content`: Base64 of a JSON document, at most 4 KB decoded.',
  })
  @ApiBody({ schema: bodySchemaOf(createTestEventSchema) })
  @ApiResponse({ status: 200, description: '`{id, name}`' })
  @ApiResponse({
    status: 403,
    description: 'FSS.1068 (10 events), FSS.1069 (over 4 KB), FSS.1073 (name taken)',
  })
  @Action(FGS_ACTIONS.functionCreateEvent)
  create(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Body() body: unknown,
  ): Promise<TestEventRefDto> {
    return this.events.create(auth, urn, body);
  }

  @Get(':event_id')
  @ApiParam(EVENT_ID)
  @ApiOperation({ summary: 'Get a test event', description: '`content` is Base64.' })
  @ApiResponse({ status: 200, description: '`{id, name, content, last_modified}`' })
  @ApiResponse({ status: 404, description: 'FSS.1070: no such event' })
  @Action(FGS_ACTIONS.functionGetEvent)
  get(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Param('event_id') eventId: string,
  ): Promise<TestEventDto> {
    return this.events.get(auth, urn, eventId);
  }

  @Put(':event_id')
  @ApiParam(EVENT_ID)
  @ApiOperation({ summary: 'Update a test event', description: 'Replaces the content; the name stays.' })
  @ApiBody({ schema: bodySchemaOf(updateTestEventSchema) })
  @ApiResponse({ status: 200, description: '`{id, name}`' })
  @Action(FGS_ACTIONS.functionUpdateEvent)
  update(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Param('event_id') eventId: string,
    @Body() body: unknown,
  ): Promise<TestEventRefDto> {
    return this.events.update(auth, urn, eventId, body);
  }

  @Delete(':event_id')
  @HttpCode(204)
  @ApiParam(EVENT_ID)
  @ApiOperation({ summary: 'Delete a test event' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @Action(FGS_ACTIONS.functionDeleteEvent)
  remove(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Param('event_id') eventId: string,
  ): Promise<void> {
    return this.events.delete(auth, urn, eventId);
  }
}
