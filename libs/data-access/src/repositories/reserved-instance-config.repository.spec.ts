import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { FunctionEntity } from '../entities/function.entity';
import { IdentityRepository } from './identity.repository';
import { FunctionRepository } from './function.repository';
import {
  ReservedInstanceConfigInput,
  ReservedInstanceConfigRepository,
} from './reserved-instance-config.repository';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';

const fnBase = {
  package: 'default',
  runtime: 'Node.js20.15',
  handler: 'index.handler',
  memorySize: 128,
  timeoutS: 3,
  codeType: 'zip',
  codeSize: 3,
};

/** Real PostgreSQL: upsert per qualifier, sums, paging, the invokers' cross-tenant listing and tenant isolation. */
describe('ReservedInstanceConfigRepository on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let repo: ReservedInstanceConfigRepository;
  let fnA: FunctionEntity;
  let fnA2: FunctionEntity;
  let fnB: FunctionEntity;

  const reservation = (
    fn: FunctionEntity,
    count: number,
    extra: Partial<ReservedInstanceConfigInput> = {},
  ): ReservedInstanceConfigInput => ({
    projectId: fn.projectId,
    functionId: fn.id,
    qualifierType: 'version',
    qualifierName: 'latest',
    domainId: `dom-${fn.projectId}`,
    count,
    idleMode: false,
    tacticsConfig: {},
    ...extra,
  });

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_reserved_cfg');
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
    const functions = new FunctionRepository(ds);
    const code = { digest: 'd'.repeat(128), data: Buffer.from('zip') };
    const create = (projectId: string, funcName: string) =>
      functions.createWithCode({ ...fnBase, projectId, funcName, codeDigest: code.digest }, code);
    fnA = await create('tenant-a', 'fa');
    fnA2 = await create('tenant-a', 'fa2');
    fnB = await create('tenant-b', 'fb');
    repo = new ReservedInstanceConfigRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('creates one row per qualifier and replaces it on the next write', async () => {
    const first = await repo.upsert(reservation(fnA, 3, { tacticsConfig: { cron_configs: [] } }));
    const second = await repo.upsert(reservation(fnA, 5, { idleMode: true }));
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ count: 5, idleMode: true, tacticsConfig: {}, qualifierName: 'latest' });
    expect(await repo.reservedCountOf('tenant-a', fnA.id)).toBe(5);
    expect(await repo.reservedCountOf('tenant-a', fnA2.id)).toBe(0);
  });

  it('pages in creation order and filters by function', async () => {
    await repo.upsert(reservation(fnA2, 1));
    const all = await repo.list('tenant-a', {}, 0, 10);
    expect(all.total).toBe(2);
    expect(all.items.map((i) => [i.fn.funcName, i.config.count])).toEqual([
      ['fa', 5],
      ['fa2', 1],
    ]);
    const second = await repo.list('tenant-a', {}, 1, 1);
    expect(second.items.map((i) => i.fn.funcName)).toEqual(['fa2']);
    const one = await repo.list('tenant-a', { functionId: fnA2.id }, 0, 10);
    expect(one.items.map((i) => i.fn.funcName)).toEqual(['fa2']);
  });

  it("keeps each tenant to its own rows and refuses a reservation on another tenant's function", async () => {
    await repo.upsert(reservation(fnB, 2));
    expect((await repo.list('tenant-b', {}, 0, 10)).items.map((i) => i.fn.funcName)).toEqual(['fb']);
    expect(await repo.reservedCountOf('tenant-b', fnA.id)).toBe(0);
    await expect(repo.upsert({ ...reservation(fnA, 1), projectId: 'tenant-b' })).rejects.toThrow();
    expect(await repo.remove('tenant-b', fnA.id, 'version', 'latest')).toBe(false);
  });

  it('lists every project for the invokers, only rows holding instances', async () => {
    await repo.upsert(reservation(fnA2, 0, { tacticsConfig: { cron_configs: [] } }));
    const all = await repo.listReservedInAllProjects();
    expect(all.map((i) => [i.fn.funcName, i.config.count, i.config.domainId])).toEqual([
      ['fa', 5, 'dom-tenant-a'],
      ['fb', 2, 'dom-tenant-b'],
    ]);
  });

  it('removes a reservation and loses it with its function', async () => {
    expect(await repo.remove('tenant-a', fnA2.id, 'version', 'latest')).toBe(true);
    expect(await repo.remove('tenant-a', fnA2.id, 'version', 'latest')).toBe(false);
    await new FunctionRepository(ds).delete('tenant-b', fnB.id);
    expect((await repo.listReservedInAllProjects()).map((i) => i.fn.funcName)).toEqual(['fa']);
  });
});
