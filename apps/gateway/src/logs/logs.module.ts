import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { LogsController } from './logs.controller';
import { LogsService } from './logs.service';

/** LTS log group/stream names, the reporting switch and the log query extension (spec §3.9). */
@Module({
  imports: [FunctionsModule],
  controllers: [LogsController],
  providers: [LogsService],
})
export class LogsModule {}
