import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InvocationEntity } from '../entities/invocation.entity';

/** Invocation records; async rows move WAIT → RUNNING → terminal with conditional updates fenced by attempt. */
@Injectable()
export class InvocationRepository {
  constructor(private readonly ds: DataSource) {}

  /** Commits an async ledger row in WAIT before its job is enqueued. */
  async insertWaiting(row: Partial<InvocationEntity>): Promise<void> {
    await this.ds.getRepository(InvocationEntity).insert({ ...row, status: 'WAIT', attempt: 0 });
  }

  /** Claims a WAIT (or re-delivered RUNNING) row for an attempt; false when another attempt got it first or it ended. */
  async markRunning(requestId: string, attempt: number, invokerId: string): Promise<boolean> {
    const res = await this.ds
      .createQueryBuilder()
      .update(InvocationEntity)
      .set({ status: 'RUNNING', attempt, invokerId, startTime: () => 'now()' })
      .where("request_id = :requestId AND status IN ('WAIT','RUNNING') AND attempt < :attempt", {
        requestId,
        attempt,
      })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  /** Writes the terminal state of the attempt that holds the row. */
  async finish(requestId: string, attempt: number, patch: Partial<InvocationEntity>): Promise<boolean> {
    const res = await this.ds
      .createQueryBuilder()
      .update(InvocationEntity)
      .set({ ...patch, endTime: () => 'now()' })
      .where("request_id = :requestId AND attempt = :attempt AND status = 'RUNNING'", { requestId, attempt })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  /** Records finished sync invocations in one statement, off the request path. */
  async insertRecords(rows: Partial<InvocationEntity>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.ds.createQueryBuilder().insert().into(InvocationEntity).values(rows).orIgnore().execute();
  }

  findOne(projectId: string, requestId: string): Promise<InvocationEntity | null> {
    return this.ds.getRepository(InvocationEntity).findOneBy({ projectId, requestId });
  }

  listForFunction(projectId: string, functionId: string, limit = 100): Promise<InvocationEntity[]> {
    return this.ds
      .getRepository(InvocationEntity)
      .find({ where: { projectId, functionId }, order: { createdAt: 'DESC' }, take: limit });
  }
}
