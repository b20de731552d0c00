import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as yauzl from 'yauzl';
import { FgsError } from '@ofg/contracts';
import { buildZip, renameEntries } from '@ofg/testing';
import {
  CodePackageService,
  decodeBase64,
  inspectZip,
  sha512Hex,
  sourceFileForHandler,
} from './code-package.service';

async function errorOf(promise: Promise<unknown>): Promise<FgsError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FgsError) return err;
    throw err;
  }
  throw new Error('expected the promise to reject');
}

function entriesOf(zip: Buffer): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const out: Record<string, string> = {};
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out[entry.fileName] = Buffer.concat(chunks).toString('utf8');
            file.readEntry();
          });
        });
      });
      file.on('end', () => resolve(out));
      file.readEntry();
    });
  });
}

const service = new CodePackageService({ downloadMaxBytes: 1024 * 1024, downloadTimeoutMs: 2000 });
const base = { runtime: 'Node.js18.15', handler: 'index.handler' };

describe('inspectZip', () => {
  it('accepts a valid zip and counts files and bytes', async () => {
    const zip = await buildZip([
      { name: 'index.js', data: 'exports.handler = async () => 1;' },
      { name: 'lib/', directory: true },
      { name: 'lib/a.js', data: 'x' },
    ]);
    await expect(inspectZip(zip)).resolves.toEqual({ files: 2, uncompressedBytes: 33 });
  });

  it('rejects bytes that are not a zip with FSS.1011', async () => {
    const err = await errorOf(inspectZip(Buffer.from('definitely not a zip archive, just some text')));
    expect(err.code).toBe('FSS.1011');
  });

  it('rejects a truncated zip with FSS.1011', async () => {
    const zip = await buildZip([{ name: 'index.js', data: 'x'.repeat(100) }]);
    expect((await errorOf(inspectZip(zip.subarray(0, zip.length - 30)))).code).toBe('FSS.1011');
  });

  it('rejects an entry that climbs out with ../', async () => {
    const zip = renameEntries(
      await buildZip([{ name: 'xx/evil.js', data: 'pwned' }]),
      'xx/evil.js',
      '../evil.js',
    );
    const err = await errorOf(inspectZip(zip));
    expect(err.code).toBe('FSS.1011');
    expect(err.message).toContain('../evil.js');
  });

  it('rejects an absolute entry path', async () => {
    const zip = renameEntries(
      await buildZip([{ name: 'etc/passwd', data: 'root' }]),
      'etc/passwd',
      '/tc/passwd',
    );
    expect((await errorOf(inspectZip(zip))).code).toBe('FSS.1011');
  });

  it('rejects a backslash traversal', async () => {
    const zip = renameEntries(
      await buildZip([{ name: 'ab/evil.js', data: 'x' }]),
      'ab/evil.js',
      '..\\evil.js',
    );
    expect((await errorOf(inspectZip(zip))).code).toBe('FSS.1011');
  });

  it('rejects a symbolic link entry', async () => {
    const zip = await buildZip([
      { name: 'index.js', data: 'x' },
      { name: 'link', data: '/etc/passwd', mode: 0o120777 },
    ]);
    const err = await errorOf(inspectZip(zip));
    expect(err.code).toBe('FSS.1011');
    expect(err.message).toContain('symbolic link');
  });

  it('rejects more entries than allowed with FSS.1023', async () => {
    const zip = await buildZip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.js`, data: 'x' })));
    expect((await errorOf(inspectZip(zip, { maxEntries: 4, maxUncompressedBytes: 1e9 }))).code).toBe(
      'FSS.1023',
    );
    await expect(inspectZip(zip, { maxEntries: 5, maxUncompressedBytes: 1e9 })).resolves.toEqual({
      files: 5,
      uncompressedBytes: 5,
    });
  });

  it('rejects more declared uncompressed bytes than allowed with FSS.1023', async () => {
    const zip = await buildZip([{ name: 'big.txt', data: Buffer.alloc(2000, 0x61) }]);
    expect((await errorOf(inspectZip(zip, { maxEntries: 10, maxUncompressedBytes: 1999 }))).code).toBe(
      'FSS.1023',
    );
  });

  it('rejects an archive without files with FSS.1012', async () => {
    expect((await errorOf(inspectZip(await buildZip([])))).code).toBe('FSS.1012');
    expect((await errorOf(inspectZip(await buildZip([{ name: 'only-a-dir/', directory: true }])))).code).toBe(
      'FSS.1012',
    );
  });
});

describe('decodeBase64', () => {
  it('decodes standard Base64 with line breaks', () => {
    expect(decodeBase64('aGVs\nbG8=', 100, 'FSS.1071').toString()).toBe('hello');
  });

  it('rejects characters outside the alphabet with FSS.1011', () => {
    expect(() => decodeBase64('not base64!!', 100, 'FSS.1071')).toThrow(
      expect.objectContaining({ code: 'FSS.1011' }),
    );
  });

  it('checks the size before decoding', () => {
    const text = Buffer.alloc(101).toString('base64');
    expect(() => decodeBase64(text, 100, 'FSS.1071')).toThrow(
      expect.objectContaining({ code: 'FSS.1071', status: 413 }),
    );
    expect(decodeBase64(Buffer.alloc(100).toString('base64'), 100, 'FSS.1071')).toHaveLength(100);
  });
});

describe('sourceFileForHandler', () => {
  it('derives the module file from the handler', () => {
    expect(sourceFileForHandler('index.handler', 'Node.js18.15')).toBe('index.js');
    expect(sourceFileForHandler('src/app.main', 'Node.js20.15')).toBe('src/app.js');
    expect(sourceFileForHandler('index.handler', 'Python3.9')).toBe('index.py');
  });
});

describe('CodePackageService.prepare', () => {
  it('wraps inline raw source into a zip named after the handler', async () => {
    const source = 'exports.handler = async (event) => event;\n';
    const code = await service.prepare({
      ...base,
      codeType: 'inline',
      file: Buffer.from(source).toString('base64'),
    });
    expect(code.codeFilename).toBe('index.js');
    expect(await entriesOf(code.zip)).toEqual({ 'index.js': source });
    expect(code.digest).toBe(sha512Hex(code.zip));
    expect(code.digest).toMatch(/^[0-9a-f]{128}$/);
    expect(code.size).toBe(code.zip.length);
  });

  it('wraps identical inline source into identical bytes (stable digest)', async () => {
    const file = Buffer.from('exports.handler = () => 1;').toString('base64');
    const a = await service.prepare({ ...base, codeType: 'inline', file });
    const b = await service.prepare({ ...base, codeType: 'inline', file });
    expect(a.digest).toBe(b.digest);
  });

  it('uses code_filename for inline source when it names a source file', async () => {
    const code = await service.prepare({
      ...base,
      codeType: 'inline',
      codeFilename: 'main.js',
      file: Buffer.from('x').toString('base64'),
    });
    expect(Object.keys(await entriesOf(code.zip))).toEqual(['main.js']);
  });

  it('keeps an inline zip as it is', async () => {
    const zip = await buildZip([{ name: 'index.js', data: 'exports.handler = () => 2;' }]);
    const code = await service.prepare({
      ...base,
      codeType: 'inline',
      codeFilename: 'index.zip',
      file: zip.toString('base64'),
    });
    expect(code.zip.equals(zip)).toBe(true);
    expect(code.codeFilename).toBe('index.zip');
  });

  it('refuses inline code over 10 KB with 413 FSS.1072', async () => {
    const err = await errorOf(
      service.prepare({
        ...base,
        codeType: 'inline',
        file: Buffer.alloc(10 * 1024 + 1, 0x61).toString('base64'),
      }),
    );
    expect(err.code).toBe('FSS.1072');
    expect(err.status).toBe(413);
  });

  it('refuses empty code with FSS.1012', async () => {
    expect((await errorOf(service.prepare({ ...base, codeType: 'zip', file: '' }))).code).toBe('FSS.1012');
    expect((await errorOf(service.prepare({ ...base, codeType: 'inline' }))).code).toBe('FSS.1012');
  });

  it('validates zip uploads', async () => {
    const good = await buildZip([{ name: 'index.js', data: 'exports.handler = () => 3;' }]);
    const code = await service.prepare({
      ...base,
      codeType: 'zip',
      codeFilename: 'fn.zip',
      file: good.toString('base64'),
    });
    expect(code.codeFilename).toBe('fn.zip');
    const evil = renameEntries(
      await buildZip([{ name: 'xx/evil.js', data: 'x' }]),
      'xx/evil.js',
      '../evil.js',
    );
    expect(
      (await errorOf(service.prepare({ ...base, codeType: 'zip', file: evil.toString('base64') }))).code,
    ).toBe('FSS.1011');
  });

  describe('obs', () => {
    let server: Server;
    let origin: string;
    let zip: Buffer;

    beforeAll(async () => {
      zip = await buildZip([{ name: 'index.js', data: 'exports.handler = () => 4;' }]);
      server = createServer((req, res) => {
        if (req.url === '/bucket/fn%20code.zip') return res.end(zip);
        if (req.url === '/big.zip') return res.end(Buffer.alloc(2 * 1024 * 1024));
        res.statusCode = 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('downloads the package and names it after the last path segment', async () => {
      const code = await service.prepare({
        ...base,
        codeType: 'obs',
        codeUrl: `${origin}/bucket/fn%20code.zip`,
      });
      expect(code.zip.equals(zip)).toBe(true);
      expect(code.codeFilename).toBe('fn code.zip');
      expect(code.codeUrl).toBe(`${origin}/bucket/fn%20code.zip`);
    });

    it('answers 404 FSS.1054 for a missing package and for an unreachable host', async () => {
      expect(
        (await errorOf(service.prepare({ ...base, codeType: 'obs', codeUrl: `${origin}/missing.zip` }))).code,
      ).toBe('FSS.1054');
      expect(
        (await errorOf(service.prepare({ ...base, codeType: 'obs', codeUrl: 'http://127.0.0.1:1/x.zip' })))
          .code,
      ).toBe('FSS.1054');
    });

    it('stops at the size cap with FSS.1071', async () => {
      expect(
        (await errorOf(service.prepare({ ...base, codeType: 'obs', codeUrl: `${origin}/big.zip` }))).code,
      ).toBe('FSS.1071');
    });

    it('requires an http(s) URL (FSS.1010)', async () => {
      expect(
        (await errorOf(service.prepare({ ...base, codeType: 'obs', codeUrl: 'file:///etc/passwd' }))).code,
      ).toBe('FSS.1010');
      expect((await errorOf(service.prepare({ ...base, codeType: 'obs' }))).code).toBe('FSS.1010');
    });
  });
});
