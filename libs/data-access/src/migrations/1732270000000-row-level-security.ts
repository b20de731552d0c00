import { MigrationInterface, QueryRunner } from 'typeorm';

/** The role tenant-scoped transactions switch to (`SET LOCAL ROLE`); kept in step with tenancy/tenant-scope.ts. */
const TENANT_ROLE = 'ofg_tenant';
const PROJECT_TABLES = ['functions', 'triggers', 'invocations'];
const ALL_TABLES = [...PROJECT_TABLES, 'code_packages'];

/** NULL (no rows) when the transaction set no project; '' counts as unset because a reset placeholder reads as ''. */
const CURRENT_PROJECT = `NULLIF(current_setting('app.project_id', true), '')`;
const SYSTEM_SCOPE = `current_setting('app.scope', true) = 'system'`;

/**
 * Row-level security as the second wall under the repositories' `project_id` conditions.
 *
 * Repositories run every query as the NOLOGIN role `ofg_tenant` inside a transaction that set `app.project_id`
 * (or `app.scope = 'system'` for the cross-tenant readers). Superusers and BYPASSRLS roles ignore RLS, which is why
 * the switch of role, not FORCE, is what makes the policies apply when the app logs in as `postgres`; FORCE covers a
 * login role that owns the tables and forgets the switch (it then sees no tenant rows at all).
 *
 * Roles are cluster-wide and shared by every OpenFunctionGraph database on the server: `up` creates the role only
 * when missing and makes the login role running the migration (`current_user`) a member so it may `SET ROLE`. An
 * operator whose app logs in with a different role than the migration must `GRANT ofg_tenant TO <app role>`; one
 * without CREATEROLE can create `ofg_tenant` (NOLOGIN, no BYPASSRLS) beforehand.
 */
export class RowLevelSecurity1732270000000 implements MigrationInterface {
  name = 'RowLevelSecurity1732270000000';

  async up(q: QueryRunner): Promise<void> {
    // Another database's migration may create the role, or its `down` drop it, between our check and the grant.
    await q.query(`DO $$
      BEGIN
        FOR attempt IN 1..3 LOOP
          BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${TENANT_ROLE}') THEN
              CREATE ROLE ${TENANT_ROLE} NOLOGIN NOBYPASSRLS;
            END IF;
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${TENANT_ROLE}', current_schema());
            EXIT;
          EXCEPTION WHEN duplicate_object OR unique_violation OR undefined_object THEN
            IF attempt = 3 THEN RAISE; END IF;
          END;
        END LOOP;
        IF NOT pg_has_role(current_user, '${TENANT_ROLE}', 'MEMBER') THEN
          BEGIN
            EXECUTE format('GRANT ${TENANT_ROLE} TO %I', current_user);
          EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
          END;
        END IF;
      END $$`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON functions, triggers, invocations TO ${TENANT_ROLE}`,
    );
    // Packages are immutable and content-addressed: tenants add and read them, never change or remove them.
    await q.query(`GRANT SELECT, INSERT ON code_packages TO ${TENANT_ROLE}`);
    for (const table of ALL_TABLES) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }

    await q.query(`CREATE POLICY tenant_isolation ON functions TO ${TENANT_ROLE}
      USING (project_id = ${CURRENT_PROJECT}) WITH CHECK (project_id = ${CURRENT_PROJECT})`);
    // A trigger may only point at a function of its own project (the foreign key alone checks every tenant's rows).
    await q.query(`CREATE POLICY tenant_isolation ON triggers TO ${TENANT_ROLE}
      USING (project_id = ${CURRENT_PROJECT})
      WITH CHECK (project_id = ${CURRENT_PROJECT} AND EXISTS (
        SELECT 1 FROM functions f WHERE f.id = triggers.function_id AND f.project_id = triggers.project_id))`);
    await q.query(`CREATE POLICY tenant_isolation ON invocations TO ${TENANT_ROLE}
      USING (project_id = ${CURRENT_PROJECT}) WITH CHECK (project_id = ${CURRENT_PROJECT})`);

    // code_packages has no project: a package is shared by every function whose code has its SHA-512, whatever the
    // project. Reading: a tenant sees a package only while one of its own functions references it (the subquery runs
    // under the functions policy, so only the tenant's functions count). Writing: any tenant scope may insert, because
    // the gateway computes the digest from the bytes, so a row can only ever hold the content its digest names;
    // inserting a digest that exists is `ON CONFLICT DO NOTHING`, which neither reveals nor alters the other row, and
    // referencing a digest from a function proves possession of the content already. No UPDATE or DELETE policy:
    // packages never change, and none may be removed by a tenant.
    await q.query(`CREATE POLICY tenant_read_referenced ON code_packages FOR SELECT TO ${TENANT_ROLE}
      USING (EXISTS (
        SELECT 1 FROM functions f WHERE f.code_digest = code_packages.digest AND f.project_id = ${CURRENT_PROJECT}))`);
    await q.query(`CREATE POLICY tenant_insert ON code_packages FOR INSERT TO ${TENANT_ROLE}
      WITH CHECK (${CURRENT_PROJECT} IS NOT NULL)`);

    // Cross-tenant services (the timer scheduler listing triggers) read every project; they never write through it.
    for (const table of PROJECT_TABLES) {
      await q.query(
        `CREATE POLICY system_read ON ${table} FOR SELECT TO ${TENANT_ROLE} USING (${SYSTEM_SCOPE})`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of PROJECT_TABLES) {
      await q.query(`DROP POLICY IF EXISTS system_read ON ${table}`);
      await q.query(`DROP POLICY IF EXISTS tenant_isolation ON ${table}`);
    }
    await q.query(`DROP POLICY IF EXISTS tenant_read_referenced ON code_packages`);
    await q.query(`DROP POLICY IF EXISTS tenant_insert ON code_packages`);
    for (const table of ALL_TABLES) {
      await q.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
    await q.query(`REVOKE ALL ON functions, triggers, invocations, code_packages FROM ${TENANT_ROLE}`);
    // The role goes only with its last database: privileges elsewhere on the server keep it (and its members).
    await q.query(`DO $$
      BEGIN
        EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM ${TENANT_ROLE}', current_schema());
        BEGIN
          DROP ROLE ${TENANT_ROLE};
        EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
          RAISE NOTICE 'role ${TENANT_ROLE} is still used elsewhere on this server; kept';
        END;
      END $$`);
  }
}
