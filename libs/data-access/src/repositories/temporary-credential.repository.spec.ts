import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { TemporaryCredentialRepository } from './temporary-credential.repository';

const ADMIN_URL = process.env['TEST_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `ofg_temp_creds_${randomBytes(4).toString('hex')}`;
const URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);

/** Real PostgreSQL: issue, look up with expiry, sweep, revoke, and cascade with the project. */
describe('TemporaryCredentialRepository on PostgreSQL', () => {
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
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.end();
    ds = createDataSource(URL);
    await ds.initialize();
    await ds.runMigrations();
    for (const id of ['proj-a', 'proj-b'])
      await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $1, 'dom')`, [id]);
    repo = new TemporaryCredentialRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.end();
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
