/** Parses the 64-hex-character AES-256 key-encryption key (OFG_MASTER_KEY). */
export function parseMasterKey(hex: string | undefined, name = 'OFG_MASTER_KEY'): Buffer {
  const value = (hex ?? '').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(value)) {
    throw new Error(
      `${name} must be 64 hexadecimal characters (32 bytes); generate one with: openssl rand -hex 32`,
    );
  }
  return Buffer.from(value, 'hex');
}
