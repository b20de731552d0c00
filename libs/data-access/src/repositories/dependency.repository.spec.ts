import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { Dependencies1732280000000 } from '../migrations/1732280000000-dependencies';
import { TENANT_ROLE } from '../tenancy/tenant-scope';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';
import { DependencyRepository, NewDependencyVersion } from './dependency.repository';
import { FunctionRepository } from './function.repository';
import { IdentityRepository } from './identity.repository';

function versionOf(
  content: string,
  runtime = 'Node.js20.15',
): { version: NewDependencyVersion; zip: Buffer } {
  const zip = Buffer.from(content);
  return {
    zip,
    version: {
      runtime,
      description: `desc ${content}`,
      dependType: 'zip',
      codeDigest: createHash('sha512').update(zip).digest('hex'),
      etag: createHash('md5').update(zip).digest('hex'),
      size: zip.length,
      fileName: `${content}.zip`,
      link: '',
    },
  };
}

/** Dependencies on the real PostgreSQL with the migrations' row-level security. */
describe('DependencyRepository', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let repo: DependencyRepository;

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_deps');
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    const identity = new IdentityRepository(ds);
    for (const id of ['tenant-a', 'tenant-b']) {
      await identity.ensureBootstrap({
        project: { id, name: id, domainId: `dom-${id}` },
        user: { name: `admin-${id}`, passwordHash: 'x' },
      });
    }
    repo = new DependencyRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('keeps a private dependency, its versions and its package to its own project', async () => {
    const v1 = versionOf('private-one');
    const created = await repo.create(
      'tenant-a',
      { owner: 'dom-tenant-a', isPublic: false, name: 'lib-private' },
      v1.version,
      v1.zip,
    );
    expect(created.version.version).toBe(1);
    expect(created.dependency.lastVersion).toBe(1);

    expect((await repo.find('tenant-a', created.dependency.id))?.version.id).toBe(created.version.id);
    expect(await repo.find('tenant-b', created.dependency.id)).toBeNull();
    expect(await repo.listVersions('tenant-b', created.dependency.id, 0, 10)).toBeNull();
    expect(await repo.findVersion('tenant-b', created.dependency.id, 1)).toBeNull();
    expect(await repo.findVersionsByIds('tenant-b', [created.version.id])).toEqual([]);
    expect(await repo.findNewestVersions('tenant-b', [created.dependency.id])).toEqual([]);
    expect((await repo.list('tenant-b', { visibility: 'all' }, 0, 100)).items).toEqual([]);
    expect(await repo.findPackageForProject('tenant-b', v1.version.codeDigest)).toBeNull();
    expect((await repo.findPackageForProject('tenant-a', v1.version.codeDigest))?.toString()).toBe(
      'private-one',
    );
    // Writes of another tenant find nothing to change.
    expect(await repo.addVersion('tenant-b', created.dependency.id, v1.version, v1.zip)).toBeNull();
    expect(await repo.deleteVersion('tenant-b', created.dependency.id, 1)).toBe(false);
    expect(await repo.delete('tenant-b', created.dependency.id)).toBe(false);
  });

  it('hides private rows from raw SQL that forgets the project, under the tenant role', async () => {
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      await qr.query(`SELECT set_config('role', $1, true), set_config('app.project_id', 'tenant-b', true)`, [
        TENANT_ROLE,
      ]);
      const deps = (await qr.query(`SELECT name FROM dependencies WHERE NOT is_public`)) as unknown[];
      const versions = (await qr.query(
        `SELECT v.id FROM dependency_versions v JOIN dependencies d ON d.id = v.dependency_id WHERE NOT d.is_public`,
      )) as unknown[];
      expect(deps).toEqual([]);
      expect(versions).toEqual([]);
      await qr.rollbackTransaction();
    } finally {
      await qr.release();
    }
  });

  it('shows a public dependency to every tenant but lets only its project change it', async () => {
    const v1 = versionOf('public-one', 'Python3.9');
    const created = await repo.create(
      'tenant-a',
      { owner: 'public', isPublic: true, name: 'lib-public' },
      v1.version,
      v1.zip,
    );
    const seen = await repo.list('tenant-b', { visibility: 'public' }, 0, 100);
    expect(seen.items.map((i) => i.dependency.name)).toEqual(['lib-public']);
    expect((await repo.list('tenant-b', { visibility: 'private' }, 0, 100)).total).toBe(0);
    expect((await repo.findVersionsByIds('tenant-b', [created.version.id]))[0].dependency.owner).toBe(
      'public',
    );
    expect((await repo.findPackageForProject('tenant-b', v1.version.codeDigest))?.toString()).toBe(
      'public-one',
    );
    expect(
      await repo.updateNewest('tenant-b', created.dependency.id, { name: 'x', description: 'y' }),
    ).toBeNull();
    expect(await repo.delete('tenant-b', created.dependency.id)).toBe(false);
    expect((await repo.find('tenant-b', created.dependency.id))?.dependency.name).toBe('lib-public');
  });

  it('numbers versions, shows the newest, pages versions and filters the list', async () => {
    const v1 = versionOf('multi-1');
    const v2 = versionOf('multi-2', 'Node.js18.15');
    const created = await repo.create(
      'tenant-b',
      { owner: 'dom-tenant-b', isPublic: false, name: 'lib-multi' },
      v1.version,
      v1.zip,
    );
    const second = await repo.addVersion('tenant-b', created.dependency.id, v2.version, v2.zip);
    expect(second?.version.version).toBe(2);
    expect((await repo.find('tenant-b', created.dependency.id))?.version.id).toBe(second?.version.id);

    const page1 = await repo.listVersions('tenant-b', created.dependency.id, 0, 1);
    expect(page1?.total).toBe(2);
    expect(page1?.versions.map((v) => v.version)).toEqual([1]);
    const page2 = await repo.listVersions('tenant-b', created.dependency.id, 1, 1);
    expect(page2?.versions.map((v) => v.version)).toEqual([2]);

    const byRuntime = await repo.list('tenant-b', { visibility: 'all', runtime: 'Node.js18.15' }, 0, 100);
    expect(byRuntime.items.map((i) => i.dependency.name)).toEqual(['lib-multi']);
    const byName = await repo.list('tenant-b', { visibility: 'all', name: 'multi' }, 0, 100);
    expect(byName.items.map((i) => i.version.version)).toEqual([2]);
    // `_` and `%` are literal in the name filter.
    expect((await repo.list('tenant-b', { visibility: 'all', name: 'lib_multi' }, 0, 100)).total).toBe(0);
    const all = await repo.list('tenant-b', { visibility: 'all' }, 0, 100);
    expect(all.items.map((i) => i.dependency.name).sort()).toEqual(['lib-multi', 'lib-public']);

    // Deleting the newest version shows the one before; deleting the last removes the dependency.
    expect(await repo.deleteVersion('tenant-b', created.dependency.id, 2)).toBe(true);
    expect((await repo.find('tenant-b', created.dependency.id))?.version.version).toBe(1);
    const v3 = versionOf('multi-3');
    // Numbers are never reused.
    expect(
      (await repo.addVersion('tenant-b', created.dependency.id, v3.version, v3.zip))?.version.version,
    ).toBe(3);
    expect(await repo.deleteVersion('tenant-b', created.dependency.id, 1)).toBe(true);
    expect(await repo.deleteVersion('tenant-b', created.dependency.id, 3)).toBe(true);
    expect(await repo.find('tenant-b', created.dependency.id)).toBeNull();
  });

  it('refuses a second dependency of the same name in one project', async () => {
    const v = versionOf('dup');
    await repo.create(
      'tenant-a',
      { owner: 'dom-tenant-a', isPublic: false, name: 'lib-dup' },
      v.version,
      v.zip,
    );
    await expect(
      repo.create('tenant-a', { owner: 'dom-tenant-a', isPublic: false, name: 'lib-dup' }, v.version, v.zip),
    ).rejects.toMatchObject({ driverError: { code: '23505' } });
    // Another project may use the name.
    await expect(
      repo.create('tenant-b', { owner: 'dom-tenant-b', isPublic: false, name: 'lib-dup' }, v.version, v.zip),
    ).resolves.toBeDefined();
  });

  it('sees a version in use by a function of any project', async () => {
    const v = versionOf('used');
    const dep = await repo.create(
      'tenant-a',
      { owner: 'public', isPublic: true, name: 'lib-used' },
      v.version,
      v.zip,
    );
    expect(await repo.isInUse([dep.version.id])).toBe(false);
    await new FunctionRepository(ds).createWithCode(
      {
        projectId: 'tenant-b',
        package: 'default',
        funcName: 'uses-public',
        runtime: 'Node.js20.15',
        handler: 'index.handler',
        memorySize: 128,
        timeoutS: 3,
        codeType: 'zip',
        codeSize: 1,
        codeDigest: 'fn-code',
        extra: { depend_version_list: [dep.version.id], dependency_digests: [v.version.codeDigest] },
      },
      { digest: 'fn-code', data: Buffer.from('f') },
    );
    expect(await repo.isInUse([dep.version.id])).toBe(true);
    expect(await repo.isInUse(['00000000-0000-0000-0000-000000000000', dep.version.id])).toBe(true);
    expect(await repo.versionIdsOf('tenant-a', dep.dependency.id)).toEqual([dep.version.id]);
    expect(await repo.versionIdsOf('tenant-b', dep.dependency.id)).toEqual([]);
  });

  it('renames and re-describes the newest version in place', async () => {
    const v = versionOf('rename');
    const dep = await repo.create(
      'tenant-a',
      { owner: 'dom-tenant-a', isPublic: false, name: 'lib-old' },
      v.version,
      v.zip,
    );
    const updated = await repo.updateNewest('tenant-a', dep.dependency.id, {
      name: 'lib-new',
      description: 'new words',
    });
    expect(updated?.dependency.name).toBe('lib-new');
    expect(updated?.version.description).toBe('new words');
    expect(updated?.version.id).toBe(dep.version.id);
    expect((await repo.findOwnByName('tenant-a', 'lib-new'))?.id).toBe(dep.dependency.id);
  });

  it('takes the tables away and the package policy back on down, and returns on up', async () => {
    const migration = ds.migrations.find((m) => m instanceof Dependencies1732280000000)!;
    const policy = async (run: (sql: string) => Promise<unknown> = (sql) => ds.query(sql)): Promise<string> =>
      (
        (await run(
          `SELECT qual FROM pg_policies WHERE tablename = 'code_packages' AND policyname = 'tenant_read_referenced'`,
        )) as Array<{ qual: string }>
      )[0].qual;
    expect(await policy()).toContain('dependency_versions');
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      await migration.down(qr);
      expect(await policy((sql) => qr.query(sql))).not.toContain('dependency_versions');
      await migration.up(qr);
      await qr.rollbackTransaction();
    } finally {
      await qr.release();
    }
    expect(await policy()).toContain('dependency_versions');
  });
});
