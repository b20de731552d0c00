import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CredentialEntity } from '../entities/credential.entity';
import { ProjectEntity } from '../entities/project.entity';
import { UserEntity } from '../entities/user.entity';

/** Projects, users and access keys. */
@Injectable()
export class IdentityRepository {
  constructor(private readonly ds: DataSource) {}

  findProjectById(id: string): Promise<ProjectEntity | null> {
    return this.ds.getRepository(ProjectEntity).findOneBy({ id });
  }

  findProjectByName(name: string): Promise<ProjectEntity | null> {
    return this.ds.getRepository(ProjectEntity).findOneBy({ name });
  }

  findUserByName(name: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ name });
  }

  findUserById(id: string): Promise<UserEntity | null> {
    return this.ds.getRepository(UserEntity).findOneBy({ id });
  }

  findCredential(accessKey: string): Promise<CredentialEntity | null> {
    return this.ds.getRepository(CredentialEntity).findOneBy({ accessKey, status: 'active' });
  }

  /** Creates the project, its admin user and an access key in one transaction; a no-op for parts that exist. */
  async ensureBootstrap(input: {
    project: Pick<ProjectEntity, 'id' | 'name' | 'domainId'>;
    user: Pick<UserEntity, 'name' | 'passwordHash'>;
    credential?: Pick<CredentialEntity, 'accessKey' | 'secretKeyCiphertext'>;
  }): Promise<{
    projectCreated: boolean;
    userCreated: boolean;
    credentialCreated: boolean;
    user: UserEntity;
  }> {
    return this.ds.transaction(async (em) => {
      const projects = em.getRepository(ProjectEntity);
      const users = em.getRepository(UserEntity);
      const credentials = em.getRepository(CredentialEntity);
      let projectCreated = false;
      let userCreated = false;
      let credentialCreated = false;
      if (!(await projects.findOneBy({ id: input.project.id }))) {
        await projects.insert(input.project);
        projectCreated = true;
      }
      let user = await users.findOneBy({ name: input.user.name });
      if (!user) {
        user = await users.save(
          users.create({
            ...input.user,
            domainId: input.project.domainId,
            projectId: input.project.id,
            enabled: true,
          }),
        );
        userCreated = true;
      }
      if (input.credential && !(await credentials.findOneBy({ accessKey: input.credential.accessKey }))) {
        await credentials.insert({
          ...input.credential,
          userId: user.id,
          projectId: input.project.id,
          status: 'active',
          description: 'bootstrap admin key',
        });
        credentialCreated = true;
      }
      return { projectCreated, userCreated, credentialCreated, user };
    });
  }

  countCredentialsOfUser(userId: string): Promise<number> {
    return this.ds.getRepository(CredentialEntity).countBy({ userId });
  }
}
