import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';
import { FgsRequest } from '../common/fgs-request';
import { ObsEventsService, ObsNotificationReport } from './obs-events.service';

/**
 * The bucket-notification webhook of a project's OBS triggers: `POST /obs-events/{project_id}` with an S3 event body.
 * Authenticated by the service (push token or IAM), so the route is public to the global guards.
 */
@ApiExcludeController()
@Public()
@Controller()
export class ObsEventsController {
  constructor(private readonly obs: ObsEventsService) {}

  @Post('obs-events/:project_id')
  @HttpCode(200)
  notify(@Req() req: FgsRequest, @Param('project_id') projectId: string): Promise<ObsNotificationReport> {
    return this.obs.notify(projectId, req);
  }
}
