import { Injectable } from '@nestjs/common';
import { DataSource, LessThanOrEqual, MoreThan } from 'typeorm';
import { TemporaryCredentialEntity } from '../entities/temporary-credential.entity';

export type NewTemporaryCredential = Pick<
  TemporaryCredentialEntity,
  'accessKey' | 'secretKeyCiphertext' | 'securityTokenHash' | 'projectId' | 'principal' | 'expiresAt'
>;

/**
 * Temporary credentials of function agencies. Looked up by access key like permanent keys (the key names its project);
 * the invoker issues them, the gateway verifies them.
 */
@Injectable()
export class TemporaryCredentialRepository {
  constructor(private readonly ds: DataSource) {}

  async create(credential: NewTemporaryCredential): Promise<void> {
    await this.ds.getRepository(TemporaryCredentialEntity).insert(credential);
  }

  /** The credential when it exists and has not expired at `now`. */
  findActive(accessKey: string, now: Date = new Date()): Promise<TemporaryCredentialEntity | null> {
    return this.ds
      .getRepository(TemporaryCredentialEntity)
      .findOneBy({ accessKey, expiresAt: MoreThan(now) });
  }

  /** Removes credentials that expired at or before `now`; returns how many. */
  async deleteExpired(now: Date = new Date()): Promise<number> {
    const result = await this.ds
      .getRepository(TemporaryCredentialEntity)
      .delete({ expiresAt: LessThanOrEqual(now) });
    return result.affected ?? 0;
  }
}
