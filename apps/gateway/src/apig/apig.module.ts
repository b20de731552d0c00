import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuthzModule } from '../authz/authz.module';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionsModule } from '../functions/functions.module';
import { ApigEventsListener } from './apig-events.listener';
import { ApigRouteLoader } from './apig-route.loader';
import { ApigRouteTable } from './apig-route.table';
import { ApigTriggerHooks } from './apig-trigger.hooks';
import { ApigController } from './apig.controller';
import { ApigService } from './apig.service';

/** APIG, DEDICATEDGATEWAY and APIC triggers: their trigger-API rules and the gateway serving their APIs. */
@Module({
  imports: [FunctionsModule, AuthModule, AuthzModule],
  controllers: [ApigController, ApigEventsListener],
  providers: [
    ApigRouteLoader,
    {
      provide: ApigRouteTable,
      inject: [ApigRouteLoader, GATEWAY_CONFIG],
      useFactory: (loader: ApigRouteLoader, config: GatewayConfig): ApigRouteTable =>
        new ApigRouteTable((projectId) => loader.load(projectId), config.apig.routeCacheTtlMs),
    },
    ApigTriggerHooks,
    ApigService,
  ],
  exports: [ApigTriggerHooks],
})
export class ApigModule {}
