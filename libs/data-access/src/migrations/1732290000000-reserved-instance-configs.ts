import { MigrationInterface, QueryRunner } from 'typeorm';

/** Kept in step with tenancy/tenant-scope.ts and migration 1732270000000. */
const TENANT_ROLE = 'ofg_tenant';
const CURRENT_PROJECT = `NULLIF(current_setting('app.project_id', true), '')`;
const SYSTEM_SCOPE = `current_setting('app.scope', true) = 'system'`;

/** Reserved-instance configurations per function qualifier, under the row-level security of 1732270000000. */
export class ReservedInstanceConfigs1732290000000 implements MigrationInterface {
  name = 'ReservedInstanceConfigs1732290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE reserved_instance_configs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id varchar(64) NOT NULL,
      function_id uuid NOT NULL
        CONSTRAINT fk_reserved_instance_configs_function REFERENCES functions(id) ON DELETE CASCADE,
      qualifier_type varchar(16) NOT NULL
        CONSTRAINT ck_reserved_instance_configs_qualifier_type CHECK (qualifier_type IN ('version', 'alias')),
      qualifier_name varchar(64) NOT NULL,
      domain_id varchar(64) NOT NULL,
      count integer NOT NULL CONSTRAINT ck_reserved_instance_configs_count CHECK (count >= 0),
      idle_mode boolean NOT NULL DEFAULT false,
      tactics_config jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_reserved_instance_configs_qualifier UNIQUE (function_id, qualifier_type, qualifier_name))`);
    await q.query(
      `CREATE INDEX ix_reserved_instance_configs_project ON reserved_instance_configs (project_id, created_at)`,
    );

    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON reserved_instance_configs TO ${TENANT_ROLE}`);
    await q.query(`ALTER TABLE reserved_instance_configs ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE reserved_instance_configs FORCE ROW LEVEL SECURITY`);
    // Like triggers: a reservation may only point at a function of its own project.
    await q.query(`CREATE POLICY tenant_isolation ON reserved_instance_configs TO ${TENANT_ROLE}
      USING (project_id = ${CURRENT_PROJECT})
      WITH CHECK (project_id = ${CURRENT_PROJECT} AND EXISTS (
        SELECT 1 FROM functions f
         WHERE f.id = reserved_instance_configs.function_id AND f.project_id = reserved_instance_configs.project_id))`);
    // Invokers keep every tenant's reservations warm; they only read through the system scope.
    await q.query(`CREATE POLICY system_read ON reserved_instance_configs FOR SELECT TO ${TENANT_ROLE}
      USING (${SYSTEM_SCOPE})`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS reserved_instance_configs`);
  }
}
