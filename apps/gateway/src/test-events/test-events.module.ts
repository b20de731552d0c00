import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { TestEventsController } from './test-events.controller';
import { TestEventsService } from './test-events.service';

/** Saved test events per function (spec §3.4). */
@Module({
  imports: [FunctionsModule],
  controllers: [TestEventsController],
  providers: [TestEventsService],
})
export class TestEventsModule {}
