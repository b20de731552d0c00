import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import * as yauzl from 'yauzl';
import * as yazl from 'yazl';
import { FgsError, LIMITS, RUNTIMES, RuntimeName } from '@ofg/contracts';

export type CodeType = 'inline' | 'zip' | 'obs' | 'jar';

/** What create/update-code bodies say about the code. */
export interface CodeInput {
  codeType: CodeType;
  /** Base64 from `func_code.file`. */
  file?: string;
  codeUrl?: string;
  codeFilename?: string;
  runtime: string;
  handler: string;
}

/** A validated package ready to store: always a zip, content-addressed by SHA-512. */
export interface PreparedCode {
  zip: Buffer;
  digest: string;
  size: number;
  codeFilename: string;
  codeUrl: string;
}

export interface CodePackageOptions {
  downloadMaxBytes: number;
  downloadTimeoutMs: number;
  fetchImpl?: typeof fetch;
}

export const CODE_PACKAGE_OPTIONS = Symbol('CODE_PACKAGE_OPTIONS');

export interface ZipLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
}

export interface ZipSummary {
  files: number;
  uncompressedBytes: number;
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const SOURCE_EXTENSIONS: Partial<Record<string, string>> = { nodejs: '.js', python: '.py', php: '.php' };
// A fixed timestamp keeps wrapped inline code byte-identical, so the same source always gets the same digest.
const WRAP_MTIME = new Date('2000-01-01T00:00:00Z');
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Turns any accepted code_type into a validated zip package. */
@Injectable()
export class CodePackageService {
  private readonly fetchImpl: typeof fetch;

  constructor(@Inject(CODE_PACKAGE_OPTIONS) private readonly options: CodePackageOptions) {
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  async prepare(input: CodeInput): Promise<PreparedCode> {
    let zip: Buffer;
    let codeFilename: string;
    let codeUrl = '';
    switch (input.codeType) {
      case 'inline': {
        const bytes = decodeBase64(input.file ?? '', LIMITS.inlineCodeBytes, 'FSS.1072');
        if (bytes.length === 0)
          throw new FgsError('FSS.1012', 'Function code is empty: func_code.file is required');
        if (isZip(bytes)) {
          zip = bytes;
          codeFilename = input.codeFilename || 'index.zip';
        } else {
          codeFilename = inlineEntryName(input);
          zip = await wrapInZip(codeFilename, bytes);
        }
        break;
      }
      case 'zip':
      case 'jar': {
        zip = decodeBase64(input.file ?? '', LIMITS.zipCodeBytes, 'FSS.1071');
        if (zip.length === 0)
          throw new FgsError('FSS.1012', 'Function code is empty: func_code.file is required');
        codeFilename = input.codeFilename || (input.codeType === 'jar' ? 'index.jar' : 'index.zip');
        break;
      }
      case 'obs': {
        const url = parseCodeUrl(input.codeUrl);
        zip = await this.download(url);
        if (zip.length === 0)
          throw new FgsError('FSS.1012', 'Function code is empty: the package at code_url has no content');
        codeUrl = url.toString();
        codeFilename = lastPathSegment(url) || 'index.zip';
        break;
      }
      default:
        throw new FgsError('FSS.1006', `Invalid parameter code_type: ${String(input.codeType)}`);
    }
    await inspectZip(zip);
    return { zip, digest: sha512Hex(zip), size: zip.length, codeFilename, codeUrl };
  }

  /** Downloads a package with a deadline and a streamed size cap (a lying Content-Length cannot exhaust memory). */
  async download(url: URL): Promise<Buffer> {
    const max = this.options.downloadMaxBytes;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.options.downloadTimeoutMs);
    try {
      let res: Response;
      try {
        res = await this.fetchImpl(url, { signal: abort.signal, redirect: 'follow' });
      } catch {
        throw new FgsError(
          'FSS.1054',
          `The code package at ${url.origin}${url.pathname} could not be downloaded`,
        );
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new FgsError(
          'FSS.1054',
          `The code package at ${url.origin}${url.pathname} could not be downloaded (HTTP ${res.status})`,
        );
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > max) {
        await res.body?.cancel().catch(() => undefined);
        throw tooLargePackage(max);
      }
      if (!res.body) return Buffer.alloc(0);
      const reader = res.body.getReader();
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > max) {
            await reader.cancel().catch(() => undefined);
            throw tooLargePackage(max);
          }
          chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        }
      } catch (err) {
        if (err instanceof FgsError) throw err;
        throw new FgsError(
          'FSS.1054',
          `The code package at ${url.origin}${url.pathname} could not be downloaded (transfer failed or timed out)`,
        );
      }
      return Buffer.concat(chunks, size);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function sha512Hex(data: Buffer): string {
  return createHash('sha512').update(data).digest('hex');
}

export function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.subarray(0, 4).equals(ZIP_MAGIC);
}

/** Strict Base64 (standard or URL-safe alphabet, whitespace ignored); the size limit is checked before decoding. */
export function decodeBase64(text: string, maxBytes: number, tooLargeCode: 'FSS.1071' | 'FSS.1072'): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw new FgsError('FSS.1011', 'Invalid parameter func_code.file: not valid Base64');
  }
  const padding = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  const decodedLength = Math.floor((compact.length * 3) / 4) - padding;
  if (decodedLength > maxBytes) {
    throw tooLargeCode === 'FSS.1072'
      ? new FgsError('FSS.1072', `Inline code is larger than ${maxBytes / 1024} KB`)
      : tooLargePackage(maxBytes);
  }
  return Buffer.from(compact, 'base64');
}

