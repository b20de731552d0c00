import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { FgsError } from '@ofg/contracts';
import { buildZip } from '@ofg/testing';
import { CodePackageCache, CodePackageSource } from './code-package.cache';
import { zipToTar } from './zip-tar.converter';

/** The cache's fixtures in the shared zip builder's terms. */
function makeZip(
  items: { name: string; content?: string; mode?: number; dir?: boolean; store?: boolean }[],
): Promise<Buffer> {
  return buildZip(
    items.map((i) => ({ name: i.name, data: i.content, mode: i.mode, directory: i.dir, store: i.store })),
  );
}

interface TarItem {
  name: string;
  type: string;
  mode: number;
  content: string;
}

function readTar(tar: Buffer): Promise<TarItem[]> {
  return new Promise((resolve, reject) => {
    const items: TarItem[] = [];
    const ex = extract();
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        items.push({
          name: header.name,
          type: header.type ?? '',
          mode: header.mode ?? -1,
          content: Buffer.concat(chunks).toString(),
        });
        next();
      });
    });
    ex.on('finish', () => resolve(items));
    ex.on('error', reject);
    ex.end(tar);
  });
}

const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

/** Replaces an entry name in place (local header and central directory), to forge names yazl refuses to write. */
function renameInZip(zip: Buffer, from: string, to: string): Buffer {
  expect(to).toHaveLength(from.length);
  const out = Buffer.from(zip);
  let at = out.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  while (at >= 0) {
    out.write(to, at, 'latin1');
    at = out.indexOf(from, at + 1);
  }
  return out;
}

class CountingSource implements CodePackageSource {
  calls: { projectId: string; digest: string }[] = [];
  constructor(private readonly packages: Map<string, { projectId: string; zip: Buffer }>) {}
  async findForProject(projectId: string, digest: string): Promise<Buffer | null> {
    this.calls.push({ projectId, digest });
    const pkg = this.packages.get(digest);
    return pkg && pkg.projectId === projectId ? pkg.zip : null;
  }
}

describe('zipToTar', () => {
  it('converts files and directories with normalised modes, keeping executable bits', async () => {
    const zip = await makeZip([
      { name: 'index.js', content: 'exports.handler = 1;', mode: 0o100600 },
      { name: 'bin/run.sh', content: '#!/bin/sh', mode: 0o100750 },
      { name: 'lib/', dir: true },
      { name: 'lib/deep/util.js', content: 'util', mode: 0o100666 },
    ]);

    const { tar, files, bytes } = await zipToTar(zip);
    const items = await readTar(tar);

    expect(files).toBe(3);
    expect(bytes).toBe('exports.handler = 1;'.length + '#!/bin/sh'.length + 4);
    expect(items.map((i) => [i.name, i.type, i.mode.toString(8)])).toEqual([
      ['index.js', 'file', '644'],
      ['bin/', 'directory', '755'],
      ['bin/run.sh', 'file', '755'],
      ['lib/', 'directory', '755'],
      ['lib/deep/', 'directory', '755'],
      ['lib/deep/util.js', 'file', '644'],
    ]);
    expect(items.find((i) => i.name === 'index.js')!.content).toBe('exports.handler = 1;');
  });

  it('rejects a path that climbs out of the code root', async () => {
    const zip = renameInZip(
      await makeZip([{ name: 'xx/evil.js', content: 'x' }]),
      'xx/evil.js',
      '../evil.js',
    );
    await expect(zipToTar(zip)).rejects.toThrow(/invalid relative path|path traversal/);
  });

  it('rejects an absolute path', async () => {
    const zip = renameInZip(
      await makeZip([{ name: 'etc/passwd', content: 'x' }]),
      'etc/passwd',
      '/etc/passw',
    );
    await expect(zipToTar(zip)).rejects.toThrow(/absolute path/);
  });

  it('rejects symlinks', async () => {
    const zip = await makeZip([{ name: 'link', content: '/etc/passwd', mode: 0o120777 }]);
    await expect(zipToTar(zip)).rejects.toThrow(/symlink/);
  });

  it('rejects more than 10 000 entries by default', async () => {
    const zip = await makeZip(
      Array.from({ length: 10_001 }, (_, i) => ({ name: `f${i}`, content: '', store: true })),
    );
    const err: unknown = await zipToTar(zip).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FgsError);
    expect((err as FgsError).code).toBe('FSS.1011');
    expect((err as FgsError).message).toMatch(/more than 10000 entries/);
  }, 20_000);

  it('accepts exactly the entry limit', async () => {
    const zip = await makeZip([1, 2, 3].map((n) => ({ name: `f${n}`, content: `${n}` })));
    await expect(zipToTar(zip, { maxEntries: 3, maxUncompressedBytes: 100 })).resolves.toMatchObject({
      files: 3,
    });
    await expect(zipToTar(zip, { maxEntries: 2, maxUncompressedBytes: 100 })).rejects.toThrow(
      /more than 2 entries/,
    );
  });

  it('rejects packages that expand beyond the uncompressed limit', async () => {
    const zip = await makeZip([
      { name: 'a', content: 'x'.repeat(600) },
      { name: 'b', content: 'y'.repeat(600) },
    ]);
    await expect(zipToTar(zip, { maxEntries: 10, maxUncompressedBytes: 1000 })).rejects.toThrow(
      /more than 1000 bytes/,
    );
    await expect(zipToTar(zip, { maxEntries: 10, maxUncompressedBytes: 1200 })).resolves.toMatchObject({
      bytes: 1200,
    });
  });

  it('rejects garbage', async () => {
    await expect(zipToTar(Buffer.from('not a zip at all'))).rejects.toBeInstanceOf(FgsError);
  });
});

