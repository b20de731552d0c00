import { MigrationInterface, QueryRunner } from 'typeorm';

/** Kept in step with tenancy/tenant-scope.ts and migration 1732270000000. */
const TENANT_ROLE = 'ofg_tenant';
const CURRENT_PROJECT = `NULLIF(current_setting('app.project_id', true), '')`;
const SYSTEM_SCOPE = `current_setting('app.scope', true) = 'system'`;
/** The package read policy as 1732280000000 left it. */
const READ_BEFORE = `EXISTS (
        SELECT 1 FROM functions f WHERE f.code_digest = code_packages.digest AND f.project_id = ${CURRENT_PROJECT})
        OR EXISTS (SELECT 1 FROM dependency_versions v WHERE v.code_digest = code_packages.digest)`;

/**
 * Published function versions and aliases, under the row-level security of 1732270000000. A version references its
 * code package like a function does, so the package read policy also admits a digest one of the tenant's versions
 * references: a version keeps running its code after `latest` moved on.
 */
export class FunctionVersionsAliases1732340000000 implements MigrationInterface {
  name = 'FunctionVersionsAliases1732340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE function_versions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id varchar(64) NOT NULL,
      function_id uuid NOT NULL
        CONSTRAINT fk_function_versions_function REFERENCES functions(id) ON DELETE CASCADE,
      version varchar(64) NOT NULL,
      version_description varchar(512) NOT NULL DEFAULT '',
      content_digest varchar(64) NOT NULL,
      runtime varchar(32) NOT NULL,
      handler varchar(128) NOT NULL,
      memory_size integer NOT NULL,
      timeout_s integer NOT NULL,
      code_type varchar(16) NOT NULL,
      code_url text NOT NULL DEFAULT '',
      code_filename varchar(255) NOT NULL DEFAULT '',
      code_digest varchar(128) NOT NULL CONSTRAINT fk_function_versions_code REFERENCES code_packages(digest),
      code_size integer NOT NULL,
      user_data text NOT NULL DEFAULT '',
      encrypted_user_data text NOT NULL DEFAULT '',
      xrole varchar(256) NOT NULL DEFAULT '',
      app_xrole varchar(256) NOT NULL DEFAULT '',
      description varchar(512) NOT NULL DEFAULT '',
      initializer_handler varchar(128) NOT NULL DEFAULT '',
      initializer_timeout_s integer NOT NULL DEFAULT 0,
      concurrent_num integer NOT NULL DEFAULT 1,
      func_type varchar(8) NOT NULL DEFAULT 'v2',
      extra jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_function_versions_version UNIQUE (function_id, version))`);
    await q.query(`CREATE INDEX ix_function_versions_code_digest ON function_versions (code_digest)`);
    // "Is this dependency version in use?" also looks at the versions that pinned it.
    await q.query(
      `CREATE INDEX ix_function_versions_depend_version_list ON function_versions USING gin ((extra -> 'depend_version_list'))`,
    );
    await q.query(`CREATE TABLE function_aliases (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id varchar(64) NOT NULL,
      function_id uuid NOT NULL
        CONSTRAINT fk_function_aliases_function REFERENCES functions(id) ON DELETE CASCADE,
      name varchar(64) NOT NULL,
      version varchar(64) NOT NULL,
      description varchar(512) NOT NULL DEFAULT '',
      additional_version_weights jsonb NOT NULL DEFAULT '{}'::jsonb,
      additional_version_strategy jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_function_aliases_name UNIQUE (function_id, name))`);

    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON function_versions, function_aliases TO ${TENANT_ROLE}`,
    );
    for (const table of ['function_versions', 'function_aliases']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      // Like triggers: a version or alias may only point at a function of its own project.
      await q.query(`CREATE POLICY tenant_isolation ON ${table} TO ${TENANT_ROLE}
        USING (project_id = ${CURRENT_PROJECT})
        WITH CHECK (project_id = ${CURRENT_PROJECT} AND EXISTS (
          SELECT 1 FROM functions f WHERE f.id = ${table}.function_id AND f.project_id = ${table}.project_id))`);
      // Invokers and trigger services serve every tenant; they only read through the system scope.
      await q.query(
        `CREATE POLICY system_read ON ${table} FOR SELECT TO ${TENANT_ROLE} USING (${SYSTEM_SCOPE})`,
      );
    }
    // The subquery runs under the function_versions policy, so only the tenant's own versions admit a package.
    await q.query(`ALTER POLICY tenant_read_referenced ON code_packages
      USING (${READ_BEFORE}
        OR EXISTS (SELECT 1 FROM function_versions fv WHERE fv.code_digest = code_packages.digest))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER POLICY tenant_read_referenced ON code_packages USING (${READ_BEFORE})`);
    await q.query(`DROP TABLE IF EXISTS function_aliases`);
    await q.query(`DROP TABLE IF EXISTS function_versions`);
  }
}
