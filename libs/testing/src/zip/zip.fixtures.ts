import { ZipFile } from 'yazl';

export interface ZipFixtureEntry {
  name: string;
  data?: string | Buffer;
  mode?: number;
  directory?: boolean;
  /** Stored, not deflated (fast fixtures with many entries). */
  store?: boolean;
}

/** Builds a zip in memory with yazl (which refuses unsafe names itself; see `renameEntries` for those). */
export function buildZip(entries: ZipFixtureEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    for (const e of entries) {
      if (e.directory) zip.addEmptyDirectory(e.name, e.mode ? { mode: e.mode } : {});
      else
        zip.addBuffer(Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? ''), e.name, {
          ...(e.mode ? { mode: e.mode } : {}),
          compress: !e.store,
        });
    }
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

/** A zip of `{path: content}` files. */
export function zipOf(files: Record<string, string>): Promise<Buffer> {
  return buildZip(Object.entries(files).map(([name, data]) => ({ name, data })));
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