describe('CodePackageCache', () => {
  const PROJECT = 'a'.repeat(32);
  const OTHER = 'b'.repeat(32);
  let dir: string;
  let zip: Buffer;
  let digest: string;
  let source: CountingSource;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ofg-code-cache-spec-'));
    zip = await makeZip([{ name: 'index.js', content: 'exports.handler = async () => 1;' }]);
    digest = sha512(zip);
    source = new CountingSource(new Map([[digest, { projectId: PROJECT, zip }]]));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches a package once and serves repeated and concurrent reads from memory', async () => {
    const cache = new CodePackageCache(source, { dir, memoryBytes: 1024 * 1024 });

    const [a, b] = await Promise.all([cache.getTar(PROJECT, digest), cache.getTar(PROJECT, digest)]);
    const c = await cache.getTar(PROJECT, digest.toUpperCase());

    expect(source.calls).toHaveLength(1);
    expect(a.equals(b) && a.equals(c)).toBe(true);
    expect((await readTar(a)).map((i) => i.name)).toEqual(['index.js']);
  });

  it('serves from disk after a restart, without Postgres, for a project that was granted', async () => {
    await new CodePackageCache(source, { dir, memoryBytes: 1024 * 1024 }).getTar(PROJECT, digest);
    const restarted = new CodePackageCache(source, { dir, memoryBytes: 1024 * 1024 });

    const tar = await restarted.getTar(PROJECT, digest);

    expect(source.calls).toHaveLength(1);
    expect((await readTar(tar)).map((i) => i.name)).toEqual(['index.js']);
  });

  it('asks Postgres again for another project, which may not read the package', async () => {
    const cache = new CodePackageCache(source, { dir, memoryBytes: 1024 * 1024 });
    await cache.getTar(PROJECT, digest);

    const err: unknown = await cache.getTar(OTHER, digest).catch((e: unknown) => e);

    expect(source.calls.map((c) => c.projectId)).toEqual([PROJECT, OTHER]);
    expect(err).toBeInstanceOf(FgsError);
    expect((err as FgsError).code).toBe('FSS.0404');
  });

  it('refuses a package whose bytes do not match the digest', async () => {
    const forged = 'c'.repeat(128);
    source = new CountingSource(new Map([[forged, { projectId: PROJECT, zip }]]));
    const cache = new CodePackageCache(source, { dir, memoryBytes: 1024 * 1024 });

    await expect(cache.getTar(PROJECT, forged)).rejects.toThrow(/digest mismatch/);
  });

  it('bounds the memory it holds, evicting the least recently used tar', async () => {
    const zips = await Promise.all(
      [1, 2, 3].map((n) => makeZip([{ name: `f${n}.js`, content: `${n}`.repeat(5000) }])),
    );
    source = new CountingSource(new Map(zips.map((z) => [sha512(z), { projectId: PROJECT, zip: z }])));
    const oneTar = (await zipToTar(zips[0])).tar.length;
    const cache = new CodePackageCache(source, { dir, memoryBytes: oneTar * 2 });

    for (const z of zips) await cache.getTar(PROJECT, sha512(z));

    expect(cache.memoryUsage).toBeLessThanOrEqual(oneTar * 2);
    expect(cache.memoryUsage).toBeGreaterThan(0);
    // The evicted one comes back from disk, not from Postgres.
    await cache.getTar(PROJECT, sha512(zips[0]));
    expect(source.calls).toHaveLength(3);
  });
});
