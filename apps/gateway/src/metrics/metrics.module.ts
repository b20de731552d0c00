import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Function statistics, the tenant's statistics and monthly usage, and the top-N report (spec §3.8). */
@Module({
  imports: [FunctionsModule],
  controllers: [MetricsController],
  providers: [MetricsService],
})
export class MetricsModule {}
