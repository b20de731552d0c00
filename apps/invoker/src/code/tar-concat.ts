const BLOCK = 512;
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** Octal (or GNU base-256) number field of a tar header. */
function headerNumber(header: Buffer, offset: number, length: number): number {
  const field = header.subarray(offset, offset + length);
  if (field[0] & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** Bytes of `tar` up to (not including) its end-of-archive blocks: its entries alone. */
export function tarEntries(tar: Buffer): Buffer {
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = headerNumber(header, 124, 12);
    if (!Number.isFinite(size) || size < 0) throw new Error(`invalid tar entry size at offset ${offset}`);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (offset > tar.length) throw new Error('truncated tar archive');
  return tar.subarray(0, offset);
}

/**
 * One tar holding the entries of all `tars` in order. A bootstrap unpacks entries in order, so a later path overwrites
 * an earlier one: dependencies listed after the code win over it, as FunctionGraph merges them.
 */
export function concatTars(tars: readonly Buffer[]): Buffer {
  if (tars.length === 1) return tars[0];
  return Buffer.concat([...tars.map(tarEntries), END_OF_ARCHIVE]);
}
