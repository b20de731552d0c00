import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MetricsService } from '@ofg/observability';
import { createRedisConnection } from '@ofg/queue';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { CtsAuditInterceptor } from './cts-audit.interceptor';
import { CtsAuditPublisher } from './cts-audit.publisher';

/** CTS audit records of control-plane changes, written to each project's `ofg:cts:<project_id>` stream. */
@Module({
  providers: [
    {
      provide: CtsAuditPublisher,
      inject: [GATEWAY_CONFIG, MetricsService],
      useFactory: (config: GatewayConfig, metrics: MetricsService): CtsAuditPublisher =>
        new CtsAuditPublisher(createRedisConnection(config.redisUrl, 'producer'), metrics),
    },
    { provide: APP_INTERCEPTOR, useClass: CtsAuditInterceptor },
  ],
})
export class AuditModule {}
