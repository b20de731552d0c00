import { Inject, Injectable, Logger } from '@nestjs/common';
import { IdentityRepository } from '@ofg/data-access';
import { SecretCipher, credentialSecretAad } from '@ofg/security';
import { AUTH_OPTIONS, AuthOptions } from './auth.options';
import { TtlCache } from './ttl-cache';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The repository calls authentication needs; a narrow port so tests can pass an in-memory fake. */
export type IdentityReader = Pick<IdentityRepository, 'findCredential' | 'findUserById'>;

/** An active access key with its decrypted secret and the identity it acts for. */
export interface ResolvedAccessKey {
  accessKey: string;
  secretKey: string;
  userId: string;
  projectId: string;
  domainId: string;
}

/** An existing, enabled user. */
export interface ActiveUser {
  id: string;
  name: string;
  projectId: string;
  domainId: string;
}

/** Looks up access keys and users for the auth guard, caching hits briefly so signed requests do not hit Postgres. */
@Injectable()
export class AuthIdentityService {
  private readonly logger = new Logger(AuthIdentityService.name);
  private readonly keys: TtlCache<Promise<ResolvedAccessKey | undefined>>;
  private readonly users: TtlCache<Promise<ActiveUser | undefined>>;

  constructor(
    @Inject(IdentityRepository) private readonly identity: IdentityReader,
    private readonly cipher: SecretCipher,
    @Inject(AUTH_OPTIONS) options: AuthOptions,
  ) {
    const clock = (): number => options.now().getTime();
    this.keys = new TtlCache(options.credentialCacheTtlMs, options.cacheMaxEntries, clock);
    this.users = new TtlCache(options.userCacheTtlMs, options.cacheMaxEntries, clock);
  }

  /** The active key, or undefined when the key is unknown, revoked, its user is disabled or its secret cannot be decrypted. */
  async resolveAccessKey(accessKey: string): Promise<ResolvedAccessKey | undefined> {
    const resolved = await this.keys.getOrLoad(accessKey, () => this.loadAccessKey(accessKey));
    // Misses are not cached: a key created a moment later must work at once, and random keys must not evict real ones.
    if (!resolved) this.keys.delete(accessKey);
    return resolved;
  }

  /** The user when it still exists and is enabled. */
  async findActiveUser(userId: string): Promise<ActiveUser | undefined> {
    const user = await this.users.getOrLoad(userId, () => this.loadUser(userId));
    if (!user) this.users.delete(userId);
    return user;
  }

  /** Drops cached entries, e.g. after a key was revoked or a user disabled through the API. */
  invalidate(target: { accessKey?: string; userId?: string } = {}): void {
    if (target.accessKey) this.keys.delete(target.accessKey);
    if (target.userId) this.users.delete(target.userId);
    if (!target.accessKey && !target.userId) {
      this.keys.clear();
      this.users.clear();
    }
  }

  private async loadAccessKey(accessKey: string): Promise<ResolvedAccessKey | undefined> {
    const credential = await this.identity.findCredential(accessKey);
    if (!credential) return undefined;
    const user = await this.loadUser(credential.userId);
    if (!user) return undefined;
    let secretKey: string;
    try {
      secretKey = this.cipher.decrypt(credential.secretKeyCiphertext, credentialSecretAad(accessKey));
    } catch (err) {
      this.logger.error(
        `cannot decrypt the secret of access key ${accessKey} (${String(err)}); secrets must be sealed with ` +
          'SecretCipher.encrypt(sk, credentialSecretAad(ak)) under the current OFG_MASTER_KEY',
      );
      return undefined;
    }
    return {
      accessKey,
      secretKey,
      userId: credential.userId,
      projectId: credential.projectId,
      domainId: user.domainId,
    };
  }

  private async loadUser(userId: string): Promise<ActiveUser | undefined> {
    // users.id is a uuid column; anything else would be a query error rather than a miss.
    if (!UUID.test(userId)) return undefined;
    const user = await this.identity.findUserById(userId);
    if (!user || !user.enabled) return undefined;
    return { id: user.id, name: user.name, projectId: user.projectId, domainId: user.domainId };
  }
}
