import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { FunctionEntity } from '../entities/function.entity';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';
import { AsyncRecoveryRepository } from './async-recovery.repository';
import { FunctionRepository } from './function.repository';
import { InvocationRepository } from './invocation.repository';

/** Real PostgreSQL: the reconciler's cross-tenant scans and the fenced writes it and the invoker race on. */
describe('AsyncRecoveryRepository and the ledger writes of recovery on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let recovery: AsyncRecoveryRepository;
  let ledger: InvocationRepository;
  const fns: Record<'a' | 'b', FunctionEntity> = {} as Record<'a' | 'b', FunctionEntity>;

  async function accepted(project: 'a' | 'b', secondsAgo = 3600, event = '{"k":1}'): Promise<string> {
    const requestId = randomUUID();
    await ledger.insertWaiting({
      requestId,
      projectId: `proj-${project}`,
      functionId: fns[project].id,
      qualifier: 'latest',
      invokeType: 'async',
      triggerType: 'TIMER',
      triggerId: 't-1',
      event,
    });
    await ds.query(
      `UPDATE invocations SET created_at = now() - make_interval(secs => $2) WHERE request_id = $1`,
      [requestId, secondsAgo],
    );
    return requestId;
  }

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_async_recovery');
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    for (const p of ['a', 'b'] as const) {
      await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $1, 'dom')`, [`proj-${p}`]);
      fns[p] = await new FunctionRepository(ds).createWithCode(
        {
          projectId: `proj-${p}`,
          package: 'default',
          funcName: 'f',
          runtime: 'Node.js18.15',
          handler: 'index.handler',
          memorySize: 128,
          timeoutS: 3,
          codeType: 'zip',
          codeSize: 3,
          codeDigest: `d-${p}`,
        },
        { digest: `d-${p}`, data: Buffer.from(p) },
      );
    }
    recovery = new AsyncRecoveryRepository(ds);
    ledger = new InvocationRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('pages through open requests of every project, oldest first, and skips young and finished ones', async () => {
    await ds.query(`DELETE FROM invocations`);
    const oldest = await accepted('a', 300);
    const other = await accepted('b', 200);
    const running = await accepted('a', 100);
    await ledger.markRunning('proj-a', running, 2, 'inv-1');
    const done = await accepted('b', 90);
    await ledger.markRunning('proj-b', done, 1, 'inv-1');
    await ledger.finish('proj-b', done, 1, { status: 'SUCCESS' });
    await accepted('a', 1);

    const before = new Date(Date.now() - 30_000);
    const first = await recovery.openRequests(before, 2);
    expect(first.map((r) => r.requestId)).toEqual([oldest, other]);
    expect(first[0]).toMatchObject({
      projectId: 'proj-a',
      functionId: fns.a.id,
      status: 'WAIT',
      attempt: 0,
      recoveries: 0,
      event: '{"k":1}',
      triggerType: 'TIMER',
      triggerId: 't-1',
    });
    const last = first[1];
    const second = await recovery.openRequests(before, 2, {
      createdAt: last.createdAt,
      requestId: last.requestId,
    });
    expect(second.map((r) => [r.requestId, r.status, r.attempt, r.invokerId])).toEqual([
      [running, 'RUNNING', 2, 'inv-1'],
    ]);
  });

  it('counts a recovery only while the row is open at the attempt the reconciler saw', async () => {
    const id = await accepted('a');
    await expect(ledger.markRecovered('proj-a', id, 0)).resolves.toBe(1);
    await expect(ledger.markRecovered('proj-a', id, 0)).resolves.toBe(2);
    await ledger.markRunning('proj-a', id, 1, 'inv-1');
    await expect(ledger.markRecovered('proj-a', id, 0)).resolves.toBeUndefined();
    await expect(ledger.markRecovered('proj-b', id, 1)).resolves.toBeUndefined();
    await ledger.finish('proj-a', id, 1, { status: 'FAIL' });
    await expect(ledger.markRecovered('proj-a', id, 1)).resolves.toBeUndefined();
  });

  it('discards a WAIT row whose enqueue failed, but not one an invoker already claimed', async () => {
    const lost = await accepted('a');
    await expect(ledger.discardUnaccepted('proj-a', lost, 'not accepted')).resolves.toBe(true);
    expect(await ledger.findOne('proj-a', lost)).toMatchObject({
      status: 'DISCARD',
      errorMessage: 'not accepted',
    });
    const claimed = await accepted('a');
    await ledger.markRunning('proj-a', claimed, 1, 'inv-1');
    await expect(ledger.discardUnaccepted('proj-a', claimed, 'not accepted')).resolves.toBe(false);
    expect(await ledger.findOne('proj-a', claimed)).toMatchObject({ status: 'RUNNING' });
  });

  it('claims deliveries one try at a time and offers them again only after a back-off that doubles', async () => {
    await ds.query(`UPDATE invocations SET destination_status = '' WHERE destination_status = 'PENDING'`);
    const id = await accepted('b');
    await ledger.markRunning('proj-b', id, 1, 'inv-1');
    await ledger.finish('proj-b', id, 1, { status: 'SUCCESS', result: '{"ok":true}' }, true);
    expect(await ledger.findOne('proj-b', id)).toMatchObject({
      destinationStatus: 'PENDING',
      destinationAttempts: 1,
    });
    // Just claimed by the invoker: not offered before the grace period passed.
    expect(await recovery.pendingDeliveries(60_000, 10)).toEqual([]);
    await ds.query(
      `UPDATE invocations SET destination_at = now() - interval '90 seconds' WHERE request_id = $1`,
      [id],
    );
    const [row] = await recovery.pendingDeliveries(60_000, 10);
    expect(row).toMatchObject({
      requestId: id,
      status: 'SUCCESS',
      result: '{"ok":true}',
      destinationAttempts: 1,
    });

    await expect(ledger.claimDelivery('proj-b', id, 1)).resolves.toBe(true);
    await expect(ledger.claimDelivery('proj-b', id, 1)).resolves.toBe(false);
    // Try 2 was claimed just now; 90 s later it is still inside its doubled (120 s) wait, 150 s later it is not.
    await ds.query(
      `UPDATE invocations SET destination_at = now() - interval '90 seconds' WHERE request_id = $1`,
      [id],
    );
    expect(await recovery.pendingDeliveries(60_000, 10)).toEqual([]);
    await ds.query(
      `UPDATE invocations SET destination_at = now() - interval '150 seconds' WHERE request_id = $1`,
      [id],
    );
    expect((await recovery.pendingDeliveries(60_000, 10)).map((r) => r.requestId)).toEqual([id]);

    // The outcome of a superseded try is ignored; the current one's is kept.
    await expect(ledger.recordDelivery('proj-b', id, 1, 'FAILED')).resolves.toBe(false);
    await expect(ledger.recordDelivery('proj-b', id, 2, 'DELIVERED')).resolves.toBe(true);
    await expect(ledger.claimDelivery('proj-b', id, 2)).resolves.toBe(false);
    expect(await recovery.pendingDeliveries(0, 10)).toEqual([]);
  });
});
