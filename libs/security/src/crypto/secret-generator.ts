import { randomBytes, randomInt } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniformly random string over `alphabet` (randomInt avoids modulo bias). */
export function randomString(length: number, alphabet: string = ALNUM): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Access key id in Huawei's shape: 20 upper-case alphanumerics. */
export function generateAccessKey(): string {
  return randomString(20, UPPER_ALNUM);
}

/** Secret access key in Huawei's shape: 40 alphanumerics. */
export function generateSecretKey(): string {
  return randomString(40, ALNUM);
}

/** Project or domain id in Huawei's shape: 32 lower-case hex characters. */
export function generateHexId(): string {
  return randomBytes(16).toString('hex');
}
