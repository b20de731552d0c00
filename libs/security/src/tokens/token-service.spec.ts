import { DEFAULT_TOKEN_TTL_MS, TokenService } from './token-service';

const KEY = 'a1'.repeat(32);
const claims = {
  userId: '5a0c0a49-0000-4000-8000-000000000001',
  projectId: '0123456789abcdef0123456789abcdef',
  domainId: 'd'.repeat(32),
};

describe('TokenService', () => {
  const service = new TokenService(KEY);
  const now = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

  it('issues a 24 h token whose claims verify', () => {
    const issued = service.issue(claims, undefined, now);
    expect(issued.expiresAt.getTime() - now.getTime()).toBe(DEFAULT_TOKEN_TTL_MS);
    expect(issued.token).toMatch(/^ofg1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(service.verify(issued.token, now)).toEqual({
      ...claims,
      tokenId: expect.any(String),
      issuedAt: now,
      expiresAt: issued.expiresAt,
    });
  });

  it('expires at expiresAt', () => {
    const issued = service.issue(claims, 60_000, now);
    expect(service.verify(issued.token, new Date(now.getTime() + 59_999))).toBeDefined();
    expect(service.verify(issued.token, new Date(now.getTime() + 60_000))).toBeUndefined();
  });

  it('rejects a changed payload, a changed signature and another master key', () => {
    const { token } = service.issue(claims, undefined, now);
    const [prefix, payload, mac] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), p: 'f'.repeat(32) }),
    ).toString('base64url');
    expect(service.verify(`${prefix}.${forged}.${mac}`, now)).toBeUndefined();
    const flipped = Buffer.from(mac, 'base64url');
    flipped[0] ^= 1;
    expect(service.verify(`${prefix}.${payload}.${flipped.toString('base64url')}`, now)).toBeUndefined();
    expect(new TokenService('b2'.repeat(32)).verify(token, now)).toBeUndefined();
  });

  it('rejects garbage without throwing', () => {
    for (const junk of ['', 'ofg1', 'ofg1..', 'x.y.z', 'ofg1.e30.' + 'A'.repeat(43), 'a'.repeat(5000)]) {
      expect(service.verify(junk, now)).toBeUndefined();
    }
  });

  it('gives every token a distinct id', () => {
    expect(service.issue(claims, undefined, now).token).not.toBe(service.issue(claims, undefined, now).token);
  });

  it('refuses a non-positive ttl', () => {
    expect(() => service.issue(claims, 0, now)).toThrow(/ttl/);
  });
});
