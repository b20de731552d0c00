import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DataAccessModule } from '@ofg/data-access';
import { ObservabilityModule } from '@ofg/observability';
import { QueueModule } from '@ofg/queue';
import { AuthModule } from './auth/auth.module';
import { FgsAuthGuard } from './auth/fgs-auth.guard';
import { AuthzModule } from './authz/authz.module';
import { PermissionGuard } from './authz/permission.guard';
import { GatewayConfigModule } from './config/gateway-config.module';
import { GatewayConfig } from './config/gateway.config';
import { ControlModule } from './control/control.module';
import { FunctionsModule } from './functions/functions.module';
import { DependenciesModule } from './dependencies/dependencies.module';
import { HealthModule } from './health/health.module';
import { IamAdminModule } from './iam/iam-admin.module';
import { IamModule } from './iam/iam.module';
import { InvocationsModule } from './invocations/invocations.module';
import { TriggersModule } from './triggers/triggers.module';
import { ApigModule } from './apig/apig.module';
import { AuditModule } from './audit/audit.module';
import { EventgridModule } from './eventgrid/eventgrid.module';
import { ObsEventsModule } from './obs-events/obs-events.module';
import { AsyncInvocationsModule } from './async-invocations/async-invocations.module';
import { ReservedInstancesModule } from './reserved-instances/reserved-instances.module';
import { VersionsModule } from './versions/versions.module';
import { AliasesModule } from './aliases/aliases.module';
import { TestEventsModule } from './test-events/test-events.module';
import { TracingModule } from './tracing/tracing.module';
import { TagsModule } from './tags/tags.module';
import { ImportExportModule } from './import-export/import-export.module';
import { QuotasModule } from './quotas/quotas.module';
import { MetricsModule } from './metrics/metrics.module';
import { LogsModule } from './logs/logs.module';

/** Composition root of the gateway: infrastructure modules, authentication, then the API features. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        ObservabilityModule.forRoot('gateway'),
        DataAccessModule.forRoot(config.databaseUrl),
        QueueModule.forRoot({
          redisUrl: config.redisUrl,
          region: config.region,
          syncQueueWaitMs: config.syncQueueWaitMs,
          syncDispatch: config.syncDispatch,
        }),
        ControlModule.forRoot(config.redisUrl),
        // First of the routes: Express tries routes in registration order, and invocations are the hot path.
        InvocationsModule,
        HealthModule,
        AuthModule,
        AuthzModule,
        IamModule,
        IamAdminModule,
        FunctionsModule,
        DependenciesModule,
        TriggersModule,
        ApigModule,
        ObsEventsModule,
        EventgridModule,
        AuditModule,
        AsyncInvocationsModule,
        ReservedInstancesModule,
        VersionsModule,
        AliasesModule,
        TestEventsModule,
        TracingModule,
        TagsModule,
        ImportExportModule,
        QuotasModule,
        MetricsModule,
        LogsModule,
      ],
      // Guards run in this order: authentication, then authorization.
      providers: [
        { provide: APP_GUARD, useExisting: FgsAuthGuard },
        { provide: APP_GUARD, useExisting: PermissionGuard },
      ],
    };
  }
}
