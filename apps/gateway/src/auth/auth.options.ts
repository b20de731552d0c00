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
  /** How long a token's user lookup (exists, enabled) is reused; also a project's for agency principals. */
  userCacheTtlMs: number;
  /** Upper bound on cached entries per cache. */
  cacheMaxEntries: number;
  /** Refuse a second use of the signature of a signed POST/PUT/PATCH/DELETE inside the validity window. */
  replayProtection: boolean;
  /** Requests per second per access key (AK/SK) or per token user; 0 turns the limit off. */
  rateLimitPerSecond: number;
  /** Requests a caller may send at once after being idle (bucket size). */
  rateLimitBurst: number;
  now: () => Date;
}

export const DEFAULT_RATE_LIMIT_PER_SECOND = 1000;

export const DEFAULT_AUTH_OPTIONS: AuthOptions = {
  maxSignedBodyBytes: 12 * 1024 * 1024,
  maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS,
  credentialCacheTtlMs: 60_000,
  userCacheTtlMs: 30_000,
  cacheMaxEntries: 10_000,
  replayProtection: true,
  rateLimitPerSecond: DEFAULT_RATE_LIMIT_PER_SECOND,
  rateLimitBurst: 2 * DEFAULT_RATE_LIMIT_PER_SECOND,
  now: () => new Date(),
};

/** A signature stays remembered for twice the skew: a request dated T is accepted from T − skew until T + skew. */
export function replayWindowMs(options: Pick<AuthOptions, 'maxClockSkewMs'>): number {
  return 2 * options.maxClockSkewMs;
}

/**
 * Front-door settings from the environment: RATE_LIMIT_PER_SECOND (default 1000, 0 = off), RATE_LIMIT_BURST
 * (default twice the rate) and REPLAY_PROTECTION (`on`/`off`, default on). Throws naming the variable when invalid.
 */
export function authOptionsFromEnv(env: NodeJS.ProcessEnv): AuthOptions {
  const number = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 10_000_000)
      throw new Error(`${name} must be a whole number from 0 to 10000000, got "${raw.slice(0, 32)}"`);
    return value;
  };
  const perSecond = number('RATE_LIMIT_PER_SECOND', DEFAULT_RATE_LIMIT_PER_SECOND);
  const burst = number('RATE_LIMIT_BURST', 2 * perSecond);
  if (perSecond > 0 && burst < 1)
    throw new Error('RATE_LIMIT_BURST must be at least 1 when rate limiting is on');
  const replay = (env['REPLAY_PROTECTION'] ?? '').trim().toLowerCase();
  if (!['', 'on', 'off', 'true', 'false', '1', '0'].includes(replay))
    throw new Error(`REPLAY_PROTECTION must be on or off, got "${replay.slice(0, 32)}"`);
  return {
    ...DEFAULT_AUTH_OPTIONS,
    replayProtection: !['off', 'false', '0'].includes(replay),
    rateLimitPerSecond: perSecond,
    rateLimitBurst: burst,
  };
}
