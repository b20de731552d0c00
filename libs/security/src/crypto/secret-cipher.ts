import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { parseMasterKey } from './master-key';

/** Raised when an envelope is malformed, was tampered with, or was sealed with another key or AAD. */
export class SecretCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretCipherError';
  }
}

export interface SecretCipherOptions {
  /** Label written into new envelopes; default `v1`. */
  keyVersion?: string;
  /** Older keys (version → 64 hex) still accepted for decryption during a rotation. */
  retiredKeys?: Readonly<Record<string, string>>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = /^v[0-9]{1,6}$/;

/** AAD binding a stored secret key to its access key, so ciphertexts cannot be swapped between rows. */
export function credentialSecretAad(accessKey: string): string {
  return `ofg:credential:${accessKey}`;
}

/** AAD binding a temporary credential's secret key to its access key (a separate namespace from permanent keys). */
export function temporaryCredentialSecretAad(accessKey: string): string {
  return `ofg:temporary-credential:${accessKey}`;
}

/** AAD binding encrypted environment variables to their function, so ciphertexts cannot be moved between functions. */
export function functionEnvAad(functionId: string): string {
  return `ofg:function-env:${functionId}`;
}

/** AAD binding a function's tracing secret key (APM SK) to its function. */
export function functionTracingAad(functionId: string): string {
  return `ofg:function-tracing:${functionId}`;
}

/** AAD of encrypted environment variables sealed into an export archive: importable into any function here. */
export const FUNCTION_EXPORT_ENV_AAD = 'ofg:function-export-env';

/**
 * AES-256-GCM envelope encryption under the master key: `<version>:<b64 iv>:<b64 tag>:<b64 ciphertext>`
 * with a random 96-bit IV per message; decryption authenticates the ciphertext and the AAD.
 */
export class SecretCipher {
  private readonly keyVersion: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(masterKeyHex: string, options: SecretCipherOptions = {}) {
    this.keyVersion = options.keyVersion ?? 'v1';
    if (!VERSION.test(this.keyVersion))
      throw new Error(`key version must look like v1, got "${this.keyVersion}"`);
    for (const [version, hex] of Object.entries(options.retiredKeys ?? {})) {
      if (!VERSION.test(version)) throw new Error(`key version must look like v1, got "${version}"`);
      this.keys.set(version, parseMasterKey(hex, `retired key ${version}`));
    }
    this.keys.set(this.keyVersion, parseMasterKey(masterKeyHex));
  }

  encrypt(plaintext: string | Uint8Array, aad = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(this.keyVersion), iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    return [
      this.keyVersion,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ciphertext.toString('base64'),
    ].join(':');
  }

  /** Decrypts to UTF-8 text; throws SecretCipherError when anything does not authenticate. */
  decrypt(envelope: string, aad = ''): string {
    return this.decryptToBuffer(envelope, aad).toString('utf8');
  }

  decryptToBuffer(envelope: string, aad = ''): Buffer {
    const parts = envelope.split(':');
    if (parts.length !== 4) throw new SecretCipherError('malformed envelope');
    const [version, ivB64, tagB64, ctB64] = parts;
    const key = this.keys.get(version);
    if (!key) throw new SecretCipherError(`no key for version ${version}`);
    const iv = Buffer.from(ivB64, 'base64');
    const tag = Buffer.from(tagB64, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretCipherError('malformed envelope');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ctB64, 'base64')), decipher.final()]);
    } catch {
      throw new SecretCipherError('ciphertext does not authenticate (wrong key, wrong AAD or tampered)');
    }
  }

  /** Version label of an envelope, e.g. to find rows that still need re-encryption after a rotation. */
  static versionOf(envelope: string): string | undefined {
    const version = envelope.split(':', 1)[0];
    return VERSION.test(version) ? version : undefined;
  }

  private keyFor(version: string): Buffer {
    const key = this.keys.get(version);
    if (!key) throw new SecretCipherError(`no key for version ${version}`);
    return key;
  }
}
