import { MigrationInterface, QueryRunner } from 'typeorm';

/** Temporary AK/SK/security tokens that functions with an agency (xrole) receive through their context. */
export class TemporaryCredentials1732260000000 implements MigrationInterface {
  name = 'TemporaryCredentials1732260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE temporary_credentials (
      access_key varchar(64) PRIMARY KEY,
      secret_key_ciphertext text NOT NULL,
      security_token_hash varchar(64) NOT NULL,
      project_id varchar(64) NOT NULL
        CONSTRAINT fk_temporary_credentials_project REFERENCES projects(id) ON DELETE CASCADE,
      principal varchar(300) NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX idx_temporary_credentials_expires_at ON temporary_credentials (expires_at)`);
    await q.query(
      `CREATE INDEX idx_temporary_credentials_principal ON temporary_credentials (project_id, principal)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS temporary_credentials`);
  }
}
