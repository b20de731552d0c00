import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { AsyncInvocationsController } from './async-invocations.controller';
import { AsyncInvocationsService } from './async-invocations.service';
import { AsyncInvokeConfigService } from './async-invoke-config.service';

/** Async notification configs, the async request list and stopping a request. */
@Module({
  imports: [FunctionsModule],
  controllers: [AsyncInvocationsController],
  providers: [AsyncInvokeConfigService, AsyncInvocationsService],
})
export class AsyncInvocationsModule {}
