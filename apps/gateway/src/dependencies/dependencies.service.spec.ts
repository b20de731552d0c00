import { randomUUID } from 'node:crypto';
import { FgsError } from '@ofg/contracts';
import {
  DependencyEntity,
  DependencyRepository,
  DependencyVersionEntity,
  DependencyWithVersion,
  NewDependency,
  NewDependencyVersion,
} from '@ofg/data-access';
import { zipOf } from '@ofg/testing';
import { FgsAuthContext } from '../common/fgs-request';
import { CodePackageService } from '../functions/code-package.service';
import { DependenciesService, RoleLookup } from './dependencies.service';
import { DependencyPackageService } from './dependency-package.service';

/** In-memory stand-in for the repository: project p1 and p2, public rows readable by both. */
class FakeDependencies {
  readonly rows: DependencyWithVersion[] = [];
  inUse = new Set<string>();
  deleted: string[] = [];
  calls = 0;

  private visible(projectId: string): DependencyWithVersion[] {
    return this.rows.filter((r) => r.dependency.projectId === projectId || r.dependency.isPublic);
  }

  async find(projectId: string, id: string): Promise<DependencyWithVersion | null> {
    this.calls += 1;
    const mine = this.visible(projectId).filter((r) => r.dependency.id === id);
    return mine.sort((a, b) => b.version.version - a.version.version)[0] ?? null;
  }

  async findOwnByName(projectId: string, name: string): Promise<DependencyEntity | null> {
    return (
      this.rows.find((r) => r.dependency.projectId === projectId && r.dependency.name === name)?.dependency ??
      null
    );
  }

  async create(
    projectId: string,
    dep: NewDependency,
    version: NewDependencyVersion,
  ): Promise<DependencyWithVersion> {
    const dependency = Object.assign(new DependencyEntity(), {
      ...dep,
      id: randomUUID(),
      projectId,
      lastVersion: 1,
    });
    const row = { dependency, version: this.version(dependency, version, 1) };
    this.rows.push(row);
    return row;
  }

  async addVersion(
    projectId: string,
    id: string,
    version: NewDependencyVersion,
  ): Promise<DependencyWithVersion | null> {
    const current = this.rows.find((r) => r.dependency.id === id && r.dependency.projectId === projectId);
    if (!current) return null;
    current.dependency.lastVersion += 1;
    const row = {
      dependency: current.dependency,
      version: this.version(current.dependency, version, current.dependency.lastVersion),
    };
    this.rows.push(row);
    return row;
  }

  async updateNewest(projectId: string, id: string, patch: { name: string; description: string }) {
    const newest = await this.find(projectId, id);
    if (!newest || newest.dependency.projectId !== projectId) return null;
    newest.dependency.name = patch.name;
    newest.version.description = patch.description;
    return newest;
  }

  async findVersion(projectId: string, id: string, version: number): Promise<DependencyWithVersion | null> {
    return (
      this.visible(projectId).find((r) => r.dependency.id === id && r.version.version === version) ?? null
    );
  }

  async versionIdsOf(projectId: string, id: string): Promise<string[]> {
    return this.rows
      .filter((r) => r.dependency.id === id && r.dependency.projectId === projectId)
      .map((r) => r.version.id);
  }

  async isInUse(ids: readonly string[]): Promise<boolean> {
    return ids.some((id) => this.inUse.has(id));
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    this.deleted.push(id);
    return true;
  }

  async deleteVersion(projectId: string, id: string, version: number): Promise<boolean> {
    this.deleted.push(`${id}@${version}`);
    return true;
  }

  async list() {
    this.calls += 1;
    return { items: [], total: 0 };
  }

  private version(dep: DependencyEntity, v: NewDependencyVersion, n: number): DependencyVersionEntity {
    return Object.assign(new DependencyVersionEntity(), {
      ...v,
      id: randomUUID(),
      dependencyId: dep.id,
      projectId: dep.projectId,
      version: n,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    });
  }
}

const admin: FgsAuthContext = { projectId: 'p1', domainId: 'dom-1', userId: 'admin', method: 'aksk' };
const plain: FgsAuthContext = { projectId: 'p1', domainId: 'dom-1', userId: 'dev', method: 'aksk' };
const other: FgsAuthContext = { projectId: 'p2', domainId: 'dom-2', userId: 'dev2', method: 'aksk' };

const roles: RoleLookup = {
  rolesOf: async (auth) => (auth.userId === 'admin' ? ['admin'] : ['FunctionGraph FullAccess']),
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FgsError) return err.code;
    throw err;
  }
  throw new Error('expected an FgsError');
}

