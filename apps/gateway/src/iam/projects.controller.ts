import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';
import { IAM_ACTIONS } from '@ofg/contracts';
import { FgsAuth, FgsAuthContext } from '../auth/auth-context';
import { FgsAuthGuard } from '../auth/fgs-auth.guard';
import { Action } from '../authz/action.decorator';
import { Permission, PermissionGrant } from '../authz/permission-grant';
import { IamExceptionFilter } from './iam-exception.filter';
import { IamProject } from './iam.schemas';
import { IamService } from './iam.service';

/** IAM `GET /v3/projects?name=`: what the SDK asks when it has a region but no project id. */
@UseGuards(FgsAuthGuard)
@UseFilters(IamExceptionFilter)
@Controller('v3/projects')
export class ProjectsController {
  constructor(private readonly iam: IamService) {}

  /** Anyone may look up their own project (the SDK does); administrators see every project of their domain. */
  @Get()
  @Action(IAM_ACTIONS.projectsList, { selfService: true })
  list(
    @FgsAuth() auth: FgsAuthContext,
    @Permission() grant: PermissionGrant,
    @Query('name') name?: string | string[],
  ): Promise<{ projects: IamProject[] }> {
    return this.iam.listProjects(auth, name, grant.granted);
  }
}
