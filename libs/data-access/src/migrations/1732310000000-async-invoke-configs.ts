import { MigrationInterface, QueryRunner } from 'typeorm';

/** Kept in step with tenancy/tenant-scope.ts and migration 1732270000000. */
const TENANT_ROLE = 'ofg_tenant';
const CURRENT_PROJECT = `NULLIF(current_setting('app.project_id', true), '')`;
const SYSTEM_SCOPE = `current_setting('app.scope', true) = 'system'`;

/** Async notification configs per function qualifier, under the row-level security of 1732270000000. */
export class AsyncInvokeConfigs1732310000000 implements MigrationInterface {
  name = 'AsyncInvokeConfigs1732310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE async_invoke_configs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id varchar(64) NOT NULL,
      function_id uuid NOT NULL
        CONSTRAINT fk_async_invoke_configs_function REFERENCES functions(id) ON DELETE CASCADE,
      qualifier varchar(64) NOT NULL,
      max_async_event_age_s integer NOT NULL
        CONSTRAINT ck_async_invoke_configs_event_age CHECK (max_async_event_age_s BETWEEN 1 AND 86400),
      max_async_retry_attempts integer NOT NULL
        CONSTRAINT ck_async_invoke_configs_retry_attempts CHECK (max_async_retry_attempts BETWEEN 0 AND 8),
      on_success jsonb,
      on_failure jsonb,
      enable_async_status_log boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_async_invoke_configs_qualifier UNIQUE (function_id, qualifier))`);

    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON async_invoke_configs TO ${TENANT_ROLE}`);
    await q.query(`ALTER TABLE async_invoke_configs ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE async_invoke_configs FORCE ROW LEVEL SECURITY`);
    // Like triggers: a config may only point at a function of its own project.
    await q.query(`CREATE POLICY tenant_isolation ON async_invoke_configs TO ${TENANT_ROLE}
      USING (project_id = ${CURRENT_PROJECT})
      WITH CHECK (project_id = ${CURRENT_PROJECT} AND EXISTS (
        SELECT 1 FROM functions f
         WHERE f.id = async_invoke_configs.function_id AND f.project_id = async_invoke_configs.project_id))`);
    // Invokers and the reconciler serve every tenant; they only read through the system scope.
    await q.query(`CREATE POLICY system_read ON async_invoke_configs FOR SELECT TO ${TENANT_ROLE}
      USING (${SYSTEM_SCOPE})`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS async_invoke_configs`);
  }
}
