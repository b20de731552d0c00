import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DestinationStatus, InvocationEntity } from '../entities/invocation.entity';
import { enterTenant, withTenant } from '../tenancy/tenant-scope';

/** Column, entity property, array type and the entity's default for the columns a record may set. */
const RECORD_COLUMNS: [string, keyof InvocationEntity, string, unknown][] = [
  ['request_id', 'requestId', 'uuid[]', null],
  ['project_id', 'projectId', 'varchar[]', null],
  ['function_id', 'functionId', 'uuid[]', null],
  ['qualifier', 'qualifier', 'varchar[]', 'latest'],
  ['invoke_type', 'invokeType', 'varchar[]', null],
  ['trigger_type', 'triggerType', 'varchar[]', ''],
  ['trigger_id', 'triggerId', 'varchar[]', ''],
  ['status', 'status', 'varchar[]', null],
  ['attempt', 'attempt', 'integer[]', 0],
  ['event', 'event', 'text[]', null],
  ['result', 'result', 'text[]', null],
  ['error_message', 'errorMessage', 'text[]', ''],
  ['log', 'log', 'text[]', ''],
  ['duration_ms', 'durationMs', 'double precision[]', null],
  ['memory_used_mb', 'memoryUsedMb', 'double precision[]', null],
  ['start_kind', 'startKind', 'varchar[]', ''],
  ['start_reason', 'startReason', 'varchar[]', ''],
  ['invoker_id', 'invokerId', 'varchar[]', ''],
  ['start_time', 'startTime', 'timestamptz[]', null],
  ['end_time', 'endTime', 'timestamptz[]', null],
  ['recoveries', 'recoveries', 'integer[]', 0],
  ['destination_status', 'destinationStatus', 'varchar[]', ''],
  ['destination_attempts', 'destinationAttempts', 'integer[]', 0],
  ['destination_at', 'destinationAt', 'timestamptz[]', null],
];

const INSERT_RECORDS_SQL =
  `INSERT INTO invocations (${RECORD_COLUMNS.map(([c]) => c).join(', ')}) ` +
  `SELECT * FROM unnest(${RECORD_COLUMNS.map(([, , type], i) => `$${i + 1}::${type}`).join(', ')}) ` +
  'ON CONFLICT DO NOTHING';

/** Invocation records; async rows move WAIT → RUNNING → terminal with conditional updates fenced by attempt. */
@Injectable()
export class InvocationRepository {
  constructor(private readonly ds: DataSource) {}

  /** Commits an async ledger row in WAIT before its job is enqueued. */
  async insertWaiting(row: Partial<InvocationEntity>): Promise<void> {
    await withTenant(this.ds, row.projectId as string, (em) =>
      em.getRepository(InvocationEntity).insert({ ...row, status: 'WAIT', attempt: 0 }),
    );
  }

