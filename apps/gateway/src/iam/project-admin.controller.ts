import { Body, Controller, HttpCode, Post, UseFilters } from '@nestjs/common';
import { IAM_ACTIONS, IamProjectDto } from '@ofg/contracts';
import { FgsAuth, FgsAuthContext } from '../auth/auth-context';
import { Action } from '../authz/action.decorator';
import { IamExceptionFilter } from './iam-exception.filter';
import { ProjectAdminService } from './project-admin.service';

/** `POST /v3/projects` (`GET` is ProjectsController, which non-administrators use too). */
@UseFilters(IamExceptionFilter)
@Controller('v3/projects')
export class ProjectAdminController {
  constructor(private readonly projects: ProjectAdminService) {}

  @Post()
  @HttpCode(201)
  @Action(IAM_ACTIONS.projectsCreate)
  create(@FgsAuth() auth: FgsAuthContext, @Body() body: unknown): Promise<{ project: IamProjectDto }> {
    return this.projects.create(auth, body);
  }
}
