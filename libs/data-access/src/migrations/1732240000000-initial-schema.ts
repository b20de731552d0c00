import { MigrationInterface, QueryRunner } from 'typeorm';

/** Projects, identities, functions, content-addressed code, triggers and invocation records. */
export class InitialSchema1732240000000 implements MigrationInterface {
  name = 'InitialSchema1732240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE projects (
      id varchar(64) PRIMARY KEY,
      name varchar(64) NOT NULL CONSTRAINT uq_projects_name UNIQUE,
      domain_id varchar(64) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name varchar(64) NOT NULL CONSTRAINT uq_users_name UNIQUE,
      password_hash text NOT NULL,
      domain_id varchar(64) NOT NULL,
      project_id varchar(64) NOT NULL CONSTRAINT fk_users_project REFERENCES projects(id) ON DELETE CASCADE,
      enabled boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE credentials (
      access_key varchar(64) PRIMARY KEY,
      secret_key_ciphertext text NOT NULL,
      user_id uuid NOT NULL CONSTRAINT fk_credentials_user REFERENCES users(id) ON DELETE CASCADE,
      project_id varchar(64) NOT NULL CONSTRAINT fk_credentials_project REFERENCES projects(id) ON DELETE CASCADE,
      status varchar(16) NOT NULL DEFAULT 'active',
      description varchar(255) NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE code_packages (
      digest varchar(128) PRIMARY KEY,
      size bigint NOT NULL,
      data bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE functions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id varchar(64) NOT NULL CONSTRAINT fk_functions_project REFERENCES projects(id) ON DELETE CASCADE,
      package varchar(64) NOT NULL,
      func_name varchar(64) NOT NULL,
      runtime varchar(32) NOT NULL,
      handler varchar(128) NOT NULL,
      memory_size integer NOT NULL,
      timeout_s integer NOT NULL,
      code_type varchar(16) NOT NULL,
      code_url text NOT NULL DEFAULT '',
      code_filename varchar(255) NOT NULL DEFAULT '',
      code_digest varchar(128) NOT NULL CONSTRAINT fk_functions_code REFERENCES code_packages(digest),
      code_size integer NOT NULL,
      user_data text NOT NULL DEFAULT '',
      encrypted_user_data text NOT NULL DEFAULT '',
      xrole varchar(256) NOT NULL DEFAULT '',
      app_xrole varchar(256) NOT NULL DEFAULT '',
      description varchar(512) NOT NULL DEFAULT '',
      initializer_handler varchar(128) NOT NULL DEFAULT '',
      initializer_timeout_s integer NOT NULL DEFAULT 0,
      max_instances integer NOT NULL DEFAULT -1,
      concurrent_num integer NOT NULL DEFAULT 1,
      enterprise_project_id varchar(64) NOT NULL DEFAULT '0',
      func_type varchar(8) NOT NULL DEFAULT 'v2',
      extra jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_functions_project_package_name UNIQUE (project_id, package, func_name))`);
    await q.query(`CREATE TABLE triggers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id varchar(64) NOT NULL,
      function_id uuid NOT NULL CONSTRAINT fk_triggers_function REFERENCES functions(id) ON DELETE CASCADE,
      qualifier varchar(64) NOT NULL DEFAULT 'latest',
      trigger_type_code varchar(32) NOT NULL,
      trigger_status varchar(16) NOT NULL,
      event_type_code varchar(64) NOT NULL DEFAULT '',
      name varchar(128) NOT NULL DEFAULT '',
      event_data jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_triggers_function_type_name UNIQUE (function_id, trigger_type_code, name))`);
    await q.query(`CREATE INDEX ix_triggers_function ON triggers (function_id)`);
    await q.query(`CREATE TABLE invocations (
      request_id uuid PRIMARY KEY,
      project_id varchar(64) NOT NULL,
      function_id uuid NOT NULL,
      qualifier varchar(64) NOT NULL DEFAULT 'latest',
      invoke_type varchar(8) NOT NULL,
      trigger_type varchar(32) NOT NULL DEFAULT '',
      trigger_id varchar(64) NOT NULL DEFAULT '',
      status varchar(16) NOT NULL,
      attempt integer NOT NULL DEFAULT 0,
      event text,
      result text,
      error_message text NOT NULL DEFAULT '',
      log text NOT NULL DEFAULT '',
      duration_ms double precision,
      memory_used_mb double precision,
      start_kind varchar(16) NOT NULL DEFAULT '',
      invoker_id varchar(128) NOT NULL DEFAULT '',
      start_time timestamptz,
      end_time timestamptz,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX ix_invocations_function_created ON invocations (function_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'invocations',
      'triggers',
      'functions',
      'code_packages',
      'credentials',
      'users',
      'projects',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
