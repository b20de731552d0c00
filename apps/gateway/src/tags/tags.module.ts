import { Module } from '@nestjs/common';
import { FunctionsModule } from '../functions/functions.module';
import { TagsController } from './tags.controller';
import { TagsService } from './tags.service';

/** Function tags and the tag queries (`/v2/{project_id}/functions/...`). */
@Module({
  imports: [FunctionsModule],
  controllers: [TagsController],
  providers: [TagsService],
})
export class TagsModule {}
