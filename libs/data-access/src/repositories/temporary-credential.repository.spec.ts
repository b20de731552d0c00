import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { TemporaryCredentialRepository } from './temporary-credential.repository';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';

/** Real PostgreSQL: issue, look up with expiry, sweep, revoke, and cascade with the project. */
describe('TemporaryCredentialRepository on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let repo: TemporaryCredentialRepository;
  const now = new Date('2030-01-01T00:00:00Z');
  const row = (accessKey: string, expiresAt: Date, projectId = 'proj-a', principal = 'agency:x') => ({
    accessKey,
    secretKeyCiphertext: `v1:iv:tag:${accessKey}`,
    securityTokenHash: 'a'.repeat(64),
    projectId,
    principal,
    expiresAt,
  });

  beforeAll(async () => {
    db = await createScratchDatabase('ofg_temp_creds');
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    for (const id of ['proj-a', 'proj-b'])
      await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $1, 'dom')`, [id]);
    repo = new TemporaryCredentialRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('finds a credential only until it expires', async () => {
    await repo.create(row('TMPAK1', new Date(now.getTime() + 1000)));
    expect(await repo.findActive('TMPAK1', now)).toMatchObject({
      accessKey: 'TMPAK1',
      projectId: 'proj-a',
      principal: 'agency:x',
      securityTokenHash: 'a'.repeat(64),
    });
    expect(await repo.findActive('TMPAK1', new Date(now.getTime() + 1000))).toBeNull();
    expect(await repo.findActive('NOSUCH', now)).toBeNull();
  });

  it('refuses a duplicate access key and a project that does not exist', async () => {
    await repo.create(row('TMPAK2', new Date(now.getTime() + 1000)));
    await expect(repo.create(row('TMPAK2', new Date(now.getTime() + 1000)))).rejects.toThrow();
    await expect(repo.create(row('TMPAK3', now, 'no-such-project'))).rejects.toThrow();
  });

  it('sweeps expired rows and goes with its project', async () => {
    await repo.create(row('OLD1', new Date(now.getTime() - 1)));
    await repo.create(row('B1', new Date(now.getTime() + 60_000), 'proj-b', 'agency:y'));
    await repo.create(row('B2', new Date(now.getTime() + 60_000), 'proj-b', 'agency:z'));
    expect(await repo.deleteExpired(now)).toBeGreaterThanOrEqual(1);
    expect(await repo.findActive('OLD1', new Date(0))).toBeNull();
    expect(await repo.findActive('B1', now)).not.toBeNull();
    await ds.query(`DELETE FROM projects WHERE id = 'proj-b'`);
    expect(await repo.findActive('B2', now)).toBeNull();
  });
});
