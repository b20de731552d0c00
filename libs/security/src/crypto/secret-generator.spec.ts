import { generateAccessKey, generateHexId, generateSecretKey, randomString } from './secret-generator';

describe('secret generators', () => {
  it('produce Huawei-shaped values', () => {
    expect(generateAccessKey()).toMatch(/^[A-Z0-9]{20}$/);
    expect(generateSecretKey()).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(generateHexId()).toMatch(/^[0-9a-f]{32}$/);
    expect(generateAccessKey()).not.toBe(generateAccessKey());
  });

  it('only uses the given alphabet', () => {
    expect(randomString(200, 'ab')).toMatch(/^[ab]{200}$/);
  });
});
