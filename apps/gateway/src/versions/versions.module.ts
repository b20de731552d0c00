import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { VersionsController } from './versions.controller';
import { VersionsService } from './versions.service';

/** Publishing and listing function versions. */
@Module({
  imports: [FunctionsModule],
  controllers: [VersionsController],
  providers: [VersionsService],
})
export class VersionsModule {}
