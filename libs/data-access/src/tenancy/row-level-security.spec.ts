import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource, dataSourceOptions } from '../data-source';
import { FunctionEntity } from '../entities/function.entity';
import { RowLevelSecurity1732270000000 } from '../migrations/1732270000000-row-level-security';
import { CodePackageRepository } from '../repositories/code-package.repository';
import { FunctionRepository } from '../repositories/function.repository';
import { IdentityRepository } from '../repositories/identity.repository';
import { InvocationRepository } from '../repositories/invocation.repository';
import { TriggerRepository } from '../repositories/trigger.repository';
import { TENANT_ROLE, withSystemScope, withTenant } from './tenant-scope';
import { createScratchDatabase, ScratchDatabase } from '../testing/scratch-database';

const RLS_TABLES = ['functions', 'triggers', 'invocations', 'code_packages'];

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

/** PostgreSQL row-level security under the repositories: raw SQL that forgets the tenant still stays in it. */
describe('row-level security on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let fnA: FunctionEntity;
  let fnB: FunctionEntity;

  async function recreateDatabase(): Promise<void> {
    db = await createScratchDatabase('ofg_rls');
  }

  /** Runs SQL on one connection as the tenant role with no scope set, as a query outside the repositories would. */
  async function asBareTenantRole<T>(
    fn: (query: (sql: string) => Promise<unknown[]>) => Promise<T>,
  ): Promise<T> {
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.query(`SET ROLE ${TENANT_ROLE}`);
      return await fn((sql) => qr.query(sql));
    } finally {
      await qr.query('RESET ROLE');
      await qr.release();
    }
  }

  beforeAll(async () => {
    await recreateDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.runMigrations();
    const identity = new IdentityRepository(ds);
    for (const id of ['tenant-a', 'tenant-b']) {
      await identity.ensureBootstrap({
        project: { id, name: id, domainId: `dom-${id}` },
        user: { name: `admin-${id}`, passwordHash: 'x' },
      });
    }
    const functions = new FunctionRepository(ds);
    fnA = await functions.createWithCode(
      { ...base, projectId: 'tenant-a', codeDigest: 'd-a' },
      { digest: 'd-a', data: Buffer.from('aaa') },
    );
    fnB = await functions.createWithCode(
      { ...base, projectId: 'tenant-b', codeDigest: 'd-b' },
      { digest: 'd-b', data: Buffer.from('bbb') },
    );
    const triggers = new TriggerRepository(ds);
    for (const fn of [fnA, fnB])
      await triggers.create({
        projectId: fn.projectId,
        functionId: fn.id,
        triggerTypeCode: 'TIMER',
        triggerStatus: 'ACTIVE',
        name: 't',
        eventData: {},
      });
    await new InvocationRepository(ds).insertRecords(
      [fnA, fnB].map((fn) => ({
        requestId: randomUUID(),
        projectId: fn.projectId,
        functionId: fn.id,
        invokeType: 'sync',
        status: 'SUCCESS',
      })),
    );
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('creates a role that can neither log in nor bypass row-level security', async () => {
    const [role] = await ds.query(
      `SELECT rolcanlogin, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = $1`,
      [TENANT_ROLE],
    );
    expect(role).toEqual({ rolcanlogin: false, rolbypassrls: false, rolsuper: false });
    const tables = await ds.query(
      `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1) ORDER BY relname`,
      [RLS_TABLES],
    );
    expect(tables).toHaveLength(4);
    for (const t of tables) expect(t).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('shows a tenant scope only its own rows even when the SQL forgets the project', async () => {
    const seen = await withTenant(ds, 'tenant-a', async (em) => ({
      user: (await em.query(`SELECT current_user AS u`))[0].u,
      functions: await em.query(`SELECT * FROM functions`),
      triggers: await em.query(`SELECT project_id FROM triggers`),
      invocations: await em.query(`SELECT project_id FROM invocations`),
      code: await em.query(`SELECT digest FROM code_packages`),
    }));
    expect(seen.user).toBe(TENANT_ROLE);
    expect(seen.functions.map((f: { id: string }) => f.id)).toEqual([fnA.id]);
    expect(seen.triggers).toEqual([{ project_id: 'tenant-a' }]);
    expect(seen.invocations).toEqual([{ project_id: 'tenant-a' }]);
    expect(seen.code).toEqual([{ digest: 'd-a' }]);
    // The same statements as the login role see both tenants, so the scope is what hid B.
    expect((await ds.query(`SELECT count(*)::int AS n FROM functions`))[0].n).toBe(2);
  });

  it('hides other tenants from updates and deletes that forget the project', async () => {
    const changed = await withTenant(ds, 'tenant-a', async (em) => ({
      updated: (await em.query(`UPDATE functions SET description = 'touched' RETURNING id`))[0],
      deleted: (await em.query(`DELETE FROM triggers WHERE function_id = $1 RETURNING id`, [fnB.id]))[0],
    }));
    expect(changed.updated.map((r: { id: string }) => r.id)).toEqual([fnA.id]);
    expect(changed.deleted).toEqual([]);
    const [b] = await ds.query(`SELECT description FROM functions WHERE id = $1`, [fnB.id]);
    expect(b.description).toBe('');
  });

  it('refuses to write a row of another project from a tenant scope', async () => {
    await expect(
      withTenant(ds, 'tenant-a', (em) =>
        em.query(
          `INSERT INTO invocations (request_id, project_id, function_id, invoke_type, status)
           VALUES ($1, 'tenant-b', $2, 'sync', 'SUCCESS')`,
          [randomUUID(), fnB.id],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      withTenant(ds, 'tenant-a', (em) =>
        em.query(`UPDATE functions SET project_id = 'tenant-b' WHERE id = $1`, [fnA.id]),
      ),
    ).rejects.toThrow(/row-level security/);
    // A trigger of A's project pointing at B's function passes the foreign key but not the policy.
    await expect(
      withTenant(ds, 'tenant-a', (em) =>
        em.query(
          `INSERT INTO triggers (project_id, function_id, trigger_type_code, trigger_status, name, event_data)
           VALUES ('tenant-a', $1, 'TIMER', 'ACTIVE', 'stolen', '{}')`,
          [fnB.id],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('keeps a package to tenants whose functions reference it, and lets nobody overwrite it', async () => {
    // Inserting an existing digest from another tenant is ignored, not an error, and reveals nothing.
    await withTenant(ds, 'tenant-a', (em) =>
      em.query(
        `INSERT INTO code_packages (digest, size, data) VALUES ('d-b', 4, 'evil') ON CONFLICT DO NOTHING`,
      ),
    );
    const [pkg] = await ds.query(
      `SELECT convert_from(data, 'UTF8') AS data FROM code_packages WHERE digest = 'd-b'`,
    );
    expect(pkg.data).toBe('bbb');
    expect(await new CodePackageRepository(ds).findForProject('tenant-a', 'd-b')).toBeNull();
    expect(
      await withTenant(ds, 'tenant-a', (em) =>
        em.query(`SELECT digest FROM code_packages c WHERE c.digest = 'd-b'`),
      ),
    ).toEqual([]);
    await expect(
      withTenant(ds, 'tenant-a', (em) => em.query(`DELETE FROM code_packages WHERE digest = 'd-a'`)),
    ).rejects.toThrow(/permission denied/);
    // Uploading the same bytes (same SHA-512) shares the package: B's function now references it.
    await new FunctionRepository(ds).createWithCode(
      { ...base, projectId: 'tenant-b', funcName: 'same-code', codeDigest: 'd-a' },
      { digest: 'd-a', data: Buffer.from('aaa') },
    );
    expect((await new CodePackageRepository(ds).findForProject('tenant-b', 'd-a'))?.toString()).toBe('aaa');
  });

  it('returns nothing to the tenant role when no project is set', async () => {
    const counts = await asBareTenantRole(async (query) => {
      const out: Record<string, number> = {};
      for (const table of RLS_TABLES) {
        const [row] = (await query(`SELECT count(*)::int AS n FROM ${table}`)) as { n: number }[];
        out[table] = row.n;
      }
      return out;
    });
    expect(counts).toEqual({ functions: 0, triggers: 0, invocations: 0, code_packages: 0 });
    await expect(
      asBareTenantRole((query) =>
        query(`INSERT INTO code_packages (digest, size, data) VALUES ('unscoped', 1, '\\x00')`),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('gives the system scope read access to every project and no writes', async () => {
    const projects = await withSystemScope(ds, (em) =>
      em.query(`SELECT DISTINCT project_id FROM triggers ORDER BY project_id`),
    );
    expect(projects).toEqual([{ project_id: 'tenant-a' }, { project_id: 'tenant-b' }]);
    expect((await new TriggerRepository(ds).listAllOfType('TIMER')).map((t) => t.projectId).sort()).toEqual([
      'tenant-a',
      'tenant-b',
    ]);
    await expect(
      withSystemScope(ds, (em) => em.query(`UPDATE triggers SET trigger_status = 'DISABLED'`)),
    ).rejects.toThrow(/read-only/);
    expect(await withSystemScope(ds, (em) => em.query(`SELECT digest FROM code_packages`))).toEqual([]);
  });

  it('hands the pooled connection back as the login role with no project', async () => {
    const single = new DataSource(dataSourceOptions(db.url, { extra: { max: 1 } }));
    await single.initialize();
    try {
      await withTenant(single, 'tenant-a', (em) => em.query('SELECT 1'));
      await expect(withTenant(single, 'tenant-a', () => Promise.reject(new Error('boom')))).rejects.toThrow(
        'boom',
      );
      const [after] = await single.query(
        `SELECT current_user AS u, current_setting('app.project_id', true) AS p,
                current_setting('app.scope', true) AS s`,
      );
      expect(after.u).not.toBe(TENANT_ROLE);
      expect(after.p || null).toBeNull();
      expect(after.s || null).toBeNull();
    } finally {
      await single.destroy();
    }
  });

  it('refuses a tenant scope without a project id', async () => {
    await expect(withTenant(ds, '', (em) => em.query('SELECT 1'))).rejects.toThrow(/project id/);
    await expect(new TriggerRepository(ds).create({ functionId: fnA.id })).rejects.toThrow(/project id/);
  });

  it('writes a batch of records of several projects, each under its own project', async () => {
    const invocations = new InvocationRepository(ds);
    const ids = [randomUUID(), randomUUID()];
    await invocations.insertRecords([
      { requestId: ids[0], projectId: 'tenant-a', functionId: fnA.id, invokeType: 'sync', status: 'SUCCESS' },
      { requestId: ids[1], projectId: 'tenant-b', functionId: fnB.id, invokeType: 'sync', status: 'FAIL' },
    ]);
    expect((await invocations.findOne('tenant-a', ids[0]))?.status).toBe('SUCCESS');
    expect((await invocations.findOne('tenant-b', ids[1]))?.status).toBe('FAIL');
    expect(await invocations.findOne('tenant-a', ids[1])).toBeNull();
  });

  it('claims and finishes an async row only inside its own project', async () => {
    const invocations = new InvocationRepository(ds);
    const requestId = randomUUID();
    await invocations.insertWaiting({
      requestId,
      projectId: 'tenant-a',
      functionId: fnA.id,
      invokeType: 'async',
    });
    expect(await invocations.markRunning('tenant-b', requestId, 1, 'inv-1')).toBe(false);
    expect(await invocations.markRunning('tenant-a', requestId, 1, 'inv-1')).toBe(true);
    expect(await invocations.finish('tenant-b', requestId, 1, { status: 'SUCCESS' })).toBe(false);
    expect(await invocations.finish('tenant-a', requestId, 1, { status: 'SUCCESS' })).toBe(true);
  });

  it('takes the policies, grants and row-level security away on down and back on up', async () => {
    const state = async () => ({
      policies: (
        await ds.query(
          `SELECT count(*)::int AS n FROM pg_policies WHERE schemaname = current_schema() AND tablename = ANY($1)`,
          [RLS_TABLES],
        )
      )[0].n,
      rls: (
        await ds.query(
          `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1) AND relrowsecurity`,
          [RLS_TABLES],
        )
      )[0].n,
      grants: (
        await ds.query(
          `SELECT count(*)::int AS n FROM information_schema.role_table_grants WHERE grantee = $1 AND table_schema = current_schema() AND table_name = ANY($2)`,
          [TENANT_ROLE, RLS_TABLES],
        )
      )[0].n,
    });
    expect(await state()).toEqual({ policies: 8, rls: 4, grants: 14 });
    const migration = ds.migrations.find((m) => m instanceof RowLevelSecurity1732270000000);
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      await migration!.down(qr);
      await qr.commitTransaction();
      expect(await state()).toEqual({ policies: 0, rls: 0, grants: 0 });
      await qr.startTransaction();
      await migration!.up(qr);
      await qr.commitTransaction();
    } finally {
      await qr.release();
    }
    expect(await state()).toEqual({ policies: 8, rls: 4, grants: 14 });
    expect((await new FunctionRepository(ds).findByName('tenant-b', 'default', 'same-name'))?.id).toBe(
      fnB.id,
    );
  });
});
