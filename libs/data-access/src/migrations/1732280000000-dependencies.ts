import { MigrationInterface, QueryRunner } from 'typeorm';

/** Kept in step with tenancy/tenant-scope.ts and migration 1732270000000. */
const TENANT_ROLE = 'ofg_tenant';
const CURRENT_PROJECT = `NULLIF(current_setting('app.project_id', true), '')`;
const FUNCTION_REFERENCES_PACKAGE = `EXISTS (
        SELECT 1 FROM functions f WHERE f.code_digest = code_packages.digest AND f.project_id = ${CURRENT_PROJECT})`;

/**
 * Dependencies and their versions, with row-level security: a tenant reads and writes its own project's rows and
 * reads public ones (published by an administrator); another tenant's private dependency stays invisible. Version
 * zips live in `code_packages` like function code, so the package read policy also admits a digest that a visible
 * dependency version references.
 */
export class Dependencies1732280000000 implements MigrationInterface {
  name = 'Dependencies1732280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE dependencies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id varchar(64) NOT NULL CONSTRAINT fk_dependencies_project REFERENCES projects(id) ON DELETE CASCADE,
      owner varchar(64) NOT NULL,
      is_public boolean NOT NULL DEFAULT false,
      name varchar(96) NOT NULL,
      last_version integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_dependencies_project_name UNIQUE (project_id, name))`);
    await q.query(`CREATE INDEX ix_dependencies_public ON dependencies (is_public) WHERE is_public`);
    await q.query(`CREATE TABLE dependency_versions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      dependency_id uuid NOT NULL
        CONSTRAINT fk_dependency_versions_dependency REFERENCES dependencies(id) ON DELETE CASCADE,
      project_id varchar(64) NOT NULL,
      version integer NOT NULL,
      runtime varchar(32) NOT NULL,
      description varchar(512) NOT NULL DEFAULT '',
      depend_type varchar(8) NOT NULL,
      code_digest varchar(128) NOT NULL CONSTRAINT fk_dependency_versions_code REFERENCES code_packages(digest),
      etag varchar(32) NOT NULL,
      size bigint NOT NULL,
      file_name varchar(255) NOT NULL,
      link text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_dependency_versions_dependency_version UNIQUE (dependency_id, version))`);
    await q.query(`CREATE INDEX ix_dependency_versions_code_digest ON dependency_versions (code_digest)`);
    // "Is this version in use?" looks functions up by the ids in their depend_version_list.
    await q.query(
      `CREATE INDEX ix_functions_depend_version_list ON functions USING gin ((extra -> 'depend_version_list'))`,
    );

    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON dependencies, dependency_versions TO ${TENANT_ROLE}`,
    );
    for (const table of ['dependencies', 'dependency_versions']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }
    await q.query(`CREATE POLICY tenant_isolation ON dependencies TO ${TENANT_ROLE}
      USING (project_id = ${CURRENT_PROJECT}) WITH CHECK (project_id = ${CURRENT_PROJECT})`);
    await q.query(`CREATE POLICY public_read ON dependencies FOR SELECT TO ${TENANT_ROLE} USING (is_public)`);
    // A version may only be added under a dependency of its own project.
    await q.query(`CREATE POLICY tenant_isolation ON dependency_versions TO ${TENANT_ROLE}
      USING (project_id = ${CURRENT_PROJECT})
      WITH CHECK (project_id = ${CURRENT_PROJECT} AND EXISTS (
        SELECT 1 FROM dependencies d
         WHERE d.id = dependency_versions.dependency_id AND d.project_id = dependency_versions.project_id))`);
    await q.query(`CREATE POLICY public_read ON dependency_versions FOR SELECT TO ${TENANT_ROLE}
      USING (EXISTS (SELECT 1 FROM dependencies d WHERE d.id = dependency_versions.dependency_id AND d.is_public))`);
    // The subquery runs under the policies above, so only the tenant's own and public versions admit a package.
    await q.query(`ALTER POLICY tenant_read_referenced ON code_packages
      USING (${FUNCTION_REFERENCES_PACKAGE}
        OR EXISTS (SELECT 1 FROM dependency_versions v WHERE v.code_digest = code_packages.digest))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER POLICY tenant_read_referenced ON code_packages USING (${FUNCTION_REFERENCES_PACKAGE})`,
    );
    await q.query(`DROP INDEX IF EXISTS ix_functions_depend_version_list`);
    await q.query(`DROP TABLE IF EXISTS dependency_versions`);
    await q.query(`DROP TABLE IF EXISTS dependencies`);
  }
}
