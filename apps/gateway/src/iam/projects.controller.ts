import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';
import { FgsAuth, FgsAuthContext } from '../auth/auth-context';
import { FgsAuthGuard } from '../auth/fgs-auth.guard';
import { IamExceptionFilter } from './iam-exception.filter';
import { IamProject } from './iam.schemas';
import { IamService } from './iam.service';

/** IAM `GET /v3/projects?name=`: what the SDK asks when it has a region but no project id. */
@UseGuards(FgsAuthGuard)
@UseFilters(IamExceptionFilter)
@Controller('v3/projects')
export class ProjectsController {
  constructor(private readonly iam: IamService) {}

  @Get()
  list(
    @FgsAuth() auth: FgsAuthContext,
    @Query('name') name?: string | string[],
  ): Promise<{ projects: IamProject[] }> {
    return this.iam.listProjects(auth, name);
  }
}
