import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTar } from '@ofg/testing';

interface TarSummary {
  files: number;
  bytes: number;
}
interface ProtocolOptions {
  codeRoot: string;
  maxCodeBytes: number;
  maxJsonBytes: number;
  errorText: (err: unknown) => string;
  init: (request: Record<string, unknown>) => unknown;
  invoke: (request: Record<string, unknown>) => unknown;
  onListening: (host: string, port: number) => void;
}

// Plain CommonJS shipped as is into the runtime images; typed here by hand.
const archive = require('../code-archive') as {
  BadArchiveError: new (message: string) => Error;
  extractTar(buf: Buffer, codeRoot: string): TarSummary;
};
const protocol = require('../protocol-server') as {
  HttpError: new (status: number, message: string) => Error;
  serveProtocol(options: ProtocolOptions): http.Server;
};

describe('code-archive', () => {
  let codeRoot: string;
  beforeEach(() => {
    codeRoot = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ofg-shared-')), 'code');
  });
  afterEach(() => fs.rmSync(path.dirname(codeRoot), { recursive: true, force: true }));

  it('unpacks files and directories with their modes and counts them', async () => {
    const tar = await makeTar([
      { name: 'lib', type: 'directory', mode: 0o700 },
      { name: 'lib/util.js', content: 'exports.x = 1;', mode: 0o600 },
      { name: 'run.sh', content: '#!/bin/sh', mode: 0o755 },
    ]);
    expect(archive.extractTar(tar, codeRoot)).toEqual({ files: 2, bytes: 23 });
    expect(fs.readFileSync(path.join(codeRoot, 'lib/util.js'), 'utf8')).toBe('exports.x = 1;');
    expect(fs.statSync(path.join(codeRoot, 'lib/util.js')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(codeRoot, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(codeRoot, 'lib')).mode & 0o777).toBe(0o700);
  });

  it.each([
    [
      'a symlink',
      { name: 'link', type: 'symlink' as const, linkname: '/etc/passwd' },
      /links are not allowed/,
    ],
    ['a path traversal', { name: '../escape.js', content: 'x' }, /path traversal not allowed/],
    ['an absolute path', { name: '/etc/evil', content: 'x' }, /absolute path not allowed/],
    ['a file used as a directory', { name: 'ok.js/inner.js', content: 'x' }, /which is a file/],
  ])('refuses %s and writes nothing', async (_what, entry, message) => {
    const tar = await makeTar([{ name: 'ok.js', content: 'ok' }, entry]);
    expect(() => archive.extractTar(tar, codeRoot)).toThrow(archive.BadArchiveError);
    expect(() => archive.extractTar(tar, codeRoot)).toThrow(message);
    expect(fs.existsSync(codeRoot)).toBe(false);
  });

  it('refuses empty, garbage and truncated archives', async () => {
    const full = await makeTar([{ name: 'index.js', content: 'x'.repeat(2000) }]);
    for (const [buf, message] of [
      [Buffer.alloc(0), /empty archive/],
      [Buffer.from('not a tar archive'.repeat(40)), /checksum/],
      [full.subarray(0, 1024), /truncated archive/],
    ] as const) {
      expect(() => archive.extractTar(buf, codeRoot)).toThrow(message);
    }
  });
});

describe('protocol-server', () => {
  let server: http.Server;
  let port: number;
  let codeRoot: string;
  const calls: Array<[string, Record<string, unknown>]> = [];

  beforeAll(async () => {
    codeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ofg-shared-proto-'));
    process.env['BOOTSTRAP_PORT'] = '0';
    process.env['BOOTSTRAP_HOST'] = '127.0.0.1';
    port = await new Promise<number>((resolve) => {
      server = protocol.serveProtocol({
        codeRoot,
        maxCodeBytes: 4096,
        maxJsonBytes: 64,
        errorText: (err) => (err instanceof Error ? err.message : `non-error ${JSON.stringify(err)}`),
        init: (request) => {
          calls.push(['init', request]);
          if (request['fail'] === 'http') throw new protocol.HttpError(400, 'handler is bad');
          if (request['fail'] === 'crash') throw new Error('boom');
          if (request['fail'] === 'raw') throw 'raw';
          return { ok: true };
        },
        invoke: (request) => {
          calls.push(['invoke', request]);
          return { status: 'success', result: request['requestId'] };
        },
        onListening: (_host, bound) => resolve(bound),
      });
    });
    expect((server.address() as AddressInfo).port).toBe(port);
  });
  afterAll(() => {
    server.close();
    fs.rmSync(codeRoot, { recursive: true, force: true });
  });

  function call(
    method: string,
    urlPath: string,
    body?: Buffer | string,
  ): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: urlPath }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('answers health, and 404 / 405 for unknown routes and methods', async () => {
    expect(await call('GET', '/health')).toEqual({ status: 200, body: { ready: true } });
    expect(await call('GET', '/nope')).toEqual({
      status: 404,
      body: { errorMessage: 'no route for GET /nope' },
    });
    expect(await call('GET', '/invoke')).toEqual({
      status: 405,
      body: { errorMessage: 'GET not allowed on /invoke' },
    });
  });

  it('unpacks PUT /code into the code root, 400 for a bad archive and 413 past the limit', async () => {
    const tar = await makeTar([{ name: 'index.js', content: 'hello', mode: 0o644 }]);
    expect(await call('PUT', '/code', tar)).toEqual({ status: 200, body: { files: 1, bytes: 5 } });
    expect(fs.readFileSync(path.join(codeRoot, 'index.js'), 'utf8')).toBe('hello');
    const bad = await call('PUT', '/code', Buffer.alloc(0));
    expect(bad).toEqual({ status: 400, body: { errorMessage: 'bad code archive: empty archive' } });
    const big = await call('PUT', '/code', Buffer.alloc(5000));
    expect(big).toEqual({ status: 413, body: { errorMessage: 'request body larger than 4096 bytes' } });
  });

  it('hands parsed JSON to init and invoke and maps their errors', async () => {
    calls.length = 0;
    expect(await call('POST', '/init', '{"handler":"a.b"}')).toEqual({ status: 200, body: { ok: true } });
    expect(await call('POST', '/invoke', '{"requestId":"r1"}')).toEqual({
      status: 200,
      body: { status: 'success', result: 'r1' },
    });
    expect(calls).toEqual([
      ['init', { handler: 'a.b' }],
      ['invoke', { requestId: 'r1' }],
    ]);
    expect(await call('POST', '/init', '{"fail":"http"}')).toEqual({
      status: 400,
      body: { errorMessage: 'handler is bad' },
    });
    expect(await call('POST', '/init', '{"fail":"crash"}')).toEqual({
      status: 500,
      body: { errorMessage: 'boom' },
    });
    expect(await call('POST', '/init', '{"fail":"raw"}')).toEqual({
      status: 500,
      body: { errorMessage: 'non-error "raw"' },
    });
  });

  it('refuses bodies that are not a JSON object, invokes without a requestId and oversized JSON', async () => {
    calls.length = 0;
    expect((await call('POST', '/init', 'not json')).status).toBe(400);
    expect(await call('POST', '/init', '[1]')).toEqual({
      status: 400,
      body: { errorMessage: 'request body must be a JSON object' },
    });
    expect(await call('POST', '/invoke', '{"requestId":""}')).toEqual({
      status: 400,
      body: { errorMessage: 'requestId must be a non-empty string' },
    });
    expect((await call('POST', '/invoke', JSON.stringify({ requestId: 'x'.repeat(100) }))).status).toBe(413);
    expect(calls).toEqual([]);
  });
});
