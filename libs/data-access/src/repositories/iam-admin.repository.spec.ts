import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource, dataSourceOptions } from '../data-source';
import { InitialSchema1732240000000 } from '../migrations/1732240000000-initial-schema';
import { IamAdminRepository } from './iam-admin.repository';
import { IdentityRepository } from './identity.repository';
import { RoleAssignmentRepository } from './role-assignment.repository';

const ADMIN_URL = process.env['TEST_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `ofg_iam_admin_${randomBytes(4).toString('hex')}`;
const URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Real PostgreSQL: the role-assignments migration keeps existing admins, and the IAM administration queries. */
describe('role assignments and IAM administration on PostgreSQL', () => {
  let ds: DataSource;
  let bootstrapUserId = '';

  beforeAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${DB}`);
    // An installation from before the role table: schema, project and bootstrap admin.
    const before = new DataSource(dataSourceOptions(URL, { migrations: [InitialSchema1732240000000] }));
    await before.initialize();
    await before.runMigrations();
    const boot = await new IdentityRepository(before).ensureBootstrap({
      project: { id: 'p'.repeat(32), name: 'local', domainId: 'd'.repeat(32) },
      user: { name: 'admin', passwordHash: 'x' },
    });
    bootstrapUserId = boot.user.id;
    await before.destroy();
    ds = createDataSource(URL);
    await ds.initialize();
    await ds.runMigrations();
  });

  afterAll(async () => {
    await ds?.destroy();
    await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  });

  it('grants the admin role to users that existed before the migration', async () => {
    const roles = new RoleAssignmentRepository(ds);
    expect(await roles.listRoleNames(bootstrapUserId, 'p'.repeat(32))).toEqual(['admin']);
  });

  it('grants idempotently, revokes, and drops grants with their user', async () => {
    const repo = new IamAdminRepository(ds);
    const roles = new RoleAssignmentRepository(ds);
    const project = await repo.createProject({
      id: 'a'.repeat(32),
      name: 'team-a',
      domainId: 'd'.repeat(32),
      description: 'first team',
    });
    expect(project).toMatchObject({ id: 'a'.repeat(32), name: 'team-a', description: 'first team' });
    const user = await repo.createUser({
      name: 'alice',
      passwordHash: 'h',
      domainId: 'd'.repeat(32),
      projectId: project.id,
      enabled: true,
    });
    expect(await roles.grant(user.id, project.id, 'FunctionGraph ReadOnlyAccess')).toBe(true);
    expect(await roles.grant(user.id, project.id, 'FunctionGraph ReadOnlyAccess')).toBe(false);
    expect(await roles.grant(user.id, project.id, 'FunctionGraph CommonOperations')).toBe(true);
    expect(await roles.listRoleNames(user.id, project.id)).toHaveLength(2);
    expect(await roles.listRoleNames(user.id, 'p'.repeat(32))).toEqual([]);
    expect(await roles.revoke(user.id, project.id, 'FunctionGraph CommonOperations')).toBe(true);
    expect(await roles.revoke(user.id, project.id, 'FunctionGraph CommonOperations')).toBe(false);
    expect(await roles.listRoleNames(user.id, project.id)).toEqual(['FunctionGraph ReadOnlyAccess']);

    await repo.createCredential({
      accessKey: 'ALICEKEY0001',
      secretKeyCiphertext: 'sealed',
      userId: user.id,
      projectId: project.id,
      description: 'ci',
    });
    expect(await repo.deleteUser('d'.repeat(32), user.id)).toBe(true);
    expect(await roles.listRoleNames(user.id, project.id)).toEqual([]);
    expect(await repo.findCredentialAnyStatus('ALICEKEY0001')).toBeNull();
  });

  it('keeps projects, users and keys to the administrator domain', async () => {
    const repo = new IamAdminRepository(ds);
    const other = await repo.createProject({
      id: 'b'.repeat(32),
      name: 'elsewhere',
      domainId: 'e'.repeat(32),
      description: '',
    });
    await expect(
      repo.createProject({
        id: 'c'.repeat(32),
        name: 'elsewhere',
        domainId: 'd'.repeat(32),
        description: '',
      }),
    ).rejects.toMatchObject({ driverError: { code: '23505' } });
    expect((await repo.listProjects('d'.repeat(32))).map((p) => p.name)).not.toContain('elsewhere');
    expect(await repo.listProjects('e'.repeat(32), 'elsewhere')).toHaveLength(1);
    expect(await repo.findProject('d'.repeat(32), other.id)).toBeUndefined();

    const bob = await repo.createUser({
      name: 'bob',
      passwordHash: 'h',
      domainId: 'e'.repeat(32),
      projectId: other.id,
      enabled: true,
    });
    expect(await repo.findUser('d'.repeat(32), bob.id)).toBeNull();
    expect((await repo.listUsers('d'.repeat(32))).map((u) => u.name)).toEqual(['admin']);
    expect(await repo.listUsers('e'.repeat(32), { enabled: false })).toEqual([]);
    expect(await repo.updateUser('d'.repeat(32), bob.id, { enabled: false })).toBeNull();
    expect((await repo.updateUser('e'.repeat(32), bob.id, { enabled: false }))?.enabled).toBe(false);
    expect(await repo.deleteUser('d'.repeat(32), bob.id)).toBe(false);

    await repo.createCredential({
      accessKey: 'BOBKEY0001',
      secretKeyCiphertext: 'sealed',
      userId: bob.id,
      projectId: other.id,
      description: '',
    });
    expect((await repo.updateCredential('BOBKEY0001', { status: 'inactive' }))?.status).toBe('inactive');
    expect(await new IdentityRepository(ds).findCredential('BOBKEY0001')).toBeNull();
    expect((await repo.listCredentialsOfUsers([bob.id])).map((c) => c.accessKey)).toEqual(['BOBKEY0001']);
    expect(await repo.listCredentialsOfUsers([])).toEqual([]);
    expect(await repo.deleteCredential('BOBKEY0001')).toBe(true);
    expect(await repo.deleteCredential('BOBKEY0001')).toBe(false);
  });

  it('migrates down and up again', async () => {
    const executed: unknown[] = await ds.query('SELECT id FROM migrations');
    for (let i = 0; i < executed.length; i++) await ds.undoLastMigration();
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'role_assignments'`,
    );
    expect(n).toBe(0);
    await ds.runMigrations();
    expect(await ds.showMigrations()).toBe(false);
  });
});
