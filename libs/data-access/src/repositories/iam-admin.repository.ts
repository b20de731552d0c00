import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { CredentialEntity } from '../entities/credential.entity';
import { UserEntity } from '../entities/user.entity';

/** A project with the description column added by the role-assignments migration. */
export interface ProjectRecord {
  id: string;
  name: string;
  domainId: string;
  description: string;
  createdAt: Date;
}

interface ProjectRow {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  created_at: Date;
}

const toProject = (row: ProjectRow): ProjectRecord => ({
  id: row.id,
  name: row.name,
  domainId: row.domain_id,
  description: row.description,
  createdAt: row.created_at,
});

/** Administration of users, projects and access keys; every query is scoped by the administrator's domain. */
@Injectable()
export class IamAdminRepository {
  constructor(private readonly ds: DataSource) {}

  async createProject(input: Omit<ProjectRecord, 'createdAt'>): Promise<ProjectRecord> {
    const rows: ProjectRow[] = await this.ds.query(
      `INSERT INTO projects (id, name, domain_id, description) VALUES ($1, $2, $3, $4)
       RETURNING id, name, domain_id, description, created_at`,
      [input.id, input.name, input.domainId, input.description],
    );
    return toProject(rows[0]);
  }

  async findProject(domainId: string, id: string): Promise<ProjectRecord | undefined> {
    const rows: ProjectRow[] = await this.ds.query(
      `SELECT id, name, domain_id, description, created_at FROM projects WHERE domain_id = $1 AND id = $2`,
      [domainId, id],
    );
    return rows[0] && toProject(rows[0]);
  }

  async listProjects(domainId: string, name?: string): Promise<ProjectRecord[]> {
    const rows: ProjectRow[] = await this.ds.query(
      `SELECT id, name, domain_id, description, created_at FROM projects
       WHERE domain_id = $1 AND ($2::varchar IS NULL OR name = $2) ORDER BY created_at, id`,
      [domainId, name ?? null],
    );
    return rows.map(toProject);
  }

  createUser(
    input: Pick<UserEntity, 'name' | 'passwordHash' | 'domainId' | 'projectId' | 'enabled'>,
  ): Promise<UserEntity> {
    const users = this.ds.getRepository(UserEntity);
    return users.save(users.create(input));
  }

  findUser(domainId: string, id: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ domainId, id });
  }

  listUsers(domainId: string, filter: { name?: string; enabled?: boolean } = {}): Promise<UserEntity[]> {
    return this.ds.getRepository(UserEntity).find({
      where: { domainId, ...filter },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async updateUser(
    domainId: string,
    id: string,
    patch: Partial<Pick<UserEntity, 'enabled' | 'passwordHash'>>,
  ): Promise<UserEntity | null> {
    await this.ds.getRepository(UserEntity).update({ domainId, id }, patch);
    return this.findUser(domainId, id);
  }

  /** Deletes the user; its access keys and role grants go with it (foreign keys cascade). */
  async deleteUser(domainId: string, id: string): Promise<boolean> {
    const res = await this.ds.getRepository(UserEntity).delete({ domainId, id });
    return (res.affected ?? 0) > 0;
  }

  createCredential(
    input: Pick<
      CredentialEntity,
      'accessKey' | 'secretKeyCiphertext' | 'userId' | 'projectId' | 'description'
    >,
  ): Promise<CredentialEntity> {
    const credentials = this.ds.getRepository(CredentialEntity);
    return credentials.save(credentials.create({ ...input, status: 'active' }));
  }

  /** Keys of the given users, any status (active and inactive). */
  listCredentialsOfUsers(userIds: readonly string[]): Promise<CredentialEntity[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return this.ds
      .getRepository(CredentialEntity)
      .find({ where: { userId: In([...userIds]) }, order: { createdAt: 'ASC', accessKey: 'ASC' } });
  }

  /** A key in any status. */
  findCredentialAnyStatus(accessKey: string): Promise<CredentialEntity | null> {
    return this.ds.getRepository(CredentialEntity).findOneBy({ accessKey });
  }

  async updateCredential(
    accessKey: string,
    patch: Partial<Pick<CredentialEntity, 'status' | 'description'>>,
  ): Promise<CredentialEntity | null> {
    await this.ds.getRepository(CredentialEntity).update({ accessKey }, patch);
    return this.findCredentialAnyStatus(accessKey);
  }

  async deleteCredential(accessKey: string): Promise<boolean> {
    const res = await this.ds.getRepository(CredentialEntity).delete({ accessKey });
    return (res.affected ?? 0) > 0;
  }
}
