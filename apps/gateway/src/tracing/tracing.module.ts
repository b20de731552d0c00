import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { TracingController } from './tracing.controller';
import { TracingService } from './tracing.service';

/** Per-function tracing keys (spec §3.5): stored sealed, not applied. */
@Module({
  imports: [FunctionsModule],
  controllers: [TracingController],
  providers: [TracingService],
})
export class TracingModule {}
