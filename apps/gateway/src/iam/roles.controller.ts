import { Controller, Get, UseFilters } from '@nestjs/common';
import { IAM_ACTIONS, IamRoleDto } from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { IamExceptionFilter } from './iam-exception.filter';
import { RoleGrantsService } from './role-grants.service';

/** `GET /v3/roles`: the system roles and their policies. */
@UseFilters(IamExceptionFilter)
@Controller('v3/roles')
export class RolesController {
  constructor(private readonly grants: RoleGrantsService) {}

  @Get()
  @Action(IAM_ACTIONS.rolesList)
  list(): { roles: IamRoleDto[] } {
    return this.grants.listSystemRoles();
  }
}
