import { Module } from '@nestjs/common';
import { createRedisConnection } from '@ofg/queue';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionsModule } from '../functions/functions.module';
import { InstanceFiguresReader } from './instance-figures.reader';
import { ReservedInstancesController } from './reserved-instances.controller';
import { ReservedInstancesService } from './reserved-instances.service';

@Module({
  imports: [FunctionsModule],
  controllers: [ReservedInstancesController],
  providers: [
    {
      provide: InstanceFiguresReader,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig): InstanceFiguresReader =>
        new InstanceFiguresReader(createRedisConnection(config.redisUrl, 'producer')),
    },
    ReservedInstancesService,
  ],
})
export class ReservedInstancesModule {}
