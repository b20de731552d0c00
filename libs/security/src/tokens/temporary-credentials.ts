import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Validity of temporary credentials and agency tokens handed to functions (sdk-and-runtime-contract §5.3: 24 h). */
export const TEMPORARY_CREDENTIAL_TTL_MS = 24 * 60 * 60 * 1000;

/** Prefix of the user id of a function's agency (`agency:<xrole>`); such principals have no users row. */
export const AGENCY_PRINCIPAL_PREFIX = 'agency:';

// Longer than any security token this platform issues; bounds the hashing work spent on garbage.
const MAX_SECURITY_TOKEN_LENGTH = 4096;

/** The principal a function with agency `xrole` acts as. */
export function agencyPrincipal(xrole: string): string {
  return `${AGENCY_PRINCIPAL_PREFIX}${xrole}`;
}

/** True for `agency:<xrole>` principals (temporary credentials and agency tokens). */
export function isAgencyPrincipal(userId: string): boolean {
  return userId.startsWith(AGENCY_PRINCIPAL_PREFIX) && userId.length > AGENCY_PRINCIPAL_PREFIX.length;
}

/** An opaque `X-Security-Token` value: 64 random bytes, base64url (Huawei's are long opaque strings too). */
export function generateSecurityToken(): string {
  return randomBytes(64).toString('base64url');
}

/** What is stored instead of the security token: SHA-256 hex (the token is high-entropy, so no salt or KDF is needed). */
export function hashSecurityToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time check of a presented security token against a stored hash; false for anything malformed. */
export function securityTokenMatches(presented: string, storedHash: string): boolean {
  if (presented.length === 0 || presented.length > MAX_SECURITY_TOKEN_LENGTH) return false;
  if (!/^[0-9a-f]{64}$/.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashSecurityToken(presented), 'hex'), Buffer.from(storedHash, 'hex'));
}
