import { Module } from '@nestjs/common';
import { createRedisConnection } from '@ofg/queue';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { LiveInstancesReader } from './live-instances.reader';
import { QuotasController } from './quotas.controller';
import { QuotasService } from './quotas.service';

/** Tenant quotas with the project's usage (spec §3.2). */
@Module({
  controllers: [QuotasController],
  providers: [
    {
      provide: LiveInstancesReader,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig): LiveInstancesReader =>
        new LiveInstancesReader(createRedisConnection(config.redisUrl, 'producer')),
    },
    QuotasService,
  ],
})
export class QuotasModule {}
