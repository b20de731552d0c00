import {
  CredentialEntity,
  IamAdminRepository,
  ProjectRecord,
  RoleAssignmentRepository,
  UserEntity,
} from '@ofg/data-access';
import { FakeIdentityRepository } from '../../auth/testing/fake-identity.repository';

const uniqueViolation = (): Error => Object.assign(new Error('duplicate key'), { code: '23505' });

/** In-memory IamAdminRepository over a FakeIdentityRepository's maps, so authentication sees what it creates. */
export class FakeIamAdminRepository implements Omit<IamAdminRepository, 'ds'> {
  readonly descriptions = new Map<string, string>();

  constructor(readonly identity: FakeIdentityRepository) {}

  async createProject(input: Omit<ProjectRecord, 'createdAt'>): Promise<ProjectRecord> {
    if ([...this.identity.projects.values()].some((p) => p.name === input.name || p.id === input.id))
      throw uniqueViolation();
    const project = this.identity.addProject(input);
    this.descriptions.set(project.id, input.description);
    return { ...input, createdAt: project.createdAt };
  }

  async findProject(domainId: string, id: string): Promise<ProjectRecord | undefined> {
    const p = this.identity.projects.get(id);
    if (!p || p.domainId !== domainId) return undefined;
    return { ...p, description: this.descriptions.get(p.id) ?? '' };
  }

  async listProjects(domainId: string, name?: string): Promise<ProjectRecord[]> {
    return [...this.identity.projects.values()]
      .filter((p) => p.domainId === domainId && (name === undefined || p.name === name))
      .map((p) => ({ ...p, description: this.descriptions.get(p.id) ?? '' }));
  }

  async createUser(
    input: Pick<UserEntity, 'name' | 'passwordHash' | 'domainId' | 'projectId' | 'enabled'>,
  ): Promise<UserEntity> {
    if ([...this.identity.users.values()].some((u) => u.name === input.name)) throw uniqueViolation();
    return this.identity.addUser(input);
  }

  async findUser(domainId: string, id: string): Promise<UserEntity | null> {
    const user = this.identity.users.get(id);
    return user && user.domainId === domainId ? user : null;
  }

  async listUsers(
    domainId: string,
    filter: { name?: string; enabled?: boolean } = {},
  ): Promise<UserEntity[]> {
    return [...this.identity.users.values()].filter(
      (u) =>
        u.domainId === domainId &&
        (filter.name === undefined || u.name === filter.name) &&
        (filter.enabled === undefined || u.enabled === filter.enabled),
    );
  }

  async updateUser(
    domainId: string,
    id: string,
    patch: Partial<Pick<UserEntity, 'enabled' | 'passwordHash'>>,
  ): Promise<UserEntity | null> {
    const user = await this.findUser(domainId, id);
    if (user) Object.assign(user, patch);
    return user;
  }

  async deleteUser(domainId: string, id: string): Promise<boolean> {
    if (!(await this.findUser(domainId, id))) return false;
    this.identity.users.delete(id);
    for (const [ak, c] of this.identity.credentials)
      if (c.userId === id) this.identity.credentials.delete(ak);
    return true;
  }

  async createCredential(
    input: Pick<
      CredentialEntity,
      'accessKey' | 'secretKeyCiphertext' | 'userId' | 'projectId' | 'description'
    >,
  ): Promise<CredentialEntity> {
    if (this.identity.credentials.has(input.accessKey)) throw uniqueViolation();
    return this.identity.addCredential(input);
  }

  async listCredentialsOfUsers(userIds: readonly string[]): Promise<CredentialEntity[]> {
    return [...this.identity.credentials.values()].filter((c) => userIds.includes(c.userId));
  }

  async findCredentialAnyStatus(accessKey: string): Promise<CredentialEntity | null> {
    return this.identity.credentials.get(accessKey) ?? null;
  }

  async updateCredential(
    accessKey: string,
    patch: Partial<Pick<CredentialEntity, 'status' | 'description'>>,
  ): Promise<CredentialEntity | null> {
    const credential = this.identity.credentials.get(accessKey);
    if (credential) Object.assign(credential, patch);
    return credential ?? null;
  }

  async deleteCredential(accessKey: string): Promise<boolean> {
    return this.identity.credentials.delete(accessKey);
  }
}

/** In-memory RoleAssignmentRepository; grants of deleted users are ignored like the cascade drops them. */
export class FakeRoleAssignmentRepository implements Omit<RoleAssignmentRepository, 'ds'> {
  readonly grants = new Set<string>();

  constructor(private readonly identity: FakeIdentityRepository) {}

  async listRoleNames(userId: string, projectId: string): Promise<string[]> {
    if (!this.identity.users.has(userId)) return [];
    return [...this.grants]
      .map((g) => g.split('\u0000'))
      .filter(([u, p]) => u === userId && p === projectId)
      .map(([, , role]) => role);
  }

  async grant(userId: string, projectId: string, roleName: string): Promise<boolean> {
    const key = [userId, projectId, roleName].join('\u0000');
    if (this.grants.has(key)) return false;
    this.grants.add(key);
    return true;
  }

  async revoke(userId: string, projectId: string, roleName: string): Promise<boolean> {
    return this.grants.delete([userId, projectId, roleName].join('\u0000'));
  }
}
