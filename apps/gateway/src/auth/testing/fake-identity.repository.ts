import { randomUUID } from 'node:crypto';
import { CredentialEntity, IdentityRepository, ProjectEntity, UserEntity } from '@ofg/data-access';

type EnsureInput = Parameters<IdentityRepository['ensureBootstrap']>[0];
type EnsureResult = Awaited<ReturnType<IdentityRepository['ensureBootstrap']>>;

/** In-memory IdentityRepository with the same observable behaviour, plus call counters and unique-violation checks. */
export class FakeIdentityRepository implements Pick<
  IdentityRepository,
  | 'findProjectById'
  | 'findProjectByName'
  | 'findUserByName'
  | 'findUserById'
  | 'findCredential'
  | 'ensureBootstrap'
  | 'countCredentialsOfUser'
> {
  readonly projects = new Map<string, ProjectEntity>();
  readonly users = new Map<string, UserEntity>();
  readonly credentials = new Map<string, CredentialEntity>();
  readonly calls: Record<string, number> = {};

  addProject(p: Pick<ProjectEntity, 'id' | 'name' | 'domainId'>): ProjectEntity {
    const project = Object.assign(new ProjectEntity(), p, { createdAt: new Date() });
    this.projects.set(project.id, project);
    return project;
  }

  addUser(
    u: Pick<UserEntity, 'name' | 'passwordHash' | 'projectId' | 'domainId'> & Partial<UserEntity>,
  ): UserEntity {
    const user = Object.assign(
      new UserEntity(),
      { id: randomUUID(), enabled: true, createdAt: new Date() },
      u,
    );
    this.users.set(user.id, user);
    return user;
  }

  addCredential(
    c: Pick<CredentialEntity, 'accessKey' | 'secretKeyCiphertext' | 'userId' | 'projectId'> &
      Partial<CredentialEntity>,
  ): CredentialEntity {
    const credential = Object.assign(
      new CredentialEntity(),
      { status: 'active', description: '', createdAt: new Date() },
      c,
    );
    this.credentials.set(credential.accessKey, credential);
    return credential;
  }

  async findProjectById(id: string): Promise<ProjectEntity | null> {
    this.count('findProjectById');
    return this.projects.get(id) ?? null;
  }

  async findProjectByName(name: string): Promise<ProjectEntity | null> {
    this.count('findProjectByName');
    return [...this.projects.values()].find((p) => p.name === name) ?? null;
  }

  async findUserByName(name: string): Promise<UserEntity | null> {
    this.count('findUserByName');
    return [...this.users.values()].find((u) => u.name === name) ?? null;
  }

  async findUserById(id: string): Promise<UserEntity | null> {
    this.count('findUserById');
    return this.users.get(id) ?? null;
  }

  async findCredential(accessKey: string): Promise<CredentialEntity | null> {
    this.count('findCredential');
    const c = this.credentials.get(accessKey);
    return c && c.status === 'active' ? c : null;
  }

  async countCredentialsOfUser(userId: string): Promise<number> {
    this.count('countCredentialsOfUser');
    return [...this.credentials.values()].filter((c) => c.userId === userId).length;
  }

  /** Same semantics as the real one; a clashing project name raises a Postgres-style unique violation. */
  async ensureBootstrap(input: EnsureInput): Promise<EnsureResult> {
    this.count('ensureBootstrap');
    let projectCreated = false;
    let userCreated = false;
    let credentialCreated = false;
    if (!this.projects.has(input.project.id)) {
      if ([...this.projects.values()].some((p) => p.name === input.project.name))
        throw Object.assign(new Error('duplicate key'), { code: '23505' });
      this.addProject(input.project);
      projectCreated = true;
    }
    let user = await this.findUserByName(input.user.name);
    if (!user) {
      user = this.addUser({ ...input.user, projectId: input.project.id, domainId: input.project.domainId });
      userCreated = true;
    }
    if (input.credential && !this.credentials.has(input.credential.accessKey)) {
      this.addCredential({
        ...input.credential,
        userId: user.id,
        projectId: input.project.id,
        description: 'bootstrap admin key',
      });
      credentialCreated = true;
    }
    return { projectCreated, userCreated, credentialCreated, user };
  }

  private count(name: string): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }
}
