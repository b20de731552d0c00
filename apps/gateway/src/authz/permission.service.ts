import { Inject, Injectable } from '@nestjs/common';
import {
  FGS_FULL_ACCESS_ROLE,
  PermissionAction,
  PolicyDocument,
  isAllowed,
  policiesOfRoles,
} from '@ofg/contracts';
import { RoleAssignmentRepository } from '@ofg/data-access';
import { isAgencyPrincipal } from '@ofg/security';
import { FgsAuthContext } from '../auth/auth-context';
import { TtlCache } from '../auth/ttl-cache';

/** The repository call authorization needs (a port so tests can pass a fake). */
export type RoleReader = Pick<RoleAssignmentRepository, 'listRoleNames'>;

/** Injection token of the authorization settings. */
export const AUTHZ_OPTIONS = Symbol('AUTHZ_OPTIONS');

export interface AuthzOptions {
  /** How long a user's roles in a project are reused; changes through this gateway drop them at once. */
  roleCacheTtlMs: number;
  cacheMaxEntries: number;
  now: () => number;
}

export const DEFAULT_AUTHZ_OPTIONS: AuthzOptions = {
  roleCacheTtlMs: 30_000,
  cacheMaxEntries: 10_000,
  now: Date.now,
};

/** Resolves a caller's roles in their project and evaluates actions against the roles' policies. */
@Injectable()
export class PermissionService {
  private readonly roles: TtlCache<Promise<string[]>>;

  constructor(
    @Inject(RoleAssignmentRepository) private readonly repository: RoleReader,
    @Inject(AUTHZ_OPTIONS) options: AuthzOptions,
  ) {
    this.roles = new TtlCache(options.roleCacheTtlMs, options.cacheMaxEntries, options.now);
  }

  /** Role names the caller holds in the project of its credential. */
  async rolesOf(auth: Pick<FgsAuthContext, 'userId' | 'projectId'>): Promise<string[]> {
    // A function's agency (`agency:<xrole>`) acts with full FunctionGraph access in its own project, nothing else.
    if (isAgencyPrincipal(auth.userId)) return [FGS_FULL_ACCESS_ROLE];
    return this.roles.getOrLoad(cacheKey(auth.userId, auth.projectId), () =>
      this.repository.listRoleNames(auth.userId, auth.projectId),
    );
  }

  async policiesOf(auth: Pick<FgsAuthContext, 'userId' | 'projectId'>): Promise<PolicyDocument[]> {
    return policiesOfRoles(await this.rolesOf(auth));
  }

  async isAllowed(
    auth: Pick<FgsAuthContext, 'userId' | 'projectId'>,
    action: PermissionAction,
  ): Promise<boolean> {
    return isAllowed(await this.policiesOf(auth), action);
  }

  /** Forgets cached roles of one user in one project, or (rare: user deleted) of everybody. */
  invalidate(target: { userId?: string; projectId?: string } = {}): void {
    if (target.userId && target.projectId) this.roles.delete(cacheKey(target.userId, target.projectId));
    else this.roles.clear();
  }
}

function cacheKey(userId: string, projectId: string): string {
  return `${userId}\u0000${projectId}`;
}
