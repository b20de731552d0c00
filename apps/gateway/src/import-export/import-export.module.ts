import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { ImportExportController } from './import-export.controller';
import { ImportExportService } from './import-export.service';

/** Function export and import as a zip archive (spec §3.11); import creates through FunctionsService. */
@Module({
  imports: [FunctionsModule],
  controllers: [ImportExportController],
  providers: [ImportExportService],
})
export class ImportExportModule {}
