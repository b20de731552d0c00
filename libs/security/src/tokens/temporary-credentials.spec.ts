import {
  SecretCipher,
  credentialSecretAad,
  functionEnvAad,
  temporaryCredentialSecretAad,
} from '../crypto/secret-cipher';
import {
  agencyPrincipal,
  generateSecurityToken,
  hashSecurityToken,
  isAgencyPrincipal,
  securityTokenMatches,
} from './temporary-credentials';

describe('temporary credential helpers', () => {
  it('names agency principals and recognises only non-empty ones', () => {
    expect(agencyPrincipal('fgs_agency')).toBe('agency:fgs_agency');
    expect(isAgencyPrincipal('agency:fgs_agency')).toBe(true);
    expect(isAgencyPrincipal('agency:')).toBe(false);
    expect(isAgencyPrincipal('3f1c1e2a-0000-4000-8000-000000000000')).toBe(false);
    expect(isAgencyPrincipal('Agency:x')).toBe(false);
  });

  it('issues long random security tokens and matches them against their hash only', () => {
    const token = generateSecurityToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(generateSecurityToken()).not.toBe(token);
    const hash = hashSecurityToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token);
    expect(securityTokenMatches(token, hash)).toBe(true);
    expect(securityTokenMatches(token.slice(1), hash)).toBe(false);
    expect(securityTokenMatches(`${token}x`, hash)).toBe(false);
    expect(securityTokenMatches('', hashSecurityToken(''))).toBe(false);
    expect(securityTokenMatches(token, 'not-a-hash')).toBe(false);
    expect(securityTokenMatches('x'.repeat(5000), hashSecurityToken('x'.repeat(5000)))).toBe(false);
  });

  it('keeps the AAD namespaces of permanent keys, temporary keys and function variables apart', () => {
    const cipher = new SecretCipher('ab'.repeat(32));
    const sealed = cipher.encrypt('sk', temporaryCredentialSecretAad('AK1'));
    expect(cipher.decrypt(sealed, temporaryCredentialSecretAad('AK1'))).toBe('sk');
    expect(() => cipher.decrypt(sealed, credentialSecretAad('AK1'))).toThrow();
    expect(functionEnvAad('f-1')).toBe('ofg:function-env:f-1');
    const env = cipher.encrypt('{"A":"1"}', functionEnvAad('f-1'));
    expect(() => cipher.decrypt(env, functionEnvAad('f-2'))).toThrow();
  });
});
