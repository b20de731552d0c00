import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface PasswordHasherOptions {
  /** CPU/memory cost, a power of two; default 2^15. */
  N?: number;
  r?: number;
  p?: number;
  keyLength?: number;
}

// Refuses stored parameters that would make a single verification exhaust memory.
const MAX_N = 1 << 20;

/** scrypt password hashes in the form `scrypt$N$r$p$<b64 salt>$<b64 hash>`. */
export class PasswordHasher {
  private readonly N: number;
  private readonly r: number;
  private readonly p: number;
  private readonly keyLength: number;

  constructor(options: PasswordHasherOptions = {}) {
    this.N = options.N ?? 1 << 15;
    this.r = options.r ?? 8;
    this.p = options.p ?? 1;
    this.keyLength = options.keyLength ?? 32;
    if (!isPowerOfTwo(this.N) || this.N > MAX_N)
      throw new Error('scrypt N must be a power of two up to 2^20');
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const derived = await derive(password, salt, this.keyLength, this.N, this.r, this.p);
    return ['scrypt', this.N, this.r, this.p, salt.toString('base64'), derived.toString('base64')].join('$');
  }

  /** False for a wrong password and for a malformed hash; never throws for bad input. */
  async verify(password: string, encoded: string): Promise<boolean> {
    const parts = encoded.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
    const [N, r, p] = parts.slice(1, 4).map(Number);
    const salt = Buffer.from(parts[4], 'base64');
    const expected = Buffer.from(parts[5], 'base64');
    if (
      !isPowerOfTwo(N) ||
      N > MAX_N ||
      !(r >= 1 && r <= 32) ||
      !(p >= 1 && p <= 16) ||
      salt.length === 0 ||
      expected.length < 16
    ) {
      return false;
    }
    const derived = await derive(password, salt, expected.length, N, r, p);
    return timingSafeEqual(derived, expected);
  }

  /** True when a stored hash uses weaker parameters than this hasher. */
  needsRehash(encoded: string): boolean {
    const [scheme, N, r, p] = encoded.split('$');
    return scheme !== 'scrypt' || Number(N) < this.N || Number(r) < this.r || Number(p) < this.p;
  }
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

function derive(
  password: string,
  salt: Buffer,
  keyLength: number,
  N: number,
  r: number,
  p: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}
