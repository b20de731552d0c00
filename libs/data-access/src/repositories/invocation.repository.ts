import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InvocationEntity } from '../entities/invocation.entity';
import { enterTenant, withTenant } from '../tenancy/tenant-scope';

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

  /** Writes the terminal state of the attempt that holds the row. */
  finish(
    projectId: string,
    requestId: string,
    attempt: number,
    patch: Partial<InvocationEntity>,
  ): Promise<boolean> {
    return withTenant(this.ds, projectId, async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(InvocationEntity)
        .set({ ...patch, endTime: () => 'now()' })
        .where(
          "project_id = :projectId AND request_id = :requestId AND attempt = :attempt AND status = 'RUNNING'",
          { projectId, requestId, attempt },
        )
        .execute();
      return (res.affected ?? 0) > 0;
    });
  }

  /** Records finished sync invocations in one transaction, one statement per project, off the request path. */
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
        await em
          .createQueryBuilder()
          .insert()
          .into(InvocationEntity)
          .values(projectRows)
          .orIgnore()
          .updateEntity(false)
          .execute();
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
