import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';
import { FunctionRepository } from './function.repository';
import { QuotaUsageRepository } from './quota-usage.repository';

/** Real PostgreSQL: what a project holds (functions, code bytes, dependencies, triggers), and only its own. */
describe('QuotaUsageRepository on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let repo: QuotaUsageRepository;

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_quota_usage');
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    for (const id of ['proj-a', 'proj-b', 'proj-empty'])
      await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $1, 'dom')`, [id]);
    repo = new QuotaUsageRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('counts nothing for an empty project', async () => {
    await expect(repo.usageOf('proj-empty')).resolves.toEqual({
      functions: 0,
      functionIds: [],
      codeBytes: 0,
      dependencies: 0,
      dependencyBytes: 0,
      triggers: 0,
    });
  });

  it("adds up the project's functions, code, own dependency versions and triggers, not another project's", async () => {
    const functions = new FunctionRepository(ds);
    const create = (projectId: string, funcName: string, codeSize: number, digest: string) =>
      functions.createWithCode(
        {
          projectId,
          package: 'default',
          funcName,
          runtime: 'Node.js20.15',
          handler: 'index.handler',
          memorySize: 128,
          timeoutS: 3,
          codeType: 'zip',
          codeSize,
          codeDigest: digest.repeat(128),
        },
        { digest: digest.repeat(128), data: Buffer.alloc(codeSize) },
      );
    const a1 = await create('proj-a', 'one', 3_000_000, 'a');
    const a2 = await create('proj-a', 'two', 500, 'b');
    const b1 = await create('proj-b', 'one', 7_000, 'c');

    const dependency = async (projectId: string, name: string, sizes: number[], isPublic = false) => {
      const [{ id }] = (await ds.query(
        `INSERT INTO dependencies (project_id, owner, is_public, name) VALUES ($1, $1, $2, $3) RETURNING id`,
        [projectId, isPublic, name],
      )) as { id: string }[];
      for (const [i, size] of sizes.entries()) {
        await ds.query(
          `INSERT INTO dependency_versions (dependency_id, project_id, version, runtime, depend_type, code_digest,
                                            etag, size, file_name)
           VALUES ($1, $2, $3, 'Node.js20.15', 'zip', $4, 'etag', $5, 'dep.zip')`,
          [id, projectId, i + 1, 'a'.repeat(128), size],
        );
      }
    };
    await dependency('proj-a', 'lib', [1000, 2000]);
    await dependency('proj-b', 'shared', [40_000], true);

    const trigger = (projectId: string, functionId: string, name: string) =>
      ds.query(
        `INSERT INTO triggers (project_id, function_id, trigger_type_code, trigger_status, name, event_data)
         VALUES ($1, $2, 'TIMER', 'ACTIVE', $3, '{}')`,
        [projectId, functionId, name],
      );
    await trigger('proj-a', a1.id, 't1');
    await trigger('proj-a', a2.id, 't2');
    await trigger('proj-b', b1.id, 't3');

    const usage = await repo.usageOf('proj-a');
    expect(usage).toEqual({
      functions: 2,
      functionIds: [a1.id, a2.id].sort(),
      codeBytes: 3_000_500,
      dependencies: 1,
      // The public dependency of proj-b is readable by proj-a but not proj-a's storage.
      dependencyBytes: 3000,
      triggers: 2,
    });
    await expect(repo.usageOf('proj-b')).resolves.toMatchObject({
      functions: 1,
      functionIds: [b1.id],
      codeBytes: 7000,
      dependencies: 1,
      dependencyBytes: 40_000,
      triggers: 1,
    });
  });
});
