import { Module } from '@nestjs/common';
import { PushEventsModule } from '../push-events/push-events.module';
import { ObsEventsController } from './obs-events.controller';
import { ObsEventsService } from './obs-events.service';
import { ObsTriggerHooks } from './obs-trigger.hooks';

/** OBS triggers: their trigger-API rules and the endpoint bucket notifications are pushed to. */
@Module({
  imports: [PushEventsModule],
  controllers: [ObsEventsController],
  providers: [ObsEventsService, ObsTriggerHooks],
  exports: [ObsTriggerHooks],
})
export class ObsEventsModule {}
