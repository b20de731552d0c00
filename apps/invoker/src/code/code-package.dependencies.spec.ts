import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { FgsError } from '@ofg/contracts';
import { zipOf } from '@ofg/testing';
import { CodePackageCache, CodePackageSource, DependencyPackageSource } from './code-package.cache';
import { concatTars, tarEntries } from './tar-concat';
import { zipToTar } from './zip-tar.converter';

const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

/** name → content of the files in a tar, later entries replacing earlier ones as a bootstrap unpacks them. */
function filesOf(tar: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, string>();
    const ex = extract();
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name, Buffer.concat(chunks).toString());
        next();
      });
    });
    ex.on('finish', () => resolve(files));
    ex.on('error', reject);
    ex.end(tar);
  });
}

describe('concatTars', () => {
  it('keeps every entry of every tar, in order, under one end-of-archive', async () => {
    const a = (await zipToTar(await zipOf({ 'index.js': 'code', 'same.txt': 'from code' }))).tar;
    const b = (await zipToTar(await zipOf({ 'node_modules/x/index.js': 'dep', 'same.txt': 'from dep' }))).tar;
    const merged = concatTars([a, b]);
    expect(merged.length).toBe(tarEntries(a).length + tarEntries(b).length + 1024);
    const files = await filesOf(merged);
    expect(Object.fromEntries(files)).toEqual({
      'index.js': 'code',
      'node_modules/x/index.js': 'dep',
      'same.txt': 'from dep',
    });
  });

  it('returns a single tar unchanged and refuses a truncated one', async () => {
    const a = (await zipToTar(await zipOf({ 'index.js': 'x'.repeat(2000) }))).tar;
    expect(concatTars([a])).toBe(a);
    expect(() => tarEntries(a.subarray(0, 1024))).toThrow('truncated');
  });
});

describe('CodePackageCache with dependencies', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ofg-deps-cache-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fixture(): Promise<{
    code: Buffer;
    dep: Buffer;
    codeSource: CodePackageSource & { calls: number };
    depSource: DependencyPackageSource & { calls: string[] };
  }> {
    const code = await zipOf({ 'index.js': 'exports.handler = () => require("leftpad")' });
    const dep = await zipOf({ 'node_modules/leftpad/index.js': 'module.exports = 1' });
    const codeSource = {
      calls: 0,
      async findForProject(projectId: string, digest: string) {
        this.calls += 1;
        return projectId === 'p1' && digest === sha512(code) ? code : null;
      },
    };
    const depSource = {
      calls: [] as string[],
      async findPackageForProject(projectId: string, digest: string) {
        this.calls.push(`${projectId}:${digest.slice(0, 8)}`);
        return projectId === 'p1' && digest === sha512(dep) ? dep : null;
      },
    };
    return { code, dep, codeSource, depSource };
  }

  it('merges the code with its dependencies and fetches each package once', async () => {
    const { code, dep, codeSource, depSource } = await fixture();
    const cache = new CodePackageCache(codeSource, { dir, memoryBytes: 1 << 20 }, depSource);
    const tar = await cache.getTar('p1', sha512(code), [sha512(dep)]);
    expect([...(await filesOf(tar)).keys()].sort()).toEqual(['index.js', 'node_modules/leftpad/index.js']);
    await cache.getTar('p1', sha512(code), [sha512(dep)]);
    expect(codeSource.calls).toBe(1);
    expect(depSource.calls).toHaveLength(1);
    // Without dependencies the code tar alone, as before.
    expect([...(await filesOf(await cache.getTar('p1', sha512(code)))).keys()]).toEqual(['index.js']);
  });

  it('refuses a dependency the project may not read with FSS.1046', async () => {
    const { code, dep, codeSource, depSource } = await fixture();
    const cache = new CodePackageCache(codeSource, { dir, memoryBytes: 1 << 20 }, depSource);
    const other = await zipOf({ 'x.js': 'x' });
    await expect(cache.getTar('p1', sha512(code), [sha512(other)])).rejects.toMatchObject({
      code: 'FSS.1046',
    });
    // Another project holding the same code digest still cannot read p1's dependency.
    await expect(cache.getTar('p2', sha512(dep))).rejects.toBeInstanceOf(FgsError);
  });

  it('treats dependencies as unavailable when no dependency source is wired', async () => {
    const { code, dep, codeSource } = await fixture();
    const cache = new CodePackageCache(codeSource, { dir, memoryBytes: 1 << 20 });
    await expect(cache.getTar('p1', sha512(code), [sha512(dep)])).rejects.toMatchObject({ code: 'FSS.1046' });
  });
});
