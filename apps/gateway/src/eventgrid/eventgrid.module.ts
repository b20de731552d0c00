import { Module } from '@nestjs/common';
import { PushEventsModule } from '../push-events/push-events.module';
import { EventgridController } from './eventgrid.controller';
import { EventgridTriggerHooks } from './eventgrid-trigger.hooks';
import { EventgridService } from './eventgrid.service';

/** EVENTGRID triggers: their answered endpoint and the CloudEvents ingestion endpoint. */
@Module({
  imports: [PushEventsModule],
  controllers: [EventgridController],
  providers: [EventgridService, EventgridTriggerHooks],
  exports: [EventgridTriggerHooks],
})
export class EventgridModule {}
