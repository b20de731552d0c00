import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';
import { FgsRequest } from '../common/fgs-request';
import { EventgridPublishReport, EventgridService } from './eventgrid.service';

/**
 * The CloudEvents ingestion endpoint of a project's EVENTGRID triggers: `POST /eventgrid/{project_id}/{channel_name}`
 * in structured, batch or binary mode. Authenticated by the service (push token or IAM), so public to the guards.
 */
@ApiExcludeController()
@Public()
@Controller()
export class EventgridController {
  constructor(private readonly eventgrid: EventgridService) {}

  @Post('eventgrid/:project_id/:channel_name')
  @HttpCode(200)
  publish(
    @Req() req: FgsRequest,
    @Param('project_id') projectId: string,
    @Param('channel_name') channel: string,
  ): Promise<EventgridPublishReport> {
    return this.eventgrid.publish(
      projectId,
      channel,
      { headers: req.headers, body: req.body as unknown, rawBody: req.rawBody ?? Buffer.alloc(0) },
      req,
    );
  }
}
