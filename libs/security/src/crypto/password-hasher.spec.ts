import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  // Small cost keeps the suite fast; the format and the comparison are what is under test.
  const hasher = new PasswordHasher({ N: 1024 });

  it('hashes into scrypt$N$r$p$salt$hash and verifies the right password only', async () => {
    const hash = await hasher.hash('correct horse');
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    await expect(hasher.verify('correct horse', hash)).resolves.toBe(true);
    await expect(hasher.verify('correct horsE', hash)).resolves.toBe(false);
    await expect(hasher.verify('', hash)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('same')).not.toBe(await hasher.hash('same'));
  });

  it('verifies hashes made with other parameters (they travel in the string)', async () => {
    const strong = await new PasswordHasher({ N: 2048, r: 4, p: 2 }).hash('pw');
    await expect(hasher.verify('pw', strong)).resolves.toBe(true);
  });

  it('returns false for malformed or tampered hashes instead of throwing', async () => {
    const hash = await hasher.hash('pw');
    const parts = hash.split('$');
    const tamperedHash = Buffer.from(parts[5], 'base64');
    tamperedHash[0] ^= 1;
    for (const bad of [
      '',
      'bcrypt$x',
      parts.slice(0, 5).join('$'),
      [...parts.slice(0, 5), tamperedHash.toString('base64')].join('$'),
      ['scrypt', '1000', ...parts.slice(2)].join('$'),
      ['scrypt', String(1 << 24), ...parts.slice(2)].join('$'),
    ]) {
      await expect(hasher.verify('pw', bad)).resolves.toBe(false);
    }
  });

  it('flags weaker hashes for rehash', async () => {
    expect(hasher.needsRehash(await new PasswordHasher({ N: 512 }).hash('x'))).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('x'))).toBe(false);
  });
});
