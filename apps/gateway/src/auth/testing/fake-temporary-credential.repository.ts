import {
  NewTemporaryCredential,
  TemporaryCredentialEntity,
  TemporaryCredentialRepository,
} from '@ofg/data-access';

/** In-memory TemporaryCredentialRepository (expiry compared like the SQL does), with a call counter. */
export class FakeTemporaryCredentialRepository implements Pick<
  TemporaryCredentialRepository,
  'create' | 'findActive'
> {
  readonly rows = new Map<string, TemporaryCredentialEntity>();
  lookups = 0;

  async create(credential: NewTemporaryCredential): Promise<void> {
    if (this.rows.has(credential.accessKey))
      throw Object.assign(new Error('duplicate key'), { code: '23505' });
    this.rows.set(
      credential.accessKey,
      Object.assign(new TemporaryCredentialEntity(), credential, { createdAt: new Date() }),
    );
  }

  async findActive(accessKey: string, now: Date = new Date()): Promise<TemporaryCredentialEntity | null> {
    this.lookups += 1;
    const row = this.rows.get(accessKey);
    return row && row.expiresAt.getTime() > now.getTime() ? row : null;
  }
}
