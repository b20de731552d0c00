import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { TriggersController } from './triggers.controller';
import { TriggersService } from './triggers.service';

@Module({
  imports: [FunctionsModule],
  controllers: [TriggersController],
  providers: [TriggersService],
})
export class TriggersModule {}
