import { Inject, Injectable } from '@nestjs/common';
import { createCredentialSchema, IamCredentialDto, updateCredentialSchema } from '@ofg/contracts';
import { CredentialEntity, IamAdminRepository } from '@ofg/data-access';
import { SecretCipher, credentialSecretAad, generateAccessKey, generateSecretKey } from '@ofg/security';
import { FgsAuthContext } from '../auth/auth-context';
import { AuthIdentityService } from '../auth/auth-identity.service';
import { PermissionGrant, requireGrantOrSelf } from '../authz/permission-grant';
import { IamError } from './iam-error';
import { isUserId, parseIamBody } from './iam-body';
import { iamTime } from './iam-time';
import { IdentityCache } from './users.service';

/** Huawei IAM allows two permanent access keys per user. */
export const MAX_ACCESS_KEYS_PER_USER = 2;

export type CredentialStore = Pick<
  IamAdminRepository,
  | 'findUser'
  | 'createCredential'
  | 'listCredentialsOfUsers'
  | 'findCredentialAnyStatus'
  | 'updateCredential'
  | 'deleteCredential'
>;

export function toCredentialDto(credential: CredentialEntity): IamCredentialDto {
  return {
    access: credential.accessKey,
    user_id: credential.userId,
    status: credential.status === 'active' ? 'active' : 'inactive',
    description: credential.description,
    create_time: iamTime(credential.createdAt),
  };
}

/**
 * Permanent access keys (`/v3.0/OS-CREDENTIAL/credentials`). Administrators manage every key of their domain; other
 * users manage their own. A key signs for its user's default project; the secret is sealed at rest and shown once.
 */
@Injectable()
export class CredentialsService {
  constructor(
    @Inject(IamAdminRepository) private readonly store: CredentialStore,
    private readonly cipher: SecretCipher,
    @Inject(AuthIdentityService) private readonly identities: IdentityCache,
  ) {}

  async create(
    auth: FgsAuthContext,
    grant: PermissionGrant,
    body: unknown,
  ): Promise<{ credential: IamCredentialDto }> {
    const { credential } = parseIamBody(createCredentialSchema, body);
    requireGrantOrSelf(grant, auth.userId, credential.user_id);
    const user = isUserId(credential.user_id)
      ? await this.store.findUser(auth.domainId, credential.user_id)
      : null;
    if (!user) throw IamError.notFound(`Could not find user: ${credential.user_id}.`);
    const existing = await this.store.listCredentialsOfUsers([user.id]);
    if (existing.length >= MAX_ACCESS_KEYS_PER_USER)
      throw new IamError(
        409,
        `User ${user.id} already has ${MAX_ACCESS_KEYS_PER_USER} access keys, the maximum.`,
      );
    const accessKey = generateAccessKey();
    const secretKey = generateSecretKey();
    const created = await this.store.createCredential({
      accessKey,
      secretKeyCiphertext: this.cipher.encrypt(secretKey, credentialSecretAad(accessKey)),
      userId: user.id,
      projectId: user.projectId,
      description: credential.description ?? '',
    });
    return { credential: { ...toCredentialDto(created), secret: secretKey } };
  }

  /** Keys of `user_id`, or of the caller when it is omitted. */
  async list(
    auth: FgsAuthContext,
    grant: PermissionGrant,
    userId: string | undefined,
  ): Promise<{ credentials: IamCredentialDto[] }> {
    const target = userId ?? auth.userId;
    requireGrantOrSelf(grant, auth.userId, target);
    const user = isUserId(target) ? await this.store.findUser(auth.domainId, target) : null;
    if (!user) return { credentials: [] };
    const keys = await this.store.listCredentialsOfUsers([user.id]);
    return { credentials: keys.map(toCredentialDto) };
  }

  async get(
    auth: FgsAuthContext,
    grant: PermissionGrant,
    accessKey: string,
  ): Promise<{ credential: IamCredentialDto }> {
    return { credential: toCredentialDto(await this.findVisible(auth, grant, accessKey)) };
  }

  async update(
    auth: FgsAuthContext,
    grant: PermissionGrant,
    accessKey: string,
    body: unknown,
  ): Promise<{ credential: IamCredentialDto }> {
    const { credential: patch } = parseIamBody(updateCredentialSchema, body);
    await this.findVisible(auth, grant, accessKey);
    const updated = await this.store.updateCredential(accessKey, patch);
    this.identities.invalidate({ accessKey });
    if (!updated) throw notFound(accessKey);
    return { credential: toCredentialDto(updated) };
  }

  async delete(auth: FgsAuthContext, grant: PermissionGrant, accessKey: string): Promise<void> {
    await this.findVisible(auth, grant, accessKey);
    const deleted = await this.store.deleteCredential(accessKey);
    // The cached secret would otherwise keep signing for up to a minute.
    this.identities.invalidate({ accessKey });
    if (!deleted) throw notFound(accessKey);
  }

  /** The key when it belongs to a user of the caller's domain and the caller may see it; 404 otherwise (no leak). */
  private async findVisible(
    auth: FgsAuthContext,
    grant: PermissionGrant,
    accessKey: string,
  ): Promise<CredentialEntity> {
    const credential = await this.store.findCredentialAnyStatus(accessKey);
    if (!credential) throw notFound(accessKey);
    if (!grant.granted && credential.userId !== auth.userId) throw notFound(accessKey);
    if (!(await this.store.findUser(auth.domainId, credential.userId))) throw notFound(accessKey);
    return credential;
  }
}

function notFound(accessKey: string): IamError {
  return IamError.notFound(`Could not find access key: ${accessKey}.`);
}
