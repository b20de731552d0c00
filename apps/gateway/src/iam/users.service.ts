import { Inject, Injectable } from '@nestjs/common';
import { createUserSchema, IamUserDto, updateUserSchema } from '@ofg/contracts';
import { IamAdminRepository, UserEntity } from '@ofg/data-access';
import { PasswordHasher } from '@ofg/security';
import { FgsAuthContext } from '../auth/auth-context';
import { AuthIdentityService } from '../auth/auth-identity.service';
import { PermissionGrant, requireGrantOrSelf } from '../authz/permission-grant';
import { PermissionService } from '../authz/permission.service';
import { isUniqueViolation } from '../common/unique-violation';
import { IamError } from './iam-error';
import { isUserId, parseIamBody } from './iam-body';

/** The repository calls user administration needs. */
export type UserStore = Pick<
  IamAdminRepository,
  | 'createUser'
  | 'findUser'
  | 'listUsers'
  | 'updateUser'
  | 'deleteUser'
  | 'findProject'
  | 'listCredentialsOfUsers'
>;

/** Drops what the gateway caches about a user, so a disabled or deleted user fails at once. */
export type IdentityCache = Pick<AuthIdentityService, 'invalidate'>;

export function toUserDto(user: UserEntity): IamUserDto {
  return {
    id: user.id,
    name: user.name,
    enabled: user.enabled,
    default_project_id: user.projectId,
    domain_id: user.domainId,
    password_expires_at: null,
  };
}

/** IAM user administration inside the caller's domain. */
@Injectable()
export class UsersService {
  constructor(
    @Inject(IamAdminRepository) private readonly store: UserStore,
    private readonly hasher: PasswordHasher,
    @Inject(AuthIdentityService) private readonly identities: IdentityCache,
    @Inject(PermissionService) private readonly permissions: Pick<PermissionService, 'invalidate'>,
  ) {}

  async create(auth: FgsAuthContext, body: unknown): Promise<{ user: IamUserDto }> {
    const { user } = parseIamBody(createUserSchema, body);
    if (user.domain_id !== undefined && user.domain_id !== auth.domainId)
      throw IamError.badRequest('domain_id must be the domain of the caller');
    const projectId = user.default_project_id ?? auth.projectId;
    if (!(await this.store.findProject(auth.domainId, projectId)))
      throw IamError.notFound(`Could not find project: ${projectId}.`);
    try {
      const created = await this.store.createUser({
        name: user.name,
        passwordHash: await this.hasher.hash(user.password),
        domainId: auth.domainId,
        projectId,
        enabled: user.enabled ?? true,
      });
      return { user: toUserDto(created) };
    } catch (err) {
      if (isUniqueViolation(err)) throw new IamError(409, `The user name ${user.name} already exists.`);
      throw err;
    }
  }

  async list(
    auth: FgsAuthContext,
    filter: { name?: string; enabled?: string },
  ): Promise<{ users: IamUserDto[] }> {
    const enabled = filter.enabled === undefined ? undefined : filter.enabled === 'true';
    if (filter.enabled !== undefined && filter.enabled !== 'true' && filter.enabled !== 'false')
      throw IamError.badRequest('enabled must be true or false');
    const users = await this.store.listUsers(auth.domainId, {
      ...(filter.name !== undefined ? { name: filter.name } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
    });
    return { users: users.map(toUserDto) };
  }

  /** Administrators read any user of their domain; others only themselves. */
  async get(auth: FgsAuthContext, grant: PermissionGrant, userId: string): Promise<{ user: IamUserDto }> {
    requireGrantOrSelf(grant, auth.userId, userId);
    return { user: toUserDto(await this.find(auth, userId)) };
  }

  async update(auth: FgsAuthContext, userId: string, body: unknown): Promise<{ user: IamUserDto }> {
    const { user: patch } = parseIamBody(updateUserSchema, body);
    await this.find(auth, userId);
    if (patch.enabled === false && userId === auth.userId)
      throw IamError.badRequest('You cannot disable yourself; ask another administrator.');
    const updated = await this.store.updateUser(auth.domainId, userId, {
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.password !== undefined ? { passwordHash: await this.hasher.hash(patch.password) } : {}),
    });
    if (!updated) throw IamError.notFound(`Could not find user: ${userId}.`);
    // Both directions: a disabled user fails at once, a re-enabled one works at once.
    await this.forget(userId);
    return { user: toUserDto(updated) };
  }

  async delete(auth: FgsAuthContext, userId: string): Promise<void> {
    await this.find(auth, userId);
    if (userId === auth.userId)
      throw IamError.badRequest('You cannot delete yourself; ask another administrator.');
    const keys = await this.store.listCredentialsOfUsers([userId]);
    if (!(await this.store.deleteUser(auth.domainId, userId)))
      throw IamError.notFound(`Could not find user: ${userId}.`);
    for (const key of keys) this.identities.invalidate({ accessKey: key.accessKey });
    this.identities.invalidate({ userId });
    this.permissions.invalidate({ userId });
  }

  private async find(auth: FgsAuthContext, userId: string): Promise<UserEntity> {
    const user = isUserId(userId) ? await this.store.findUser(auth.domainId, userId) : null;
    if (!user) throw IamError.notFound(`Could not find user: ${userId}.`);
    return user;
  }

  private async forget(userId: string): Promise<void> {
    for (const key of await this.store.listCredentialsOfUsers([userId]))
      this.identities.invalidate({ accessKey: key.accessKey });
    this.identities.invalidate({ userId });
  }
}
