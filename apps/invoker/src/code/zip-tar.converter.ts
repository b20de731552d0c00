import { Readable } from 'node:stream';
import { pack as tarPack, Pack } from 'tar-stream';
import { Entry, fromBuffer, ZipFile } from 'yauzl';
import { FgsError, LIMITS } from '@ofg/contracts';

/** What an untrusted package may expand to. */
export interface ZipLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: LIMITS.zipEntries,
  maxUncompressedBytes: LIMITS.unzippedCodeBytes,
};

export interface TarResult {
  tar: Buffer;
  files: number;
  bytes: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MADE_BY_UNIX = 3;

/** Rejects a package the invoker must not unpack. */
function invalid(message: string): FgsError {
  return new FgsError('FSS.1011', `invalid code package: ${message}`);
}

/** Re-checks what yauzl already validates, so a future option change cannot open a traversal. */
function safeName(raw: string): string {
  if (raw.includes('\0') || raw.includes('\\'))
    throw invalid(`bad characters in entry name ${JSON.stringify(raw)}`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw invalid(`absolute path ${JSON.stringify(raw)}`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`path traversal in ${JSON.stringify(raw)}`);
  return parts.join('/');
}

/** The unix mode bits of an entry, when the zip carries them. */
function unixMode(entry: Entry): number {
  return (entry.externalFileAttributes >>> 16) & 0xffff;
}

/**
 * Converts an untrusted zip into an uncompressed tar for `PUT /code`: no absolute or `..` paths, no symlinks or special
 * files, bounded entry count and uncompressed size; directories 0755, files 0644 (0755 when the zip marks them executable).
 */
export function zipToTar(zip: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<TarResult> {
  return new Promise<TarResult>((resolve, reject) => {
    fromBuffer(
      zip,
      { lazyEntries: true, validateEntrySizes: true, decodeStrings: true, strictFileNames: false },
      (openErr, zipfile) => {
        if (openErr || !zipfile) return reject(invalid(openErr?.message ?? 'unreadable zip'));
        if (zipfile.entryCount > limits.maxEntries) {
          zipfile.close();
          return reject(invalid(`more than ${limits.maxEntries} entries`));
        }
        convert(zipfile, limits).then(resolve, (err: unknown) => {
          zipfile.close();
          reject(err instanceof FgsError ? err : invalid(err instanceof Error ? err.message : String(err)));
        });
      },
    );
  });
}

async function convert(zipfile: ZipFile, limits: ZipLimits): Promise<TarResult> {
  const tar = tarPack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  const dirs = new Set<string>();
  let files = 0;
  let bytes = 0;

  const addDir = async (dir: string, mtime: Date): Promise<void> => {
    if (dir === '' || dirs.has(dir)) return;
    const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
    await addDir(parent, mtime);
    dirs.add(dir);
    await writeEntry(tar, { name: `${dir}/`, type: 'directory', mode: 0o755, mtime });
  };

  for (;;) {
    const entry = await nextEntry(zipfile);
    if (!entry) break;
    const mode = unixMode(entry);
    const fileType = mode & S_IFMT;
    const isDir = entry.fileName.endsWith('/') || fileType === S_IFDIR;
    if (fileType !== 0 && fileType !== S_IFREG && fileType !== S_IFDIR) {
      throw invalid(`${JSON.stringify(entry.fileName)} is a symlink or special file`);
    }
    if (entry.isEncrypted()) throw invalid(`${JSON.stringify(entry.fileName)} is encrypted`);
    const name = safeName(entry.fileName);
    const mtime = entry.getLastModDate();
    if (name === '') continue;
    if (isDir) {
      await addDir(name, mtime);
      continue;
    }
    bytes += entry.uncompressedSize;
    if (bytes > limits.maxUncompressedBytes)
      throw invalid(`expands to more than ${limits.maxUncompressedBytes} bytes`);
    await addDir(name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '', mtime);
    const executable =
      (entry.versionMadeBy >> 8 === MADE_BY_UNIX || fileType === S_IFREG) && (mode & 0o111) !== 0;
    const content = await openEntry(zipfile, entry);
    await writeEntry(
      tar,
      { name, type: 'file', size: entry.uncompressedSize, mode: executable ? 0o755 : 0o644, mtime },
      content,
    );
    files += 1;
  }
  zipfile.close();
  tar.finalize();
  await ended;
  return { tar: Buffer.concat(chunks), files, bytes };
}

function nextEntry(zipfile: ZipFile): Promise<Entry | undefined> {
  return new Promise<Entry | undefined>((resolve, reject) => {
    const cleanup = (): void => {
      zipfile.removeListener('entry', onEntry);
      zipfile.removeListener('end', onEnd);
      zipfile.removeListener('error', onError);
    };
    const onEntry = (entry: Entry): void => {
      cleanup();
      resolve(entry);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    zipfile.once('entry', onEntry);
    zipfile.once('end', onEnd);
    zipfile.once('error', onError);
    zipfile.readEntry();
  });
}

function openEntry(zipfile: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise<Readable>((resolve, reject) => {
    zipfile.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

/** Writes one tar entry, streaming its content when there is some. */
function writeEntry(tar: Pack, header: Parameters<Pack['entry']>[0], content?: Readable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!content) {
      tar.entry(header, (err) => (err ? reject(err) : resolve()));
      return;
    }
    const sink = tar.entry(header, (err) => (err ? reject(err) : resolve()));
    content.on('error', (err) => {
      sink.destroy(err);
      reject(err);
    });
    content.pipe(sink);
  });
}
