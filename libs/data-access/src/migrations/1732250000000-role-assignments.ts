import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-project role grants, and project descriptions; users that existed before (bootstrap admins) keep full access. */
export class RoleAssignments1732250000000 implements MigrationInterface {
  name = 'RoleAssignments1732250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE role_assignments (
      user_id uuid NOT NULL CONSTRAINT fk_role_assignments_user REFERENCES users(id) ON DELETE CASCADE,
      project_id varchar(64) NOT NULL
        CONSTRAINT fk_role_assignments_project REFERENCES projects(id) ON DELETE CASCADE,
      role_name varchar(64) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT pk_role_assignments PRIMARY KEY (user_id, project_id, role_name))`);
    await q.query(`CREATE INDEX ix_role_assignments_project ON role_assignments (project_id)`);
    // Before this table every user was a bootstrap administrator of its project.
    await q.query(`INSERT INTO role_assignments (user_id, project_id, role_name)
      SELECT id, project_id, 'admin' FROM users ON CONFLICT DO NOTHING`);
    await q.query(`ALTER TABLE projects ADD COLUMN description varchar(255) NOT NULL DEFAULT ''`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE projects DROP COLUMN IF EXISTS description`);
    await q.query(`DROP TABLE IF EXISTS role_assignments`);
  }
}
