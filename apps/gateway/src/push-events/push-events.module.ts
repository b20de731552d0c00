import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuthzModule } from '../authz/authz.module';
import { FunctionsModule } from '../functions/functions.module';
import { PushAuthService } from './push-auth.service';
import { PushDeliveryService } from './push-delivery.service';
import { PushMetrics } from './push.metrics';

/** What the push endpoints (OBS notifications, EVENTGRID CloudEvents) share: authentication and delivery. */
@Module({
  imports: [FunctionsModule, AuthModule, AuthzModule],
  providers: [PushAuthService, PushDeliveryService, PushMetrics],
  exports: [PushAuthService, PushDeliveryService, PushMetrics],
})
export class PushEventsModule {}
