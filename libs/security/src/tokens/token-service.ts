import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseMasterKey } from '../crypto/master-key';

/** IAM token lifetime (functiongraph-api §1.2). */
export const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

const PREFIX = 'ofg1';
// Longer than any token this service issues; bounds the work spent on garbage.
const MAX_TOKEN_LENGTH = 2048;
/** Genuine tokens remembered so a caller's repeated requests skip the MAC; cleared whole when full. */
const MAX_VERIFIED = 10_000;

export interface TokenClaims {
  userId: string;
  projectId: string;
  domainId: string;
}

export interface VerifiedToken extends TokenClaims {
  tokenId: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface IssuedToken {
  token: string;
  issuedAt: Date;
  expiresAt: Date;
}

interface TokenPayload {
  u: string;
  p: string;
  d: string;
  iat: number;
  exp: number;
  jti: string;
}

/**
 * Stateless X-Auth-Token: `ofg1.<base64url JSON claims>.<base64url HMAC-SHA256>`, keyed with an HKDF derivation of the
 * master key so the token key is never the key that encrypts secrets.
 */
export class TokenService {
  private readonly key: Buffer;
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(masterKeyHex: string) {
    const master = parseMasterKey(masterKeyHex);
    this.key = Buffer.from(
      hkdfSync('sha256', master, Buffer.from('ofg-token-salt'), Buffer.from('ofg x-auth-token v1'), 32),
    );
  }

  issue(claims: TokenClaims, ttlMs: number = DEFAULT_TOKEN_TTL_MS, now: Date = new Date()): IssuedToken {
    if (!(ttlMs > 0)) throw new Error('token ttl must be positive');
    const iat = now.getTime();
    const payload: TokenPayload = {
      u: claims.userId,
      p: claims.projectId,
      d: claims.domainId,
      iat,
      exp: iat + ttlMs,
      jti: randomBytes(12).toString('base64url'),
    };
    const body = `${PREFIX}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
    return {
      token: `${body}.${this.mac(body).toString('base64url')}`,
      issuedAt: new Date(iat),
      expiresAt: new Date(payload.exp),
    };
  }

  /** The claims of a genuine, unexpired token; undefined for anything else. */
  verify(token: string, now: Date = new Date()): VerifiedToken | undefined {
    const known = this.verified.get(token);
    if (known) return now.getTime() < known.expiresAt.getTime() ? { ...known } : undefined;
    const checked = this.check(token, now);
    if (checked) {
      if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
      this.verified.set(token, checked);
      return { ...checked };
    }
    return undefined;
  }

  private check(token: string, now: Date): VerifiedToken | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX) return undefined;
    const given = Buffer.from(parts[2], 'base64url');
    const expected = this.mac(`${parts[0]}.${parts[1]}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const payload = decodePayload(parts[1]);
    if (!payload || now.getTime() >= payload.exp) return undefined;
    return {
      userId: payload.u,
      projectId: payload.p,
      domainId: payload.d,
      tokenId: payload.jti,
      issuedAt: new Date(payload.iat),
      expiresAt: new Date(payload.exp),
    };
  }

  private mac(data: string): Buffer {
    return createHmac('sha256', this.key).update(data).digest();
  }
}

function decodePayload(encoded: string): TokenPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = [v['u'], v['p'], v['d'], v['jti']].every((x) => typeof x === 'string' && x.length > 0);
  const numbers = [v['iat'], v['exp']].every((x) => typeof x === 'number' && Number.isFinite(x));
  return strings && numbers ? (v as unknown as TokenPayload) : undefined;
}
