import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  IdentityRepository,
  RoleAssignmentRepository,
  TemporaryCredentialRepository,
} from '@ofg/data-access';
import { SecretCipher, credentialSecretAad, temporaryCredentialSecretAad } from '@ofg/security';
import { AUTH_OPTIONS, AuthOptions } from './auth.options';
import { TtlCache } from './ttl-cache';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The repository calls authentication needs; a narrow port so tests can pass an in-memory fake. */
export type IdentityReader = Pick<IdentityRepository, 'findCredential' | 'findUserById' | 'findProjectById'>;

/** The repository call temporary credentials need. */
export type TemporaryCredentialReader = Pick<TemporaryCredentialRepository, 'findActive'>;

/** An active access key with its decrypted secret and the identity it acts for. */
export interface ResolvedAccessKey {
  accessKey: string;
  secretKey: string;
  userId: string;
  projectId: string;
  domainId: string;
}

/** A temporary key of a function's agency, with its decrypted secret and the hash of its security token. */
export interface ResolvedTemporaryKey extends ResolvedAccessKey {
  securityTokenHash: string;
  expiresAt: Date;
}

/** The repository call project membership needs. */
export type MembershipReader = Pick<RoleAssignmentRepository, 'listRoleNames'>;

/** An existing project. */
export interface ActiveProject {
  id: string;
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
  private readonly temporaryKeys: TtlCache<Promise<ResolvedTemporaryKey | undefined>>;
  private readonly projects: TtlCache<Promise<ActiveProject | undefined>>;
  private readonly memberships: TtlCache<Promise<boolean>>;

  constructor(
    @Inject(IdentityRepository) private readonly identity: IdentityReader,
    private readonly cipher: SecretCipher,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    // Optional so module tests that provide only IdentityRepository still boot; without it temporary keys never resolve.
    @Optional()
    @Inject(TemporaryCredentialRepository)
    private readonly temporary?: TemporaryCredentialReader,
    // Optional for the same reason; without it a user acts only in its default project.
    @Optional()
    @Inject(RoleAssignmentRepository)
    private readonly roles?: MembershipReader,
  ) {
    const clock = (): number => options.now().getTime();
    this.keys = new TtlCache(options.credentialCacheTtlMs, options.cacheMaxEntries, clock);
    this.users = new TtlCache(options.userCacheTtlMs, options.cacheMaxEntries, clock);
    this.temporaryKeys = new TtlCache(options.credentialCacheTtlMs, options.cacheMaxEntries, clock);
    this.projects = new TtlCache(options.userCacheTtlMs, options.cacheMaxEntries, clock);
    this.memberships = new TtlCache(options.userCacheTtlMs, options.cacheMaxEntries, clock);
  }

  /**
   * Whether a user may work in a project: its default project, or any project of its domain where it holds a
   * role (what it may do there is the permission guard's business).
   */
  async canActIn(
    user: { userId: string; domainId: string; homeProjectId: string },
    projectId: string,
  ): Promise<boolean> {
    if (projectId === user.homeProjectId) return true;
    if (!this.roles) return false;
    const key = `${user.userId}|${projectId}`;
    let member = this.memberships.get(key);
    if (!member) {
      member = this.loadMembership(user.userId, user.domainId, projectId);
      this.memberships.set(key, member);
      member.catch(() => this.memberships.delete(key));
    }
    return member;
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

  /**
   * An unexpired temporary key whose project still exists, or undefined. Expiry is checked again by the caller on
   * every use, since a cached entry may outlive it by up to the cache TTL.
   */
  async resolveTemporaryKey(accessKey: string): Promise<ResolvedTemporaryKey | undefined> {
    if (!this.temporary) return undefined;
    const resolved = await this.temporaryKeys.getOrLoad(accessKey, () => this.loadTemporaryKey(accessKey));
    if (!resolved) this.temporaryKeys.delete(accessKey);
    return resolved;
  }

  /** The project when it still exists (agency principals have no users row; their project is what must exist). */
  async findActiveProject(projectId: string): Promise<ActiveProject | undefined> {
    const project = await this.projects.getOrLoad(projectId, () => this.loadProject(projectId));
    if (!project) this.projects.delete(projectId);
    return project;
  }

  /** Drops cached entries, e.g. after a key was revoked or a user disabled through the API. */
  invalidate(target: { accessKey?: string; userId?: string; projectId?: string } = {}): void {
    if (target.accessKey) {
      this.keys.delete(target.accessKey);
      this.temporaryKeys.delete(target.accessKey);
    }
    if (target.userId) {
      this.users.delete(target.userId);
      // Grants changed or the user went away: membership answers of every user are cheap to rebuild.
      this.memberships.clear();
    }
    if (target.projectId) this.projects.delete(target.projectId);
    if (!target.accessKey && !target.userId && !target.projectId) {
      this.keys.clear();
      this.users.clear();
      this.temporaryKeys.clear();
      this.projects.clear();
      this.memberships.clear();
    }
  }

  private async loadMembership(userId: string, domainId: string, projectId: string): Promise<boolean> {
    const project = await this.findActiveProject(projectId);
    if (!project || project.domainId !== domainId) return false;
    return ((await this.roles?.listRoleNames(userId, projectId)) ?? []).length > 0;
  }

  private async loadTemporaryKey(accessKey: string): Promise<ResolvedTemporaryKey | undefined> {
    const credential = await this.temporary?.findActive(accessKey, this.options.now());
    if (!credential) return undefined;
    const project = await this.findActiveProject(credential.projectId);
    if (!project) return undefined;
    let secretKey: string;
    try {
      secretKey = this.cipher.decrypt(
        credential.secretKeyCiphertext,
        temporaryCredentialSecretAad(accessKey),
      );
    } catch (err) {
      this.logger.error(
        `cannot decrypt the secret of temporary access key ${accessKey} (${String(err)}); the invoker that issued ` +
          'it must run with the same OFG_MASTER_KEY as the gateway',
      );
      return undefined;
    }
    return {
      accessKey,
      secretKey,
      securityTokenHash: credential.securityTokenHash,
      expiresAt: credential.expiresAt,
      userId: credential.principal,
      projectId: credential.projectId,
      domainId: project.domainId,
    };
  }

  private async loadProject(projectId: string): Promise<ActiveProject | undefined> {
    const project = await this.identity.findProjectById(projectId);
    return project ? { id: project.id, domainId: project.domainId } : undefined;
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
