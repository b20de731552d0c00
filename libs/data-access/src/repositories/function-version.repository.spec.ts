import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { FunctionEntity } from '../entities/function.entity';
import { FunctionVersionEntity } from '../entities/function-version.entity';
import { contentDigestOf, functionAtVersion, versionedColumnsOf } from '../mappers/function-version.mapper';
import { toFunctionSnapshot } from '../mappers/function-snapshot.mapper';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';
import { AsyncInvokeConfigRepository } from './async-invoke-config.repository';
import { CodePackageRepository } from './code-package.repository';
import { FunctionRepository } from './function.repository';
import { FunctionVersionRepository, FunctionVersionsTransaction } from './function-version.repository';
import { ReservedInstanceConfigRepository } from './reserved-instance-config.repository';
import { TriggerRepository } from './trigger.repository';

const base = {
  package: 'default',
  runtime: 'Node.js20.15',
  handler: 'index.handler',
  memorySize: 128,
  timeoutS: 3,
  codeType: 'zip',
  codeSize: 3,
};

/** Real PostgreSQL: publishing under the row lock, qualifier lookups, cleanup, code package reads, tenancy. */
describe('FunctionVersionRepository on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let repo: FunctionVersionRepository;
  let functions: FunctionRepository;
  let fnA: FunctionEntity;
  let fnB: FunctionEntity;

  const publish = (tx: FunctionVersionsTransaction, version: string): Promise<FunctionVersionEntity> =>
    tx.insertVersion({
      projectId: tx.head.projectId,
      functionId: tx.head.id,
      version,
      versionDescription: `published ${version}`,
      contentDigest: contentDigestOf(tx.head),
      ...versionedColumnsOf(tx.head),
    });

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_fn_versions');
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    for (const id of ['proj-a', 'proj-b'])
      await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $1, 'dom')`, [id]);
    functions = new FunctionRepository(ds);
    fnA = await functions.createWithCode(
      { ...base, projectId: 'proj-a', funcName: 'a', codeDigest: 'code-a1', userData: '{"V":"1"}' },
      { digest: 'code-a1', data: Buffer.from('a-1') },
    );
    fnB = await functions.createWithCode(
      { ...base, projectId: 'proj-b', funcName: 'b', codeDigest: 'code-b1' },
      { digest: 'code-b1', data: Buffer.from('b-1') },
    );
    repo = new FunctionVersionRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('publishes a copy of the head that keeps its code and configuration after the head moves on', async () => {
    const v1 = await repo.withFunctionLocked('proj-a', fnA.id, (tx) => publish(tx, 'v1'));
    expect(v1).toMatchObject({ version: 'v1', codeDigest: 'code-a1', userData: '{"V":"1"}' });
    await functions.updateCode(
      'proj-a',
      fnA.id,
      { codeDigest: 'code-a2', userData: '{"V":"2"}' },
      { digest: 'code-a2', data: Buffer.from('a-2') },
    );
    const head = (await functions.findById('proj-a', fnA.id)) as FunctionEntity;
    expect(head.codeDigest).toBe('code-a2');
    const stored = await repo.findVersion('proj-a', fnA.id, 'v1');
    expect(stored).toMatchObject({
      codeDigest: 'code-a1',
      userData: '{"V":"1"}',
      versionDescription: 'published v1',
    });
    // Nothing references code-a1 any more but the version: it must stay readable for the invoker.
    const packages = new CodePackageRepository(ds);
    expect(await packages.findForProject('proj-a', 'code-a1')).toEqual(Buffer.from('a-1'));
    expect(await packages.findForProject('proj-b', 'code-a1')).toBeNull();
    // The head changed, so its content digest differs from the version's.
    expect(contentDigestOf(head)).not.toBe(stored?.contentDigest);
  });

  it('loads what a qualifier names, and the snapshot of a version runs the version', async () => {
    await repo.withFunctionLocked('proj-a', fnA.id, async (tx) => {
      await publish(tx, 'v2');
      await tx.insertAlias({
        projectId: 'proj-a',
        functionId: fnA.id,
        name: 'live',
        version: 'v1',
        description: '',
        additionalVersionWeights: { v2: 25 },
        additionalVersionStrategy: {},
      });
    });
    expect(await repo.loadQualifier('proj-a', fnA.id, { version: 'LATEST' })).toEqual({ kind: 'latest' });
    expect(await repo.loadQualifier('proj-a', fnA.id, { version: 'v9' })).toBeNull();
    expect(await repo.loadQualifier('proj-a', fnA.id, { alias: 'nope' })).toBeNull();
    const alias = await repo.loadQualifier('proj-a', fnA.id, { alias: 'live' });
    expect(alias?.kind).toBe('alias');
    if (alias?.kind !== 'alias') return;
    expect(alias.versions.map((v) => v.version).sort()).toEqual(['v1', 'v2']);
    const version = await repo.loadQualifier('proj-a', fnA.id, { version: 'v1' });
    if (version?.kind !== 'version') throw new Error('v1 not found');
    const head = (await functions.findById('proj-a', fnA.id)) as FunctionEntity;
    const snapshot = toFunctionSnapshot(functionAtVersion(head, version.version), 'local', 'dom');
    expect(snapshot).toMatchObject({ version: 'v1', codeDigest: 'code-a1', userData: { V: '1' } });
    expect(snapshot.configDigest).not.toBe(toFunctionSnapshot(head, 'local', 'dom').configDigest);
  });

  it('serialises changes of one function: a second writer sees what the first one wrote', async () => {
    const claim = (name: string) =>
      repo.withFunctionLocked('proj-a', fnA.id, async (tx) => {
        if (await tx.findVersion(name)) return 'taken';
        // Long enough for the other transaction to reach its own check if the lock did not hold it back.
        await new Promise((r) => setTimeout(r, 200));
        await publish(tx, name);
        return 'published';
      });
    const outcomes = await Promise.all([claim('race'), claim('race')]);
    expect(outcomes.sort()).toEqual(['published', 'taken']);
  });

  it('deletes a version with its triggers, async config and reservation, and nothing of other qualifiers', async () => {
    await repo.withFunctionLocked('proj-a', fnA.id, (tx) => publish(tx, 'v3'));
    const triggers = new TriggerRepository(ds);
    const timer = (name: string, qualifier: string) =>
      triggers.create({
        projectId: 'proj-a',
        functionId: fnA.id,
        qualifier,
        triggerTypeCode: 'TIMER',
        triggerStatus: 'ACTIVE',
        name,
        eventData: { name },
      });
    const bound = await timer('t-v3', 'v3');
    await timer('t-latest', 'latest');
    const configs = new AsyncInvokeConfigRepository(ds);
    const config = {
      projectId: 'proj-a',
      functionId: fnA.id,
      maxAsyncEventAgeS: 60,
      maxAsyncRetryAttempts: 0,
      onSuccess: null,
      onFailure: null,
      enableAsyncStatusLog: false,
    };
    await configs.upsert({ ...config, qualifier: 'v3' });
    await configs.upsert({ ...config, qualifier: 'latest' });
    const reservations = new ReservedInstanceConfigRepository(ds);
    const reservation = {
      projectId: 'proj-a',
      functionId: fnA.id,
      domainId: 'dom',
      count: 1,
      idleMode: false,
      tacticsConfig: {},
    };
    await reservations.upsert({ ...reservation, qualifierType: 'version', qualifierName: 'v3' });
    await reservations.upsert({ ...reservation, qualifierType: 'alias', qualifierName: 'live', count: 2 });

    const cleanup = await repo.withFunctionLocked('proj-a', fnA.id, (tx) => tx.deleteVersion('v3'));
    expect(cleanup).toEqual({ triggerIds: [bound.id], asyncConfigDeleted: true, reservationsDeleted: true });
    expect(await repo.findVersion('proj-a', fnA.id, 'v3')).toBeNull();
    expect((await triggers.listForFunction('proj-a', fnA.id)).map((t) => t.name)).toEqual(['t-latest']);
    expect(await configs.find('proj-a', fnA.id, 'latest')).not.toBeNull();
    expect(await configs.find('proj-a', fnA.id, 'v3')).toBeNull();
    // The alias `live` points at v1, not latest, so nothing freezes the head.
    expect(await reservations.reservedCountOf('proj-a', fnA.id)).toBe(2);
    expect(await reservations.reservedCountOfLatest('proj-a', fnA.id)).toBe(0);
    await reservations.remove('proj-a', fnA.id, 'alias', 'live');
  });

  it('counts an alias on latest as holding the head, and deletes an alias with what was bound to it', async () => {
    await repo.withFunctionLocked('proj-a', fnA.id, (tx) =>
      tx.insertAlias({
        projectId: 'proj-a',
        functionId: fnA.id,
        name: 'edge',
        version: 'latest',
        description: '',
        additionalVersionWeights: {},
        additionalVersionStrategy: {},
      }),
    );
    const reservations = new ReservedInstanceConfigRepository(ds);
    await reservations.upsert({
      projectId: 'proj-a',
      functionId: fnA.id,
      qualifierType: 'alias',
      qualifierName: 'edge',
      domainId: 'dom',
      count: 3,
      idleMode: false,
      tacticsConfig: {},
    });
    expect(await reservations.reservedCountOfLatest('proj-a', fnA.id)).toBe(3);
    const cleanup = await repo.withFunctionLocked('proj-a', fnA.id, async (tx) => {
      expect(await tx.countTriggers('!edge')).toBe(0);
      return tx.deleteAlias('edge');
    });
    expect(cleanup).toEqual({ triggerIds: [], asyncConfigDeleted: false, reservationsDeleted: true });
    expect(await repo.findAlias('proj-a', fnA.id, 'edge')).toBeNull();
    expect(await reservations.reservedCountOfLatest('proj-a', fnA.id)).toBe(0);
  });

  it('keeps tenants apart: another project neither reads nor writes this function’s versions', async () => {
    expect(await repo.findVersion('proj-b', fnA.id, 'v1')).toBeNull();
    expect((await repo.listVersions('proj-b', fnA.id, 0, 10)).total).toBe(0);
    expect(await repo.listAliases('proj-b', fnA.id)).toEqual([]);
    await expect(repo.withFunctionLocked('proj-b', fnA.id, async () => 'locked')).rejects.toMatchObject({
      code: 'FSS.1051',
    });
    // Filing a version under proj-b for proj-a's function violates the policy's function check.
    await expect(
      repo.withFunctionLocked('proj-b', fnB.id, (tx) =>
        tx.insertVersion({
          projectId: 'proj-b',
          functionId: fnA.id,
          version: 'stolen',
          versionDescription: '',
          contentDigest: 'x',
          ...versionedColumnsOf(fnA),
        }),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('lists versions oldest first with the total, and refuses a duplicate name at the database', async () => {
    const page = await repo.listVersions('proj-a', fnA.id, 0, 2);
    expect(page.items.map((v) => v.version)).toEqual(['v1', 'v2']);
    expect(page.total).toBe(await repo.countVersions('proj-a', fnA.id));
    await expect(repo.withFunctionLocked('proj-a', fnA.id, (tx) => publish(tx, 'v1'))).rejects.toThrow(
      /uq_function_versions_version/,
    );
  });

  it('goes with its function: deleting the function deletes its versions and aliases', async () => {
    await repo.withFunctionLocked('proj-b', fnB.id, async (tx) => {
      await publish(tx, 'v1');
      await tx.insertAlias({
        projectId: 'proj-b',
        functionId: fnB.id,
        name: 'prod',
        version: 'v1',
        description: '',
        additionalVersionWeights: {},
        additionalVersionStrategy: {},
      });
    });
    expect(await functions.delete('proj-b', fnB.id)).toBe(true);
    expect(await ds.query(`SELECT 1 FROM function_versions WHERE function_id = $1`, [fnB.id])).toEqual([]);
    expect(await ds.query(`SELECT 1 FROM function_aliases WHERE function_id = $1`, [fnB.id])).toEqual([]);
  });
});
