import { MigrationInterface, QueryRunner } from 'typeorm';

/** Kept in step with tenancy/tenant-scope.ts and migration 1732270000000. */
const TENANT_ROLE = 'ofg_tenant';
const CURRENT_PROJECT = `NULLIF(current_setting('app.project_id', true), '')`;
const TABLES = ['test_events', 'function_tracing', 'function_tags'];

/**
 * Per-function test events, tracing keys and tags, under the row-level security of 1732270000000: each row belongs
 * to a function of its own project and goes with the function (foreign key cascade).
 */
export class TestEventsTracingTags1732330000000 implements MigrationInterface {
  name = 'TestEventsTracingTags1732330000000';

  async up(q: QueryRunner): Promise<void> {
    // content is the decoded JSON document; the 4 KB limit of spec §3.4 is enforced here too.
    await q.query(`CREATE TABLE test_events (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id varchar(64) NOT NULL,
      function_id uuid NOT NULL CONSTRAINT fk_test_events_function REFERENCES functions(id) ON DELETE CASCADE,
      name varchar(25) NOT NULL,
      content text NOT NULL CONSTRAINT ck_test_events_content_size CHECK (octet_length(content) <= 4096),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_test_events_function_name UNIQUE (function_id, name))`);
    // The APM secret key is stored only as a SecretCipher envelope bound to the function (AAD).
    await q.query(`CREATE TABLE function_tracing (
      function_id uuid PRIMARY KEY
        CONSTRAINT fk_function_tracing_function REFERENCES functions(id) ON DELETE CASCADE,
      project_id varchar(64) NOT NULL,
      tracing_ak varchar(128) NOT NULL,
      tracing_sk_ciphertext text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE function_tags (
      function_id uuid NOT NULL CONSTRAINT fk_function_tags_function REFERENCES functions(id) ON DELETE CASCADE,
      project_id varchar(64) NOT NULL,
      key varchar(128) NOT NULL,
      value varchar(255) NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT pk_function_tags PRIMARY KEY (function_id, key))`);
    // The project tag list and tag filters read by project and key.
    await q.query(`CREATE INDEX ix_function_tags_project_key ON function_tags (project_id, key, value)`);

    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${TABLES.join(', ')} TO ${TENANT_ROLE}`);
    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      // Like triggers: a row may only point at a function of its own project.
      await q.query(`CREATE POLICY tenant_isolation ON ${table} TO ${TENANT_ROLE}
        USING (project_id = ${CURRENT_PROJECT})
        WITH CHECK (project_id = ${CURRENT_PROJECT} AND EXISTS (
          SELECT 1 FROM functions f WHERE f.id = ${table}.function_id AND f.project_id = ${table}.project_id))`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
