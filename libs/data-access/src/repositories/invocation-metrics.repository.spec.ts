import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { FunctionEntity } from '../entities/function.entity';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';
import { FunctionRepository } from './function.repository';
import { InvocationMetricsRepository } from './invocation-metrics.repository';

const MINUTE = 60_000;
/** A bucket boundary: every figure below is placed relative to it. */
const T0 = new Date('2030-01-01T12:00:00Z').getTime();

interface Row {
  fn: FunctionEntity;
  at: number;
  status?: string;
  durationMs?: number | null;
  errorMessage?: string;
  qualifier?: string;
  log?: string;
  memoryUsedMb?: number | null;
}

/** Real PostgreSQL: buckets, monthly usage, the top-N report and the log query, per tenant. */
describe('InvocationMetricsRepository on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let repo: InvocationMetricsRepository;
  let fnA: FunctionEntity;
  let fnA2: FunctionEntity;
  let fnB: FunctionEntity;
  let gone: FunctionEntity;

  /** Writes invocation records straight into the table (as the owner), with chosen record times. */
  async function record(rows: Row[]): Promise<string[]> {
    const ids: string[] = [];
    for (const r of rows) {
      const id = randomUUID();
      ids.push(id);
      await ds.query(
        `INSERT INTO invocations (request_id, project_id, function_id, qualifier, invoke_type, status, duration_ms,
                                  memory_used_mb, error_message, log, start_time, end_time, created_at)
         VALUES ($1, $2, $3, $4, 'sync', $5, $6, $7, $8, $9, $10, $10, $10)`,
        [
          id,
          r.fn.projectId,
          r.fn.id,
          r.qualifier ?? 'latest',
          r.status ?? 'SUCCESS',
          r.durationMs === undefined ? 10 : r.durationMs,
          r.memoryUsedMb === undefined ? 30 : r.memoryUsedMb,
          r.errorMessage ?? '',
          r.log ?? '',
          new Date(r.at),
        ],
      );
    }
    return ids;
  }

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_inv_metrics');
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    for (const id of ['proj-a', 'proj-b'])
      await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $1, 'dom')`, [id]);
    const functions = new FunctionRepository(ds);
    const code = { digest: 'e'.repeat(128), data: Buffer.from('zip') };
    const create = (projectId: string, funcName: string, memorySize: number) =>
      functions.createWithCode(
        {
          projectId,
          package: 'default',
          funcName,
          runtime: 'Node.js20.15',
          handler: 'index.handler',
          memorySize,
          timeoutS: 3,
          codeType: 'zip',
          codeSize: 3,
          codeDigest: code.digest,
        },
        code,
      );
    fnA = await create('proj-a', 'alpha', 256);
    fnA2 = await create('proj-a', 'beta', 1024);
    fnB = await create('proj-b', 'alpha', 128);
    gone = await create('proj-a', 'gone', 128);
    repo = new InvocationMetricsRepository(ds);

    await record([
      // Bucket T0 (1-minute buckets): 3 successes, a function error and a platform error of alpha.
      { fn: fnA, at: T0 + 1_000, durationMs: 100 },
      { fn: fnA, at: T0 + 2_000, durationMs: 200 },
      { fn: fnA, at: T0 + 59_999, durationMs: 300, qualifier: 'v1' },
      { fn: fnA, at: T0 + 3_000, status: 'FAIL', durationMs: 400, errorMessage: 'boom' },
      { fn: fnA, at: T0 + 4_000, status: 'FAIL', durationMs: 50, errorMessage: 'platform error: lost' },
      // Not finished or never run: not counted.
      { fn: fnA, at: T0 + 5_000, status: 'RUNNING', durationMs: null },
      { fn: fnA, at: T0 + 6_000, status: 'WAIT', durationMs: null },
      { fn: fnA, at: T0 + 7_000, status: 'DISCARD', durationMs: null },
      // Bucket T0+2min.
      { fn: fnA, at: T0 + 2 * MINUTE, durationMs: 10 },
      // Another function of the project, and the same name in another project.
      { fn: fnA2, at: T0 + 30_000, status: 'FAIL', durationMs: 1000, errorMessage: 'x' },
      { fn: fnA2, at: T0 + 31_000, status: 'FAIL', durationMs: 2000, errorMessage: 'y' },
      { fn: fnB, at: T0 + 1_000, status: 'FAIL', durationMs: 9999, errorMessage: 'b' },
      // Outside the window on either side.
      { fn: fnA, at: T0 - 1, durationMs: 5000 },
      { fn: fnA, at: T0 + 5 * MINUTE, durationMs: 5000 },
      // A function deleted since.
      { fn: gone, at: T0 + 1_000, status: 'FAIL', durationMs: 70, errorMessage: 'z', memoryUsedMb: 64 },
    ]);
    await functions.delete('proj-a', gone.id);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const window = { from: new Date(T0), to: new Date(T0 + 5 * MINUTE), stepMs: MINUTE };

  it("buckets one function's finished invocations on the epoch and splits function from platform errors", async () => {
    const buckets = await repo.bucketStatistics('proj-a', { functionId: fnA.id }, window);
    expect(buckets).toEqual([
      {
        bucketMs: T0,
        count: 5,
        failCount: 2,
        systemErrorCount: 1,
        avgDurationMs: 210,
        maxDurationMs: 400,
        minDurationMs: 50,
      },
      {
        bucketMs: T0 + 2 * MINUTE,
        count: 1,
        failCount: 0,
        systemErrorCount: 0,
        avgDurationMs: 10,
        maxDurationMs: 10,
        minDurationMs: 10,
      },
    ]);
  });

  it('narrows to one qualifier, and to nothing for a function of another tenant', async () => {
    const v1 = await repo.bucketStatistics('proj-a', { functionId: fnA.id, qualifier: 'v1' }, window);
    expect(v1.map((b) => [b.bucketMs, b.count, b.maxDurationMs])).toEqual([[T0, 1, 300]]);
    expect(await repo.bucketStatistics('proj-b', { functionId: fnA.id }, window)).toEqual([]);
  });

  it("adds up the whole project with 30-minute buckets, other tenants' records excluded", async () => {
    const tenant = await repo.bucketStatistics(
      'proj-a',
      {},
      { from: new Date(T0), to: new Date(T0 + 30 * MINUTE), stepMs: 30 * MINUTE },
    );
    // alpha 7 (the one at T0 + 5 min too), beta 2, the deleted function's 1.
    expect(tenant).toEqual([
      expect.objectContaining({
        bucketMs: T0,
        count: 10,
        failCount: 5,
        systemErrorCount: 1,
        maxDurationMs: 5000,
      }),
    ]);
    const other = await repo.bucketStatistics(
      'proj-b',
      {},
      { from: new Date(T0), to: new Date(T0 + 30 * MINUTE), stepMs: 30 * MINUTE },
    );
    expect(other.map((b) => [b.count, b.failCount, b.maxDurationMs])).toEqual([[1, 1, 9999]]);
  });

  it('sums invocations and GB-seconds per UTC month at the configured memory', async () => {
    const nextMonth = new Date('2030-02-10T00:00:00Z').getTime();
    await record([{ fn: fnA2, at: nextMonth, durationMs: 4000 }]);
    const usage = await repo.monthlyUsage(
      'proj-a',
      new Date('2029-12-01T00:00:00Z'),
      new Date('2030-03-01T00:00:00Z'),
    );
    expect(usage.map((u) => u.month)).toEqual(['2030-01', '2030-02']);
    expect(usage[0].count).toBe(11);
    // alpha 256 MB: (100+200+300+400+50+10+5000+5000) ms; beta 1 GB: 3000 ms; deleted: 70 ms at 64 MB recorded.
    const expected = (11_060 / 1000) * 0.25 + 3 + (70 / 1000) * (64 / 1024);
    expect(usage[0].gbSeconds).toBeCloseTo(expected, 6);
    expect(usage[1]).toEqual({ month: '2030-02', count: 1, gbSeconds: 4 });
  });

  it('ranks the live functions by failures, count or duration, highest first', async () => {
    const from = new Date(T0);
    const to = new Date(T0 + 5 * MINUTE);
    const byFailures = await repo.rankFunctions('proj-a', 'failcount', from, to, 10);
    expect(byFailures).toEqual({
      items: [
        { functionId: fnA.id, package: 'default', funcName: 'alpha', value: 2 },
        { functionId: fnA2.id, package: 'default', funcName: 'beta', value: 2 },
      ],
      total: 2,
    });
    const byCount = await repo.rankFunctions('proj-a', 'count', from, to, 1);
    expect(byCount).toEqual({
      items: [{ functionId: fnA.id, package: 'default', funcName: 'alpha', value: 6 }],
      total: 2,
    });
    const byMax = await repo.rankFunctions('proj-a', 'maxDuration', from, to, 10);
    expect(byMax.items.map((i) => [i.funcName, i.value])).toEqual([
      ['beta', 2000],
      ['alpha', 400],
    ]);
    const byMin = await repo.rankFunctions('proj-a', 'minDuration', from, to, 10);
    expect(byMin.items.map((i) => [i.funcName, i.value])).toEqual([
      ['beta', 1000],
      ['alpha', 10],
    ]);
    const byRejects = await repo.rankFunctions('proj-a', 'rejectcount', from, to, 10);
    expect(byRejects.items.map((i) => i.value)).toEqual([0, 0]);
    expect(await repo.rankFunctions('proj-b', 'failcount', from, to, 10)).toEqual({
      items: [{ functionId: fnB.id, package: 'default', funcName: 'alpha', value: 1 }],
      total: 1,
    });
  });

  it('lists logs newest first, paged, by request id, window and qualifier, inside the tenant only', async () => {
    const logFn = await new FunctionRepository(ds).findById('proj-a', fnA.id);
    const [first, second, third] = await record([
      { fn: logFn!, at: T0 + 10 * MINUTE, log: 'one' },
      { fn: logFn!, at: T0 + 11 * MINUTE, log: 'two', qualifier: 'prod' },
      { fn: logFn!, at: T0 + 12 * MINUTE, log: 'three', status: 'FAIL', errorMessage: 'bad' },
    ]);
    const logWindow = { from: new Date(T0 + 10 * MINUTE), to: new Date(T0 + 13 * MINUTE) };
    const page1 = await repo.listLogs('proj-a', fnA.id, logWindow, 0, 2);
    expect(page1.total).toBe(3);
    expect(page1.items.map((i) => [i.requestId, i.log, i.status])).toEqual([
      [third, 'three', 'FAIL'],
      [second, 'two', 'SUCCESS'],
    ]);
    expect(page1.items[0]).toMatchObject({
      errorMessage: 'bad',
      qualifier: 'latest',
      invokeType: 'sync',
      durationMs: 10,
      memoryUsedMb: 30,
      createdAt: new Date(T0 + 12 * MINUTE),
    });
    const page2 = await repo.listLogs('proj-a', fnA.id, logWindow, 2, 2);
    expect(page2).toMatchObject({ total: 3, items: [{ requestId: first, log: 'one' }] });
    expect(await repo.listLogs('proj-a', fnA.id, logWindow, 5, 2)).toEqual({ items: [], total: 3 });

    const byId = await repo.listLogs('proj-a', fnA.id, { requestId: second }, 0, 10);
    expect(byId.items.map((i) => i.log)).toEqual(['two']);
    const prod = await repo.listLogs('proj-a', fnA.id, { ...logWindow, qualifier: 'prod' }, 0, 10);
    expect(prod.items.map((i) => i.requestId)).toEqual([second]);
    // The upper bound is exclusive.
    const upTo = await repo.listLogs(
      'proj-a',
      fnA.id,
      { ...logWindow, to: new Date(T0 + 11 * MINUTE) },
      0,
      10,
    );
    expect(upTo.items.map((i) => i.requestId)).toEqual([first]);

    expect(await repo.listLogs('proj-b', fnA.id, { requestId: second }, 0, 10)).toEqual({
      items: [],
      total: 0,
    });
  });

  it('answers a tenant-wide window from the project index and a function window from the function index', async () => {
    // A few thousand records of other days and projects, so the planner has a real choice.
    await ds.query(
      `INSERT INTO invocations (request_id, project_id, function_id, invoke_type, status, duration_ms, created_at)
       SELECT gen_random_uuid(), CASE WHEN g % 2 = 0 THEN 'proj-a' ELSE 'proj-b' END,
              CASE WHEN g % 2 = 0 THEN $1::uuid ELSE $2::uuid END, 'sync', 'SUCCESS', g % 500,
              timestamptz '2029-06-01' + g * interval '1 minute'
         FROM generate_series(1, 6000) AS g`,
      [fnA.id, fnB.id],
    );
    await ds.query('ANALYZE invocations');
    const plan = async (sql: string, params: unknown[]): Promise<string> => {
      const rows = (await ds.query(`EXPLAIN ${sql}`, params)) as { 'QUERY PLAN': string }[];
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    const tenantPlan = await plan(
      `SELECT count(*) FROM invocations WHERE project_id = $1 AND created_at >= $2 AND created_at < $3`,
      ['proj-a', new Date(T0), new Date(T0 + 5 * MINUTE)],
    );
    expect(tenantPlan).toContain('ix_invocations_project_created');
    const functionPlan = await plan(
      `SELECT count(*) FROM invocations WHERE project_id = $1 AND function_id = $2
          AND created_at >= $3 AND created_at < $4`,
      ['proj-a', fnA.id, new Date(T0), new Date(T0 + 5 * MINUTE)],
    );
    expect(functionPlan).toMatch(/ix_invocations_(function|project)_created/);
    // The figures of the window are unchanged by the older records.
    const buckets = await repo.bucketStatistics('proj-a', { functionId: fnA.id }, window);
    expect(buckets.map((b) => b.count)).toEqual([5, 1]);
  });
});
