import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { IamService } from './iam.service';
import { ProjectsController } from './projects.controller';
import { TokensController } from './tokens.controller';

/** The IAM subset: password tokens and the project look-up. */
@Module({
  imports: [AuthModule],
  controllers: [TokensController, ProjectsController],
  providers: [IamService],
})
export class IamModule {}