function tooLargePackage(maxBytes: number): FgsError {
  return new FgsError('FSS.1071', `Code package is larger than ${Math.round(maxBytes / (1024 * 1024))} MB`);
}

/** The single file inline source is stored as: `code_filename` when it names a source file, else derived from the handler. */
export function inlineEntryName(input: Pick<CodeInput, 'codeFilename' | 'handler' | 'runtime'>): string {
  const given = input.codeFilename?.trim();
  if (given && !/\.(zip|jar)$/i.test(given)) {
    if (unsafeEntryName(given))
      throw new FgsError('FSS.1011', 'Invalid parameter code_filename: must be a relative file name');
    return given;
  }
  return sourceFileForHandler(input.handler, input.runtime);
}

/** `index.handler` → `index.js` for Node.js; `dir/app.main` → `dir/app.js`. */
export function sourceFileForHandler(handler: string, runtime: string): string {
  const dot = handler.lastIndexOf('.');
  const module = dot > 0 ? handler.slice(0, dot) : handler;
  const family = RUNTIMES[runtime as RuntimeName] ?? '';
  const name = `${module}${SOURCE_EXTENSIONS[family] ?? ''}`;
  if (unsafeEntryName(name))
    throw new FgsError('FSS.1003', 'Invalid parameter handler: the module path must be relative');
  return name;
}

export function wrapInZip(entryName: string, content: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(content, entryName, { mtime: WRAP_MTIME, mode: 0o100644 });
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

/** Why an entry name would escape the package folder, or undefined when it is safe. */
export function unsafeEntryName(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.includes('\0')) return 'NUL in name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split('/').includes('..')) return 'parent-directory segment';
  return undefined;
}

/**
 * Validates an untrusted zip without extracting it: well-formed, only regular files and folders inside the package
 * root, at most `maxEntries` entries and `maxUncompressedBytes` declared uncompressed bytes, at least one file.
 */
export function inspectZip(
  data: Buffer,
  limits: ZipLimits = { maxEntries: LIMITS.zipEntries, maxUncompressedBytes: LIMITS.unzippedCodeBytes },
): Promise<ZipSummary> {
  return new Promise<ZipSummary>((resolve, reject) => {
    if (data.length === 0) return reject(new FgsError('FSS.1012', 'Function code is empty'));
    yauzl.fromBuffer(
      data,
      { lazyEntries: true, decodeStrings: true, strictFileNames: true, validateEntrySizes: true },
      (err, zip) => {
        if (err || !zip)
          return reject(new FgsError('FSS.1011', 'Invalid function code: not a valid zip archive'));
        let settled = false;
        let files = 0;
        let uncompressedBytes = 0;
        const fail = (error: FgsError): void => {
          if (settled) return;
          settled = true;
          zip.close();
          reject(error);
        };
        if (zip.entryCount > limits.maxEntries) {
          return fail(
            new FgsError('FSS.1023', `The code package has more than ${limits.maxEntries} entries`),
          );
        }
        zip.on('error', (e: unknown) => {
          const detail = e instanceof Error ? e.message.slice(0, 200) : 'unreadable archive';
          fail(new FgsError('FSS.1011', `Invalid function code: ${detail}`));
        });
        zip.on('entry', (entry: yauzl.Entry) => {
          if (settled) return;
          const problem = unsafeEntryName(entry.fileName);
          if (problem)
            return fail(
              new FgsError(
                'FSS.1011',
                `Invalid function code: entry "${entry.fileName.slice(0, 100)}" is not allowed (${problem})`,
              ),
            );
          if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
            return fail(
              new FgsError(
                'FSS.1011',
                `Invalid function code: entry "${entry.fileName.slice(0, 100)}" is a symbolic link`,
              ),
            );
          }
          if (entry.isEncrypted())
            return fail(
              new FgsError(
                'FSS.1011',
                `Invalid function code: entry "${entry.fileName.slice(0, 100)}" is encrypted`,
              ),
            );
          uncompressedBytes += entry.uncompressedSize;
          if (uncompressedBytes > limits.maxUncompressedBytes) {
            return fail(
              new FgsError(
                'FSS.1023',
                `The code package is larger than ${Math.round(limits.maxUncompressedBytes / (1024 * 1024))} MB uncompressed`,
              ),
            );
          }
          if (!entry.fileName.endsWith('/')) files += 1;
          zip.readEntry();
        });
        zip.on('end', () => {
          if (settled) return;
          if (files === 0)
            return fail(new FgsError('FSS.1012', 'Function code is empty: the zip archive holds no files'));
          settled = true;
          resolve({ files, uncompressedBytes });
        });
        zip.readEntry();
      },
    );
  });
}

/** `code_url` must be an absolute http(s) URL. */
export function parseCodeUrl(value: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(value ?? '');
  } catch {
    throw new FgsError('FSS.1010', 'Invalid parameter code_url: must be an http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FgsError('FSS.1010', 'Invalid parameter code_url: must be an http or https URL');
  }
  return url;
}

/** The file name a downloaded package keeps: the URL's last path segment, decoded, at most 255 characters. */
export function lastPathSegment(url: URL): string {
  const segment = url.pathname.split('/').filter(Boolean).pop() ?? '';
  try {
    return decodeURIComponent(segment).slice(0, 255);
  } catch {
    return segment.slice(0, 255);
  }
}
