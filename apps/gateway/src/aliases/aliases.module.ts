import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { AliasesController } from './aliases.controller';
import { AliasesService } from './aliases.service';

/** Function aliases and their traffic routing. */
@Module({
  imports: [FunctionsModule],
  controllers: [AliasesController],
  providers: [AliasesService],
})
export class AliasesModule {}
