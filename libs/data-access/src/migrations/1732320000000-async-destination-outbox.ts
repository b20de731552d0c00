import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recovery bookkeeping of the async ledger: how often the reconciler re-enqueued a request whose job was lost, and
 * destination delivery as part of the ledger: the terminal write marks a delivery PENDING in the same UPDATE,
 * so a delivery interrupted by a crash is finished by the reconciler instead of being lost.
 */
export class AsyncDestinationOutbox1732320000000 implements MigrationInterface {
  name = 'AsyncDestinationOutbox1732320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invocations
      ADD COLUMN destination_status varchar(16) NOT NULL DEFAULT '',
      ADD COLUMN destination_attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN destination_at timestamptz,
      ADD COLUMN recoveries integer NOT NULL DEFAULT 0`);
    // The reconciler's scans: open requests and pending deliveries only, whatever the size of the history.
    await q.query(`CREATE INDEX ix_invocations_async_open ON invocations (created_at)
      WHERE invoke_type = 'async' AND status IN ('WAIT', 'RUNNING')`);
    await q.query(`CREATE INDEX ix_invocations_destination_pending ON invocations (destination_at)
      WHERE destination_status = 'PENDING'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_invocations_destination_pending`);
    await q.query(`DROP INDEX IF EXISTS ix_invocations_async_open`);
    await q.query(`ALTER TABLE invocations
      DROP COLUMN IF EXISTS recoveries,
      DROP COLUMN IF EXISTS destination_at,
      DROP COLUMN IF EXISTS destination_attempts,
      DROP COLUMN IF EXISTS destination_status`);
  }
}
