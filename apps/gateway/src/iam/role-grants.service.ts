import { Inject, Injectable } from '@nestjs/common';
import { findSystemRole, IamRoleDto, SYSTEM_ROLES, SystemRole } from '@ofg/contracts';
import { IamAdminRepository, RoleAssignmentRepository } from '@ofg/data-access';
import { FgsAuthContext } from '../auth/auth-context';
import { AuthIdentityService } from '../auth/auth-identity.service';
import { PermissionService } from '../authz/permission.service';
import { IamError } from './iam-error';
import { isUserId } from './iam-body';

export type GrantStore = Pick<RoleAssignmentRepository, 'grant' | 'revoke' | 'listRoleNames'>;
export type GrantTargets = Pick<IamAdminRepository, 'findProject' | 'findUser'>;

export function toRoleDto(role: SystemRole): IamRoleDto {
  return {
    id: role.id,
    name: role.name,
    display_name: role.display_name,
    description: role.description,
    type: 'system',
    policy: role.policy,
  };
}

/** Grants of system roles to users per project, in the caller's domain. */
@Injectable()
export class RoleGrantsService {
  constructor(
    @Inject(RoleAssignmentRepository) private readonly grants: GrantStore,
    @Inject(IamAdminRepository) private readonly targets: GrantTargets,
    @Inject(PermissionService) private readonly permissions: Pick<PermissionService, 'invalidate'>,
    @Inject(AuthIdentityService) private readonly identities: Pick<AuthIdentityService, 'invalidate'>,
  ) {}

  listSystemRoles(): { roles: IamRoleDto[] } {
    return { roles: SYSTEM_ROLES.map(toRoleDto) };
  }

  async grant(auth: FgsAuthContext, projectId: string, userId: string, roleName: string): Promise<void> {
    const role = await this.resolve(auth, projectId, userId, roleName);
    await this.grants.grant(userId, projectId, role.name);
    this.permissions.invalidate({ userId, projectId });
    this.identities.invalidate({ userId });
  }

  async revoke(auth: FgsAuthContext, projectId: string, userId: string, roleName: string): Promise<void> {
    const role = await this.resolve(auth, projectId, userId, roleName);
    if (userId === auth.userId && projectId === auth.projectId && role.name === 'admin')
      throw IamError.badRequest('You cannot revoke your own admin role; ask another administrator.');
    const removed = await this.grants.revoke(userId, projectId, role.name);
    this.permissions.invalidate({ userId, projectId });
    this.identities.invalidate({ userId });
    if (!removed)
      throw IamError.notFound(`User ${userId} does not hold role ${role.name} in project ${projectId}.`);
  }

  async list(auth: FgsAuthContext, projectId: string, userId: string): Promise<{ roles: IamRoleDto[] }> {
    await this.checkTargets(auth, projectId, userId);
    const names = await this.grants.listRoleNames(userId, projectId);
    return {
      roles: names.flatMap((name) => {
        const role = findSystemRole(name);
        return role ? [toRoleDto(role)] : [];
      }),
    };
  }

  private async resolve(
    auth: FgsAuthContext,
    projectId: string,
    userId: string,
    roleName: string,
  ): Promise<SystemRole> {
    await this.checkTargets(auth, projectId, userId);
    const role = findSystemRole(roleName);
    if (!role) throw IamError.notFound(`Could not find role: ${roleName}.`);
    return role;
  }

  private async checkTargets(auth: FgsAuthContext, projectId: string, userId: string): Promise<void> {
    if (!(await this.targets.findProject(auth.domainId, projectId)))
      throw IamError.notFound(`Could not find project: ${projectId}.`);
    if (!isUserId(userId) || !(await this.targets.findUser(auth.domainId, userId)))
      throw IamError.notFound(`Could not find user: ${userId}.`);
  }
}
