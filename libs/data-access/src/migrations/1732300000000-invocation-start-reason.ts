import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why an instance was started for an invocation (no_instance, evicted, ...); '' when it ran warm. */
export class InvocationStartReason1732300000000 implements MigrationInterface {
  name = 'InvocationStartReason1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invocations ADD COLUMN start_reason varchar(32) NOT NULL DEFAULT ''`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invocations DROP COLUMN IF EXISTS start_reason`);
  }
}
