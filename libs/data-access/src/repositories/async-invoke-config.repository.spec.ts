import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { FunctionEntity } from '../entities/function.entity';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';
import { AsyncInvokeConfigInput, AsyncInvokeConfigRepository } from './async-invoke-config.repository';
import { FunctionRepository } from './function.repository';

const base = {
  package: 'default',
  runtime: 'Node.js18.15',
  handler: 'index.handler',
  memorySize: 128,
  timeoutS: 3,
  codeType: 'zip',
  codeSize: 3,
};

/** Real PostgreSQL: per-qualifier upsert, listing, deletion, the invoker's read, and row-level security. */
describe('AsyncInvokeConfigRepository on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let repo: AsyncInvokeConfigRepository;
  let fnA: FunctionEntity;
  let fnB: FunctionEntity;

  const input = (
    fn: FunctionEntity,
    overrides: Partial<AsyncInvokeConfigInput> = {},
  ): AsyncInvokeConfigInput => ({
    projectId: fn.projectId,
    functionId: fn.id,
    qualifier: 'latest',
    maxAsyncEventAgeS: 600,
    maxAsyncRetryAttempts: 2,
    onSuccess: { destination: 'DIS', param: '{"stream_name":"ok"}' },
    onFailure: null,
    enableAsyncStatusLog: true,
    ...overrides,
  });

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_async_cfg');
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    for (const id of ['proj-a', 'proj-b'])
      await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $1, 'dom')`, [id]);
    const functions = new FunctionRepository(ds);
    fnA = await functions.createWithCode(
      { ...base, projectId: 'proj-a', funcName: 'a', codeDigest: 'd-a' },
      { digest: 'd-a', data: Buffer.from('aaa') },
    );
    fnB = await functions.createWithCode(
      { ...base, projectId: 'proj-b', funcName: 'b', codeDigest: 'd-b' },
      { digest: 'd-b', data: Buffer.from('bbb') },
    );
    repo = new AsyncInvokeConfigRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('creates, replaces in place and reads back one config per qualifier', async () => {
    const created = await repo.upsert(input(fnA));
    expect(created).toMatchObject({
      qualifier: 'latest',
      maxAsyncEventAgeS: 600,
      enableAsyncStatusLog: true,
    });
    expect(created.onSuccess).toEqual({ destination: 'DIS', param: '{"stream_name":"ok"}' });
    const replaced = await repo.upsert(input(fnA, { maxAsyncRetryAttempts: 0, onSuccess: null }));
    expect(replaced.id).toBe(created.id);
    expect(replaced.createdAt.getTime()).toBe(created.createdAt.getTime());
    expect(replaced.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    expect(replaced).toMatchObject({ maxAsyncRetryAttempts: 0, onSuccess: null });
    await repo.upsert(input(fnA, { qualifier: '!dev' }));
    const { items, total } = await repo.listForFunction('proj-a', fnA.id, 0, 10);
    expect(total).toBe(2);
    expect(items.map((c) => c.qualifier)).toEqual(['latest', '!dev']);
    expect((await repo.listForFunction('proj-a', fnA.id, 1, 10)).items.map((c) => c.qualifier)).toEqual([
      '!dev',
    ]);
  });

  it('gives invokers the stored policy with parsed destinations, or the defaults', async () => {
    await repo.upsert(
      input(fnA, {
        qualifier: '7',
        onSuccess: { destination: 'FunctionGraph', param: '{"func_urn":"next"}' },
        onFailure: { destination: 'WEBHOOK', param: '{"url":"http://127.0.0.1:9/hook"}' },
      }),
    );
    await expect(repo.findForInvocation('proj-a', fnA.id, '7')).resolves.toEqual({
      configured: true,
      maxAsyncEventAgeInSeconds: 600,
      maxAsyncRetryAttempts: 2,
      onSuccess: { destination: 'FunctionGraph', param: { func_urn: 'next' } },
      onFailure: { destination: 'WEBHOOK', param: { url: 'http://127.0.0.1:9/hook' } },
      enableAsyncStatusLog: true,
    });
    await expect(repo.findForInvocation('proj-a', fnA.id, '8')).resolves.toEqual({
      configured: false,
      maxAsyncEventAgeInSeconds: 3600,
      maxAsyncRetryAttempts: 1,
      enableAsyncStatusLog: false,
    });
  });

  it('deletes once, and the config goes with its function', async () => {
    await repo.upsert(input(fnA, { qualifier: 'gone' }));
    expect(await repo.delete('proj-a', fnA.id, 'gone')).toBe(true);
    expect(await repo.delete('proj-a', fnA.id, 'gone')).toBe(false);
    await repo.upsert(input(fnB));
    await ds.query(`DELETE FROM functions WHERE id = $1`, [fnB.id]);
    expect(await ds.query(`SELECT 1 FROM async_invoke_configs WHERE function_id = $1`, [fnB.id])).toEqual([]);
  });

  it('keeps tenants apart: another project neither sees nor writes a config of this function', async () => {
    await repo.upsert(input(fnA));
    expect(await repo.find('proj-b', fnA.id, 'latest')).toBeNull();
    expect((await repo.listForFunction('proj-b', fnA.id, 0, 10)).total).toBe(0);
    expect(await repo.delete('proj-b', fnA.id, 'latest')).toBe(false);
    // Filing a config under proj-b for proj-a's function violates the policy's function check.
    await expect(repo.upsert(input(fnA, { projectId: 'proj-b', qualifier: 'x' }))).rejects.toThrow(
      /row-level security/,
    );
    expect(await repo.find('proj-a', fnA.id, 'latest')).not.toBeNull();
  });

  it('refuses values outside the widest documented ranges at the database', async () => {
    await expect(repo.upsert(input(fnA, { qualifier: 'r', maxAsyncEventAgeS: 0 }))).rejects.toThrow();
    await expect(repo.upsert(input(fnA, { qualifier: 'r', maxAsyncRetryAttempts: 9 }))).rejects.toThrow();
  });
});
