import { SecretCipher, SecretCipherError, credentialSecretAad } from './secret-cipher';
import { parseMasterKey } from './master-key';

const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const OTHER_KEY = 'ff'.repeat(32);

describe('SecretCipher', () => {
  const cipher = new SecretCipher(KEY);

  it('round-trips text with the AAD and writes a versioned envelope', () => {
    const envelope = cipher.encrypt('exampleSecretKey/abc+123', credentialSecretAad('AK1'));
    expect(envelope).toMatch(/^v1:[A-Za-z0-9+/=]{16}:[A-Za-z0-9+/=]{24}:[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(envelope.split(':')[1], 'base64')).toHaveLength(12);
    expect(cipher.decrypt(envelope, credentialSecretAad('AK1'))).toBe('exampleSecretKey/abc+123');
    expect(SecretCipher.versionOf(envelope)).toBe('v1');
  });

  it('uses a fresh IV for every message', () => {
    expect(cipher.encrypt('same')).not.toBe(cipher.encrypt('same'));
  });

  it('round-trips empty and binary plaintexts', () => {
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
    const bytes = Buffer.from([0, 255, 1, 254]);
    expect(cipher.decryptToBuffer(cipher.encrypt(bytes))).toEqual(bytes);
  });

  it('detects tampering with the ciphertext, the tag and the IV', () => {
    const envelope = cipher.encrypt('secret value');
    const [v, iv, tag, ct] = envelope.split(':');
    const flip = (b64: string): string => {
      const b = Buffer.from(b64, 'base64');
      b[0] ^= 1;
      return b.toString('base64');
    };
    for (const tampered of [
      [v, iv, tag, flip(ct)],
      [v, iv, flip(tag), ct],
      [v, flip(iv), tag, ct],
    ]) {
      expect(() => cipher.decrypt(tampered.join(':'))).toThrow(SecretCipherError);
    }
  });

  it('rejects a wrong AAD, a wrong key, an unknown version and malformed input', () => {
    const envelope = cipher.encrypt('s', credentialSecretAad('AK1'));
    expect(() => cipher.decrypt(envelope, credentialSecretAad('AK2'))).toThrow(SecretCipherError);
    expect(() => cipher.decrypt(envelope)).toThrow(SecretCipherError);
    expect(() => new SecretCipher(OTHER_KEY).decrypt(envelope, credentialSecretAad('AK1'))).toThrow(
      SecretCipherError,
    );
    expect(() => cipher.decrypt(envelope.replace(/^v1/, 'v2'), credentialSecretAad('AK1'))).toThrow(
      /no key for version v2/,
    );
    expect(() => cipher.decrypt('not an envelope')).toThrow(SecretCipherError);
    expect(() => cipher.decrypt('v1:AAAA:BBBB:CCCC')).toThrow(SecretCipherError);
  });

  it('decrypts envelopes of a retired key after a rotation', () => {
    const old = cipher.encrypt('old secret');
    const rotated = new SecretCipher(OTHER_KEY, { keyVersion: 'v2', retiredKeys: { v1: KEY } });
    expect(rotated.decrypt(old)).toBe('old secret');
    expect(rotated.encrypt('new')).toMatch(/^v2:/);
  });

  it('requires a 64-hex master key', () => {
    expect(() => new SecretCipher('abc')).toThrow(/64 hexadecimal/);
    expect(() => parseMasterKey(undefined)).toThrow(/OFG_MASTER_KEY/);
    expect(parseMasterKey(KEY.toUpperCase())).toHaveLength(32);
  });
});
