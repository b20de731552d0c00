import { Module } from '@nestjs/common';
import { ApigModule } from '../apig/apig.module';
import { ApigTriggerHooks } from '../apig/apig-trigger.hooks';
import { EventgridModule } from '../eventgrid/eventgrid.module';
import { EventgridTriggerHooks } from '../eventgrid/eventgrid-trigger.hooks';
import { FunctionsModule } from '../functions/functions.module';
import { ObsEventsModule } from '../obs-events/obs-events.module';
import { ObsTriggerHooks } from '../obs-events/obs-trigger.hooks';
import { SourceTriggerHooks } from './source-trigger.hooks';
import { TRIGGER_TYPE_HOOKS, TriggerTypeHooks } from './trigger-type.hooks';
import { TriggersController } from './triggers.controller';
import { TriggersService } from './triggers.service';

@Module({
  imports: [FunctionsModule, ApigModule, ObsEventsModule, EventgridModule],
  controllers: [TriggersController],
  providers: [
    {
      provide: TRIGGER_TYPE_HOOKS,
      inject: [ApigTriggerHooks, ObsTriggerHooks, EventgridTriggerHooks, SourceTriggerHooks],
      useFactory: (...hooks: TriggerTypeHooks[]): TriggerTypeHooks[] => hooks,
    },
    SourceTriggerHooks,
    TriggersService,
  ],
})
export class TriggersModule {}