describe('DependenciesService', () => {
  let repo: FakeDependencies;
  let service: DependenciesService;
  let file: string;

  beforeEach(async () => {
    repo = new FakeDependencies();
    const packages = new DependencyPackageService(
      new CodePackageService({ downloadMaxBytes: 1024, downloadTimeoutMs: 1000 }),
    );
    service = new DependenciesService(repo as unknown as DependencyRepository, packages, roles);
    file = (await zipOf({ 'node_modules/x/index.js': 'module.exports = 1' })).toString('base64');
  });

  const body = (patch: Record<string, unknown> = {}): Record<string, unknown> => ({
    depend_type: 'zip',
    depend_file: file,
    runtime: 'Node.js20.15',
    name: 'lib-x',
    ...patch,
  });

  it("creates a private dependency owned by the caller's domain, and refuses the name twice", async () => {
    const created = await service.create(plain, body());
    expect(created).toMatchObject({ owner: 'dom-1', name: 'lib-x', version: 1, file_name: 'lib-x.zip' });
    expect(await codeOf(service.create(plain, body()))).toBe('FSS.1065');
  });

  it('publishes a public dependency for an administrator only', async () => {
    expect(await codeOf(service.create(plain, body({ is_public: true })))).toBe('FSS.0403');
    expect(await service.create(admin, body({ is_public: true }))).toMatchObject({ owner: 'public' });
  });

  it("adds versions by name and keeps a dependency's visibility", async () => {
    const first = await service.createVersion(plain, body());
    const second = await service.createVersion(plain, body({ description: 'v2' }));
    expect(second).toMatchObject({ dep_id: first.dep_id, version: 2, description: 'v2' });
    expect(await codeOf(service.createVersion(admin, body({ is_public: true })))).toBe('FSS.1024');
  });

  it("validates bodies with the spec's codes", async () => {
    expect(await codeOf(service.create(plain, body({ name: '1starts-with-digit' })))).toBe('FSS.1024');
    expect(await codeOf(service.create(plain, body({ name: 'x'.repeat(97) })))).toBe('FSS.1024');
    expect(await codeOf(service.create(plain, body({ description: 'd'.repeat(513) })))).toBe('FSS.1019');
    expect(await codeOf(service.create(plain, body({ runtime: 'Cobol1.0' })))).toBe('FSS.1005');
    expect(await codeOf(service.create(plain, body({ depend_type: 'tar' })))).toBe('FSS.1032');
    expect(await codeOf(service.create(plain, []))).toBe('FSS.0400');
  });

  it('answers FSS.1056 for ids that are not uuids without asking the repository', async () => {
    expect(await codeOf(service.get(plain, 'nope'))).toBe('FSS.1056');
    expect(await codeOf(service.listVersions(plain, 'nope', {}))).toBe('FSS.1056');
    expect(await codeOf(service.getVersion(plain, 'nope', '1'))).toBe('FSS.1056');
    expect(await codeOf(service.delete(plain, 'nope'))).toBe('FSS.1056');
    expect(await codeOf(service.getVersion(plain, randomUUID(), 'one'))).toBe('FSS.0400');
    expect(repo.calls).toBe(0);
  });

  it('lets other projects read a public dependency but not change or delete it', async () => {
    const pub = await service.create(admin, body({ is_public: true }));
    expect((await service.get(other, pub.id)).owner).toBe('public');
    expect(await codeOf(service.update(other, pub.id, body()))).toBe('FSS.0403');
    expect(await codeOf(service.delete(other, pub.id))).toBe('FSS.0403');
    expect(await codeOf(service.deleteVersion(other, pub.id, '1'))).toBe('FSS.0403');
    const mine = await service.create(plain, body({ name: 'lib-private' }));
    expect(await codeOf(service.get(other, mine.id))).toBe('FSS.1056');
  });

  it('updates in place without a package, and with one publishes the next version', async () => {
    const created = await service.create(plain, body());
    const renamed = await service.update(plain, created.id, {
      depend_type: 'zip',
      runtime: 'Node.js20.15',
      name: 'lib-renamed',
      description: 'new words',
    });
    expect(renamed).toMatchObject({
      id: created.id,
      name: 'lib-renamed',
      version: 1,
      description: 'new words',
    });
    expect(
      await codeOf(
        service.update(plain, created.id, { depend_type: 'zip', runtime: 'Python3.9', name: 'lib-renamed' }),
      ),
    ).toBe('FSS.1024');
    const next = await service.update(
      plain,
      created.id,
      body({ name: 'lib-renamed', runtime: 'Node.js18.15' }),
    );
    expect(next).toMatchObject({ id: created.id, version: 2, runtime: 'Node.js18.15' });
  });

  it('refuses to delete a dependency or a version that a function uses', async () => {
    const v1 = await service.createVersion(plain, body());
    const v2 = await service.createVersion(plain, body());
    repo.inUse.add(v1.id);
    expect(await codeOf(service.delete(plain, v1.dep_id))).toBe('FSS.1033');
    expect(await codeOf(service.deleteVersion(plain, v1.dep_id, '1'))).toBe('FSS.1033');
    await service.deleteVersion(plain, v2.dep_id, '2');
    expect(await codeOf(service.deleteVersion(plain, v2.dep_id, '7'))).toBe('FSS.1056');
    repo.inUse.clear();
    await service.delete(plain, v1.dep_id);
    expect(repo.deleted).toEqual([`${v2.dep_id}@2`, v1.dep_id]);
  });

  it('answers a contradictory filter with an empty page without a query', async () => {
    await expect(
      service.list(plain, { ispublic: 'true', dependency_type: 'private', marker: '3' }),
    ).resolves.toEqual({
      dependencies: [],
      next_marker: 3,
      count: 0,
    });
    expect(repo.calls).toBe(0);
  });
});