  /** Claims a WAIT (or re-delivered RUNNING) row for an attempt; false when another attempt got it first or it ended. */
  markRunning(projectId: string, requestId: string, attempt: number, invokerId: string): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(InvocationEntity)
        .set({ status: 'RUNNING', attempt, invokerId, startTime: () => 'now()' })
        .where(
          "project_id = :projectId AND request_id = :requestId AND status IN ('WAIT','RUNNING') AND attempt < :attempt",
          { projectId, requestId, attempt },
        )
        .execute();
      return (res.affected ?? 0) > 0;
    });
  }

  /**
   * Ends a WAIT row whose job could not be enqueued, so the caller's error stays true: the request never runs. False
   * when an invoker already claimed it (the enqueue did land) or the row is gone.
   */
  discardUnaccepted(projectId: string, requestId: string, message: string): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(InvocationEntity)
        .set({ status: 'DISCARD', errorMessage: message, endTime: () => 'now()' })
        .where("project_id = :projectId AND request_id = :requestId AND status = 'WAIT' AND attempt = 0", {
          projectId,
          requestId,
        })
        .execute();
      return (res.affected ?? 0) > 0;
    });
  }

  /**
   * Writes the terminal state of the attempt that holds the row (WAIT rows too, for the reconciler). With
   * `withDelivery` the same UPDATE claims the first destination delivery (PENDING, try 1), so a crash before the
   * delivery leaves a PENDING row the reconciler finishes instead of a lost delivery.
   */
  finish(
    projectId: string,
    requestId: string,
    attempt: number,
    patch: Partial<InvocationEntity>,
    withDelivery = false,
  ): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const delivery = withDelivery
        ? { destinationStatus: 'PENDING' as const, destinationAttempts: 1, destinationAt: () => 'now()' }
        : {};
      const res = await em
        .createQueryBuilder()
        .update(InvocationEntity)
        .set({ ...patch, ...delivery, endTime: () => 'now()' })
        .where(
          "project_id = :projectId AND request_id = :requestId AND attempt = :attempt AND status IN ('WAIT','RUNNING')",
          { projectId, requestId, attempt },
        )
        .execute();
      return (res.affected ?? 0) > 0;
    });
  }

  /**
   * Counts one more recovery of an open request whose job was lost, fenced by the attempt the reconciler saw; the new
   * count, or undefined when the row moved on meanwhile (claimed, finished or stopped) and must be left alone.
   */
  markRecovered(projectId: string, requestId: string, attempt: number): Promise<number | undefined> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `UPDATE invocations SET recoveries = recoveries + 1
          WHERE project_id = $1 AND request_id = $2 AND attempt = $3 AND status IN ('WAIT','RUNNING')
          RETURNING recoveries`,
        [projectId, requestId, attempt],
      )) as [{ recoveries: number }[], number];
      return rows[0][0]?.recoveries;
    });
  }

  /** Claims the next delivery try of a PENDING destination; false when another try claimed it first. */
  claimDelivery(projectId: string, requestId: string, seenAttempts: number): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(InvocationEntity)
        .set({ destinationAttempts: seenAttempts + 1, destinationAt: () => 'now()' })
        .where(
          "project_id = :projectId AND request_id = :requestId AND destination_status = 'PENDING' AND destination_attempts = :seenAttempts",
          { projectId, requestId, seenAttempts },
        )
        .execute();
      return (res.affected ?? 0) > 0;
    });
  }

  /** Records how the delivery try `claimed` ended; a later claim's outcome is never overwritten. */
  recordDelivery(
    projectId: string,
    requestId: string,
    claimed: number,
    outcome: Exclude<DestinationStatus, ''>,
  ): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(InvocationEntity)
        .set({ destinationStatus: outcome })
        .where(
          "project_id = :projectId AND request_id = :requestId AND destination_status = 'PENDING' AND destination_attempts = :claimed",
          { projectId, requestId, claimed },
        )
        .execute();
      return (res.affected ?? 0) > 0;
    });
  }

  /** Records finished invocations in one transaction, one statement per project, off the request path. */
  async insertRecords(rows: Partial<InvocationEntity>[]): Promise<void> {
    if (rows.length === 0) return;
    const byProject = new Map<string, Partial<InvocationEntity>[]>();
    for (const row of rows) {
      const projectRows = byProject.get(row.projectId as string) ?? [];
      projectRows.push(row);
      byProject.set(row.projectId as string, projectRows);
    }
    await this.ds.transaction(async (em) => {
      for (const [projectId, projectRows] of byProject) {
        // Row-level security checks each group against the project it is filed under.
        await enterTenant(em, projectId);
        // One array per column: the same statement text for any batch size, and no per-row query building.
        await em.query(
          INSERT_RECORDS_SQL,
          RECORD_COLUMNS.map(([, property, , fallback]) => projectRows.map((r) => r[property] ?? fallback)),
        );
      }
    });
  }

  findOne(projectId: string, requestId: string): Promise<InvocationEntity | null> {
    return withTenant(this.ds, projectId, (em) =>
      em.getRepository(InvocationEntity).findOneBy({ projectId, requestId }),
    );
  }

  listForFunction(projectId: string, functionId: string, limit = 100): Promise<InvocationEntity[]> {
    return withTenant(this.ds, projectId, (em) =>
      em
        .getRepository(InvocationEntity)
        .find({ where: { projectId, functionId }, order: { createdAt: 'DESC' }, take: limit }),
    );
  }
}
