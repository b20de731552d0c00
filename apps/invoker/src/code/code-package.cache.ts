import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DEPENDENCY_LIMITS, FgsError } from '@ofg/contracts';
import { CodePackageRepository, DependencyRepository } from '@ofg/data-access';
import { concatTars } from './tar-concat';
import { DEFAULT_ZIP_LIMITS, ZipLimits, zipToTar } from './zip-tar.converter';

/** Where packages come from: the tenant-scoped repository (or a stand-in in tests). */
export type CodePackageSource = Pick<CodePackageRepository, 'findForProject'>;

/** Where dependency packages come from: a version of the project's own or a public dependency references them. */
export type DependencyPackageSource = Pick<DependencyRepository, 'findPackageForProject'>;

export interface CodeCacheOptions {
  dir: string;
  /** Bound of the in-memory LRU of tars, in bytes. */
  memoryBytes: number;
  limits?: ZipLimits;
}

export const CODE_CACHE_OPTIONS = Symbol('CODE_CACHE_OPTIONS');

const HEX_SHA512 = /^[0-9a-f]{128}$/;

/**
 * Code packages as uncompressed tars, ready for `PUT /code`: fetched once from Postgres per (tenant, digest), verified
 * against their SHA-512 digest, converted safely, then served from memory (LRU by bytes) or disk.
 */
@Injectable()
export class CodePackageCache {
  private readonly logger = new Logger(CodePackageCache.name);
  private readonly memory = new Map<string, Buffer>();
  private memoryBytes = 0;
  /** (project, digest) pairs whose access Postgres confirmed; the tar is shared, the right to read it is not. */
  private readonly grants = new Set<string>();
  private readonly inflight = new Map<string, Promise<Buffer>>();
  private dirReady: Promise<void> | undefined;

  constructor(
    @Inject(CodePackageRepository) private readonly source: CodePackageSource,
    @Inject(CODE_CACHE_OPTIONS) private readonly options: CodeCacheOptions,
    @Optional() @Inject(DependencyRepository) private readonly dependencies?: DependencyPackageSource,
  ) {}

  /**
   * The package of `digest` as the tenant `projectId` may read it, followed by the dependency packages of
   * `dependencyDigests` (FunctionSnapshot.dependencyDigests) merged into the same tar (see runtime-protocol.ts).
   */
  async getTar(
    projectId: string,
    digest: string,
    dependencyDigests: readonly string[] = [],
  ): Promise<Buffer> {
    if (dependencyDigests.length === 0) return this.getPackageTar(projectId, digest, 'code');
    const tars = await Promise.all([
      this.getPackageTar(projectId, digest, 'code'),
      ...dependencyDigests.map((d) => this.getPackageTar(projectId, d, 'dependency')),
    ]);
    return concatTars(tars);
  }

  private getPackageTar(projectId: string, digest: string, kind: 'code' | 'dependency'): Promise<Buffer> {
    const normalized = digest.toLowerCase();
    const grant = `${projectId}|${normalized}`;
    const pending = this.inflight.get(grant);
    if (pending) return pending;
    const work = this.load(projectId, normalized, grant, kind).finally(() => this.inflight.delete(grant));
    this.inflight.set(grant, work);
    return work;
  }

  private async load(
    projectId: string,
    digest: string,
    grant: string,
    kind: 'code' | 'dependency',
  ): Promise<Buffer> {
    if (this.grants.has(grant) || (await this.hasDiskGrant(projectId, digest))) {
      this.grants.add(grant);
      const cached = this.fromMemory(digest) ?? (await this.fromDisk(digest));
      if (cached) return cached;
    }
    const zip =
      kind === 'code'
        ? await this.source.findForProject(projectId, digest)
        : await this.findDependency(projectId, digest);
    if (!zip)
      throw kind === 'code'
        ? new FgsError('FSS.0404', `code package ${digest.slice(0, 16)}… not found for this project`)
        : new FgsError(
            'FSS.1046',
            `dependency package ${digest.slice(0, 16)}… is not available to this project`,
          );
    const actual = createHash('sha512').update(zip).digest('hex');
    if (actual !== digest)
      throw new FgsError(
        'FSS.1011',
        `code package digest mismatch (expected ${digest.slice(0, 16)}…, got ${actual.slice(0, 16)}…)`,
      );
    const limits = this.options.limits ?? DEFAULT_ZIP_LIMITS;
    // Dependencies may hold more files than code (FunctionGraph allows 30,000).
    const { tar } = await zipToTar(
      zip,
      kind === 'code'
        ? limits
        : { ...limits, maxEntries: Math.max(limits.maxEntries, DEPENDENCY_LIMITS.zipEntries) },
    );
    this.grants.add(grant);
    this.remember(digest, tar);
    await this.toDisk(projectId, digest, tar).catch((err: unknown) =>
      this.logger.warn(`code cache write failed: ${String(err)}`),
    );
    return tar;
  }

  private findDependency(projectId: string, digest: string): Promise<Buffer | null> {
    if (!this.dependencies) return Promise.resolve(null);
    return this.dependencies.findPackageForProject(projectId, digest);
  }

  private fromMemory(digest: string): Buffer | undefined {
    const tar = this.memory.get(digest);
    if (!tar) return undefined;
    // Re-insert to mark it most recently used.
    this.memory.delete(digest);
    this.memory.set(digest, tar);
    return tar;
  }

  private remember(digest: string, tar: Buffer): void {
    if (tar.length > this.options.memoryBytes) return;
    const old = this.memory.get(digest);
    if (old) {
      this.memory.delete(digest);
      this.memoryBytes -= old.length;
    }
    this.memory.set(digest, tar);
    this.memoryBytes += tar.length;
    for (const [key, value] of this.memory) {
      if (this.memoryBytes <= this.options.memoryBytes) break;
      this.memory.delete(key);
      this.memoryBytes -= value.length;
    }
  }

  private async fromDisk(digest: string): Promise<Buffer | undefined> {
    if (!HEX_SHA512.test(digest)) return undefined;
    try {
      const tar = await readFile(this.tarPath(digest));
      this.remember(digest, tar);
      return tar;
    } catch {
      return undefined;
    }
  }

  private async hasDiskGrant(projectId: string, digest: string): Promise<boolean> {
    if (!HEX_SHA512.test(digest)) return false;
    try {
      await readFile(this.grantPath(projectId, digest));
      return true;
    } catch {
      return false;
    }
  }

  private async toDisk(projectId: string, digest: string, tar: Buffer): Promise<void> {
    if (!HEX_SHA512.test(digest)) return;
    this.dirReady ??= mkdir(this.options.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    await this.dirReady;
    // Write-then-rename so a concurrent reader never sees half a tar.
    const tmp = join(this.options.dir, `.${digest}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(tmp, tar, { mode: 0o600 });
    await rename(tmp, this.tarPath(digest));
    await writeFile(this.grantPath(projectId, digest), '', { mode: 0o600 });
  }

  private tarPath(digest: string): string {
    return join(this.options.dir, `${digest}.tar`);
  }

  /** One empty marker per (project, digest); the project id is hashed so any id is a safe file name. */
  private grantPath(projectId: string, digest: string): string {
    const project = createHash('sha256').update(projectId).digest('hex').slice(0, 32);
    return join(this.options.dir, `${digest}.${project}.grant`);
  }

  /** Bytes currently held in memory (metrics and tests). */
  get memoryUsage(): number {
    return this.memoryBytes;
  }
}
