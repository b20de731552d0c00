import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { FunctionEntity } from '../entities/function.entity';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';
import { AsyncInvocationRepository } from './async-invocation.repository';
import { FunctionRepository } from './function.repository';
import { InvocationRepository } from './invocation.repository';

/** Real PostgreSQL: the async request list's filters and paging, and stopping a request against the invoker's fencing. */
describe('AsyncInvocationRepository on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let repo: AsyncInvocationRepository;
  let ledger: InvocationRepository;
  let fn: FunctionEntity;
  const minute = 60_000;
  const t0 = new Date('2030-01-01T12:00:00Z');

  /** An async row accepted at `t0 + minutes`, then moved to `status` the way the invoker does. */
  async function request(minutes: number, status: 'WAIT' | 'RUNNING' | 'SUCCESS' | 'FAIL'): Promise<string> {
    const requestId = randomUUID();
    await ledger.insertWaiting({
      requestId,
      projectId: fn.projectId,
      functionId: fn.id,
      qualifier: 'latest',
      invokeType: 'async',
      event: '{}',
    });
    await ds.query(`UPDATE invocations SET created_at = $2 WHERE request_id = $1`, [
      requestId,
      new Date(t0.getTime() + minutes * minute),
    ]);
    if (status !== 'WAIT') await ledger.markRunning(fn.projectId, requestId, 1, 'invoker-1');
    if (status === 'SUCCESS' || status === 'FAIL')
      await ledger.finish(fn.projectId, requestId, 1, {
        status,
        errorMessage: status === 'FAIL' ? 'boom' : '',
      });
    return requestId;
  }

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_async_inv');
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    for (const id of ['proj-a', 'proj-b'])
      await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $1, 'dom')`, [id]);
    fn = await new FunctionRepository(ds).createWithCode(
      {
        projectId: 'proj-a',
        package: 'default',
        funcName: 'f',
        runtime: 'Node.js18.15',
        handler: 'index.handler',
        memorySize: 128,
        timeoutS: 3,
        codeType: 'zip',
        codeSize: 3,
        codeDigest: 'd-a',
      },
      { digest: 'd-a', data: Buffer.from('aaa') },
    );
    repo = new AsyncInvocationRepository(ds);
    ledger = new InvocationRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('lists newest first with status, request id, time window and paging filters', async () => {
    const waiting = await request(0, 'WAIT');
    const running = await request(1, 'RUNNING');
    const ok = await request(2, 'SUCCESS');
    const failed = await request(3, 'FAIL');
    await ledger.insertRecords([
      {
        requestId: randomUUID(),
        projectId: 'proj-a',
        functionId: fn.id,
        invokeType: 'sync',
        status: 'SUCCESS',
      },
    ]);
    const page = { offset: 0, limit: 10 };
    const all = await repo.list('proj-a', fn.id, page);
    expect(all.total).toBe(4);
    expect(all.items.map((i) => i.requestId)).toEqual([failed, ok, running, waiting]);
    expect(all.items[0]).toMatchObject({ status: 'FAIL', errorMessage: 'boom' });
    expect(all.items[0].endTime).toBeInstanceOf(Date);
    expect(all.items[3]).toMatchObject({ status: 'WAIT', startTime: null, endTime: null });

    expect(
      (await repo.list('proj-a', fn.id, { ...page, statuses: ['RUNNING'] })).items.map((i) => i.requestId),
    ).toEqual([running]);
    expect(
      (await repo.list('proj-a', fn.id, { ...page, requestIds: [ok] })).items.map((i) => i.requestId),
    ).toEqual([ok]);
    const window = await repo.list('proj-a', fn.id, {
      ...page,
      acceptedFrom: new Date(t0.getTime() + minute),
      acceptedUntil: new Date(t0.getTime() + 2 * minute),
    });
    expect(window.items.map((i) => i.requestId)).toEqual([ok, running]);
    const second = await repo.list('proj-a', fn.id, { offset: 1, limit: 2 });
    expect(second).toMatchObject({ total: 4 });
    expect(second.items.map((i) => i.requestId)).toEqual([ok, running]);
    expect((await repo.list('proj-b', fn.id, page)).total).toBe(0);
  });

  it('stops a WAIT request so that the invoker can no longer claim it', async () => {
    const id = await request(10, 'WAIT');
    await expect(repo.stop('proj-a', fn.id, id, 'cancelled')).resolves.toEqual({
      kind: 'stopped',
      previous: 'WAIT',
      attempt: 0,
      invokerId: '',
    });
    expect(await ledger.markRunning('proj-a', id, 1, 'invoker-1')).toBe(false);
    await expect(ledger.findOne('proj-a', id)).resolves.toMatchObject({
      status: 'DISCARD',
      errorMessage: 'cancelled',
    });
    await expect(repo.stop('proj-a', fn.id, id, 'cancelled')).resolves.toEqual({
      kind: 'ended',
      status: 'DISCARD',
    });
  });

  it('stops a RUNNING request, reports its attempt and invoker, and fences out the late result', async () => {
    const id = await request(11, 'RUNNING');
    await expect(repo.stop('proj-a', fn.id, id, 'cancelled')).resolves.toEqual({
      kind: 'stopped',
      previous: 'RUNNING',
      attempt: 1,
      invokerId: 'invoker-1',
    });
    expect(await ledger.finish('proj-a', id, 1, { status: 'SUCCESS' })).toBe(false);
    expect(await ledger.markRunning('proj-a', id, 2, 'invoker-2')).toBe(false);
    await expect(ledger.findOne('proj-a', id)).resolves.toMatchObject({ status: 'DISCARD' });
  });

  it('does not stop ended, unknown, sync or other tenants’ requests', async () => {
    const done = await request(12, 'SUCCESS');
    await expect(repo.stop('proj-a', fn.id, done, 'x')).resolves.toEqual({
      kind: 'ended',
      status: 'SUCCESS',
    });
    await expect(repo.stop('proj-a', fn.id, randomUUID(), 'x')).resolves.toEqual({ kind: 'not_found' });
    const waiting = await request(13, 'WAIT');
    await expect(repo.stop('proj-b', fn.id, waiting, 'x')).resolves.toEqual({ kind: 'not_found' });
    await expect(repo.stop('proj-a', randomUUID(), waiting, 'x')).resolves.toEqual({ kind: 'not_found' });
    const sync = randomUUID();
    await ledger.insertRecords([
      { requestId: sync, projectId: 'proj-a', functionId: fn.id, invokeType: 'sync', status: 'RUNNING' },
    ]);
    await expect(repo.stop('proj-a', fn.id, sync, 'x')).resolves.toEqual({ kind: 'not_found' });
    await expect(ledger.findOne('proj-a', waiting)).resolves.toMatchObject({ status: 'WAIT' });
  });
});
