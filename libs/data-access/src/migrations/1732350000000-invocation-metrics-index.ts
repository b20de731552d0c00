import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant-wide metrics (statistics, monthly report, top-N report) scan one project's invocations in a time window;
 * per-function figures and the log query use `ix_invocations_function_created`.
 */
export class InvocationMetricsIndex1732350000000 implements MigrationInterface {
  name = 'InvocationMetricsIndex1732350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS ix_invocations_project_created ON invocations (project_id, created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_invocations_project_created`);
  }
}
