import * as yazl from 'yazl';

export interface ZipFixtureEntry {
  name: string;
  data?: string | Buffer;
  mode?: number;
  directory?: boolean;
}

/** Builds a zip with yazl (which refuses unsafe names itself; see `renameEntries` for those). */
export function buildZip(entries: ZipFixtureEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const e of entries) {
      if (e.directory) zip.addEmptyDirectory(e.name, { mode: e.mode });
      else zip.addBuffer(Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? ''), e.name, { mode: e.mode });
    }
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

/**
 * Rewrites entry names in place (local headers and central directory) to produce names yazl would refuse,
 * e.g. `../evil.js`. The replacement must have the same byte length; names are not covered by the CRC.
 */
export function renameEntries(zip: Buffer, from: string, to: string): Buffer {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('replacement must keep the length');
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  const replacement = Buffer.from(to);
  let at = out.indexOf(needle);
  let count = 0;
  while (at !== -1) {
    replacement.copy(out, at);
    count += 1;
    at = out.indexOf(needle, at + needle.length);
  }
  if (count === 0) throw new Error(`${from} not found in the archive`);
  return out;
}
