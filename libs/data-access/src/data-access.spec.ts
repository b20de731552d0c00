import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { CodePackageRepository } from './repositories/code-package.repository';
import { FunctionRepository } from './repositories/function.repository';
import { IdentityRepository } from './repositories/identity.repository';
import { InvocationRepository } from './repositories/invocation.repository';
import { TriggerRepository } from './repositories/trigger.repository';
import { createScratchDatabase, ScratchDatabase } from './testing/scratch-database';

/** Real PostgreSQL: migrations up → down → up, and every repository scoped by tenant. */
describe('data access on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_data_access');
    ds = createDataSource(db.url);
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('runs the migrations up, down and up again', async () => {
    const applied = await ds.runMigrations();
    expect(applied.length).toBeGreaterThan(0);
    // Every migration's down, newest first, back to an empty schema.
    for (let i = 0; i < applied.length; i++) await ds.undoLastMigration();
    const tables = await ds.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'functions'`,
    );
    expect(tables[0].n).toBe(0);
    await ds.runMigrations();
    expect(await ds.showMigrations()).toBe(false);
  });

  it('keeps every tenant to its own functions, code and triggers', async () => {
    const identity = new IdentityRepository(ds);
    const functions = new FunctionRepository(ds);
    const code = new CodePackageRepository(ds);
    const triggers = new TriggerRepository(ds);
    for (const id of ['tenant-a', 'tenant-b']) {
      await identity.ensureBootstrap({
        project: { id, name: id, domainId: `dom-${id}` },
        user: { name: `admin-${id}`, passwordHash: 'x' },
      });
    }
    const base = {
      package: 'default',
      funcName: 'same-name',
      runtime: 'Node.js18.15',
      handler: 'index.handler',
      memorySize: 128,
      timeoutS: 3,
      codeType: 'zip',
      codeSize: 3,
    };
    const a = await functions.createWithCode(
      { ...base, projectId: 'tenant-a', codeDigest: 'd-a' },
      { digest: 'd-a', data: Buffer.from('aaa') },
    );
    const b = await functions.createWithCode(
      { ...base, projectId: 'tenant-b', codeDigest: 'd-b' },
      { digest: 'd-b', data: Buffer.from('bbb') },
    );

    expect(await functions.findById('tenant-a', b.id)).toBeNull();
    expect((await functions.findByName('tenant-b', 'default', 'same-name'))?.id).toBe(b.id);
    expect((await functions.list('tenant-a', 0, 10, {})).items.map((f) => f.id)).toEqual([a.id]);
    expect(await code.findForProject('tenant-a', 'd-b')).toBeNull();
    expect((await code.findForProject('tenant-a', 'd-a'))?.toString()).toBe('aaa');
    expect(await functions.delete('tenant-a', b.id)).toBe(false);

    const t = await triggers.create({
      projectId: 'tenant-b',
      functionId: b.id,
      triggerTypeCode: 'TIMER',
      triggerStatus: 'ACTIVE',
      name: 't',
      eventData: {},
    });
    expect(await triggers.find('tenant-a', b.id, 'TIMER', t.id)).toBeNull();
    expect(await triggers.deleteAllForFunction('tenant-a', b.id)).toEqual([]);
    expect(await functions.delete('tenant-b', b.id)).toBe(true);
    expect(await triggers.findAnyById(t.id)).toBeNull();
  });

  it('lets exactly one attempt claim and finish an async invocation', async () => {
    const invocations = new InvocationRepository(ds);
    const requestId = randomUUID();
    await invocations.insertWaiting({
      requestId,
      projectId: 'tenant-a',
      functionId: randomUUID(),
      invokeType: 'async',
      event: '{}',
    });
    expect(await invocations.markRunning('tenant-a', requestId, 1, 'inv-1')).toBe(true);
    expect(await invocations.markRunning('tenant-a', requestId, 1, 'inv-2')).toBe(false);
    expect(await invocations.markRunning('tenant-a', requestId, 2, 'inv-2')).toBe(true);
    expect(await invocations.finish('tenant-a', requestId, 1, { status: 'SUCCESS' })).toBe(false);
    expect(await invocations.finish('tenant-a', requestId, 2, { status: 'SUCCESS', result: 'ok' })).toBe(
      true,
    );
    expect(await invocations.finish('tenant-a', requestId, 2, { status: 'FAIL' })).toBe(false);
    expect((await invocations.findOne('tenant-a', requestId))?.status).toBe('SUCCESS');
    expect(await invocations.findOne('tenant-b', requestId)).toBeNull();
  });
});
