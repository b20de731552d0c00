import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { InvocationsController } from './invocations.controller';
import { InvocationsService } from './invocations.service';

@Module({
  imports: [FunctionsModule],
  controllers: [InvocationsController],
  providers: [InvocationsService],
})
export class InvocationsModule {}
