import { DEFAULT_MAX_CLOCK_SKEW_MS } from '@ofg/security';

/** Injection token of the gateway's authentication settings. */
export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

export interface AuthOptions {
  /** AK/SK-signed bodies above this size are refused (functiongraph-api §1.2: 12 MB); tokens have no such cap here. */
  maxSignedBodyBytes: number;
  /** Accepted distance between X-Sdk-Date and server time. */
  maxClockSkewMs: number;
  /** How long a decrypted secret key stays in memory. */
  credentialCacheTtlMs: number;
  /** How long a token's user lookup (exists, enabled) is reused. */
  userCacheTtlMs: number;
  /** Upper bound on cached entries per cache. */
  cacheMaxEntries: number;
  now: () => Date;
}

export const DEFAULT_AUTH_OPTIONS: AuthOptions = {
  maxSignedBodyBytes: 12 * 1024 * 1024,
  maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS,
  credentialCacheTtlMs: 60_000,
  userCacheTtlMs: 30_000,
  cacheMaxEntries: 10_000,
  now: () => new Date(),
};
