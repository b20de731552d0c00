import { Inject, Injectable, Logger } from '@nestjs/common';
import { FunctionSnapshot, RuntimeCredentials } from '@ofg/contracts';
import { TemporaryCredentialRepository } from '@ofg/data-access';
import {
  SecretCipher,
  TEMPORARY_CREDENTIAL_TTL_MS,
  TokenService,
  agencyPrincipal,
  generateAccessKey,
  generateSecretKey,
  generateSecurityToken,
  hashSecurityToken,
  temporaryCredentialSecretAad,
} from '@ofg/security';
import { INVOKER_CIPHER } from './function-secrets.loader';

export const AGENCY_CREDENTIALS_OPTIONS = Symbol('AGENCY_CREDENTIALS_OPTIONS');

export interface AgencyCredentialsOptions {
  /** How long one function reuses the same credentials (spec §5.3: cached 10 min). */
  reuseMs: number;
  /** Validity of issued credentials and tokens (24 h). */
  ttlMs: number;
  /** Upper bound on cached credentials (one per function with an agency). */
  maxEntries: number;
  /** How often expired rows are removed from the table. */
  sweepEveryMs: number;
  now?: () => number;
}

export const DEFAULT_AGENCY_CREDENTIALS_OPTIONS: AgencyCredentialsOptions = {
  reuseMs: 10 * 60 * 1000,
  ttlMs: TEMPORARY_CREDENTIAL_TTL_MS,
  maxEntries: 10_000,
  sweepEveryMs: 60 * 60 * 1000,
};

/** The repository calls issuing needs. */
export type TemporaryCredentialWriter = Pick<TemporaryCredentialRepository, 'create' | 'deleteExpired'>;

interface CacheEntry {
  credentials: Promise<RuntimeCredentials>;
  issuedAt: number;
}

/**
 * Temporary AK/SK/security token and an X-Auth-Token for the agency (`xrole`) of a function, acting as
 * `agency:<xrole>` in the function's own project. Issued into Postgres (SK sealed, token hashed) so every gateway
 * replica can verify them, and reused per function for `reuseMs` so a busy function does not write a row per call.
 */
@Injectable()
export class AgencyCredentialsService {
  private readonly logger = new Logger(AgencyCredentialsService.name);
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(
    @Inject(TemporaryCredentialRepository) private readonly repository: TemporaryCredentialWriter,
    @Inject(INVOKER_CIPHER) private readonly cipher: SecretCipher,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(AGENCY_CREDENTIALS_OPTIONS) private readonly options: AgencyCredentialsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Credentials for one invocation of the function; concurrent callers share one issue. */
  forFunction(snapshot: FunctionSnapshot, agency: string): Promise<RuntimeCredentials> {
    const key = `${snapshot.projectId}|${snapshot.functionId}|${agency}`;
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.issuedAt < this.options.reuseMs) return cached.credentials;
    if (this.cache.size >= this.options.maxEntries) this.evict(now);
    const credentials = this.issue(snapshot, agency, now);
    const entry = { credentials, issuedAt: now };
    this.cache.set(key, entry);
    // A failed issue is not reused: the next invocation tries again.
    credentials.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    return credentials;
  }

  /** Forgets the credentials of a function (its agency or configuration changed). */
  forget(projectId: string, functionId: string): void {
    const prefix = `${projectId}|${functionId}|`;
    for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  private async issue(snapshot: FunctionSnapshot, agency: string, now: number): Promise<RuntimeCredentials> {
    const accessKey = generateAccessKey();
    const secretKey = generateSecretKey();
    const securityToken = generateSecurityToken();
    const principal = agencyPrincipal(agency);
    const expiresAt = new Date(now + this.options.ttlMs);
    await this.repository.create({
      accessKey,
      secretKeyCiphertext: this.cipher.encrypt(secretKey, temporaryCredentialSecretAad(accessKey)),
      securityTokenHash: hashSecurityToken(securityToken),
      projectId: snapshot.projectId,
      principal,
      expiresAt,
    });
    const { token } = this.tokens.issue(
      { userId: principal, projectId: snapshot.projectId, domainId: snapshot.domainId },
      this.options.ttlMs,
      new Date(now),
    );
    this.logger.log({
      msg: 'issued temporary credentials',
      funcUrn: snapshot.funcUrn,
      principal,
      accessKey,
      expiresAt: expiresAt.toISOString(),
    });
    this.sweepExpired(now);
    return { accessKey, secretKey, securityToken, authToken: token };
  }

  /** Removes expired rows at most once per sweep interval, off the invocation path. */
  private sweepExpired(now: number): void {
    if (now - this.lastSweep < this.options.sweepEveryMs) return;
    this.lastSweep = now;
    this.repository
      .deleteExpired(new Date(now))
      .then((removed) => {
        if (removed > 0) this.logger.log({ msg: 'removed expired temporary credentials', removed });
      })
      .catch((err: unknown) =>
        this.logger.warn({ msg: 'could not remove expired temporary credentials', err: String(err) }),
      );
  }

  private evict(now: number): void {
    for (const [key, entry] of this.cache)
      if (now - entry.issuedAt >= this.options.reuseMs) this.cache.delete(key);
    for (const key of this.cache.keys()) {
      if (this.cache.size < this.options.maxEntries) break;
      this.cache.delete(key);
    }
  }
}
