import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health.registry';
import { loggerParams } from './logger.options';
import { MetricsService } from './metrics.service';

/** JSON logging, Prometheus metrics and health endpoints for one app. */
@Module({})
export class ObservabilityModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [LoggerModule.forRoot(loggerParams(service))],
      controllers: [HealthController],
      providers: [MetricsService, HealthRegistry],
      exports: [MetricsService, HealthRegistry],
    };
  }
}
