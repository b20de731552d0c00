import { Controller, Delete, Get, HttpCode, Param, Put, UseFilters } from '@nestjs/common';
import { IAM_ACTIONS, IamRoleDto } from '@ofg/contracts';
import { FgsAuth, FgsAuthContext } from '../auth/auth-context';
import { Action } from '../authz/action.decorator';
import { IamExceptionFilter } from './iam-exception.filter';
import { RoleGrantsService } from './role-grants.service';

/** Role grants per user and project, as Keystone/Huawei IAM address them (`role_name` may be a role's name or id). */
@UseFilters(IamExceptionFilter)
@Controller('v3/projects/:project_id/users/:user_id/roles')
export class RoleGrantsController {
  constructor(private readonly grants: RoleGrantsService) {}

  @Get()
  @Action(IAM_ACTIONS.rolesListForUser)
  list(
    @FgsAuth() auth: FgsAuthContext,
    @Param('project_id') projectId: string,
    @Param('user_id') userId: string,
  ): Promise<{ roles: IamRoleDto[] }> {
    return this.grants.list(auth, projectId, userId);
  }

  @Put(':role_name')
  @HttpCode(204)
  @Action(IAM_ACTIONS.rolesGrant)
  grant(
    @FgsAuth() auth: FgsAuthContext,
    @Param('project_id') projectId: string,
    @Param('user_id') userId: string,
    @Param('role_name') roleName: string,
  ): Promise<void> {
    return this.grants.grant(auth, projectId, userId, roleName);
  }

  @Delete(':role_name')
  @HttpCode(204)
  @Action(IAM_ACTIONS.rolesRevoke)
  revoke(
    @FgsAuth() auth: FgsAuthContext,
    @Param('project_id') projectId: string,
    @Param('user_id') userId: string,
    @Param('role_name') roleName: string,
  ): Promise<void> {
    return this.grants.revoke(auth, projectId, userId, roleName);
  }
}
