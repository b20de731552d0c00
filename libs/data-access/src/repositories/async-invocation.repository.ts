import { Injectable } from '@nestjs/common';
import { InvocationStatus } from '@ofg/contracts';
import { DataSource } from 'typeorm';
import { InvocationEntity } from '../entities/invocation.entity';
import { withTenant } from '../tenancy/tenant-scope';

/** Filters of the async request list; every bound is optional. */
export interface AsyncInvocationFilter {
  /** Only requests of this qualifier (`latest`, a version or an alias name); all when absent. */
  qualifier?: string;
  requestIds?: string[];
  statuses?: readonly InvocationStatus[];
  /** Inclusive bounds on the time the request was accepted. */
  acceptedFrom?: Date;
  acceptedUntil?: Date;
  offset: number;
  limit: number;
}

/** The columns the list shows; events, results and logs stay in the database. */
export type AsyncInvocationSummary = Pick<
  InvocationEntity,
  'requestId' | 'status' | 'errorMessage' | 'startTime' | 'endTime' | 'createdAt'
>;

/** What stopping a request did. */
export type AsyncInvocationStop =
  | { kind: 'not_found' }
  | { kind: 'ended'; status: InvocationStatus }
  | { kind: 'stopped'; previous: 'WAIT' | 'RUNNING'; attempt: number; invokerId: string };

/** The async ledger as its owner sees it: the request list and stopping a request (the invoker writes the rest). */
@Injectable()
export class AsyncInvocationRepository {
  constructor(private readonly ds: DataSource) {}

  /** Newest first; `offset` is the list marker. */
  list(
    projectId: string,
    functionId: string,
    filter: AsyncInvocationFilter,
  ): Promise<{ items: AsyncInvocationSummary[]; total: number }> {
    return withTenant(this.ds, projectId, async (em) => {
      const qb = em
        .getRepository(InvocationEntity)
        .createQueryBuilder('i')
        .select(['i.requestId', 'i.status', 'i.errorMessage', 'i.startTime', 'i.endTime', 'i.createdAt'])
        .where("i.project_id = :projectId AND i.function_id = :functionId AND i.invoke_type = 'async'", {
          projectId,
          functionId,
        });
      if (filter.qualifier !== undefined)
        qb.andWhere('i.qualifier = :qualifier', { qualifier: filter.qualifier });
      if (filter.requestIds?.length) qb.andWhere('i.request_id IN (:...ids)', { ids: filter.requestIds });
      if (filter.statuses?.length) qb.andWhere('i.status IN (:...statuses)', { statuses: filter.statuses });
      if (filter.acceptedFrom) qb.andWhere('i.created_at >= :from', { from: filter.acceptedFrom });
      if (filter.acceptedUntil) qb.andWhere('i.created_at <= :until', { until: filter.acceptedUntil });
      const [items, total] = await qb
        .orderBy('i.created_at', 'DESC')
        .addOrderBy('i.request_id', 'DESC')
        .skip(filter.offset)
        .take(filter.limit)
        .getManyAndCount();
      return { items, total };
    });
  }

  /**
   * Ends a WAIT or RUNNING request as DISCARD with `message`, under a row lock so it cannot race the invoker's
   * conditional claim or finish: whichever commits first wins, and the other's fenced update matches no row.
   */
  stop(
    projectId: string,
    functionId: string,
    requestId: string,
    message: string,
  ): Promise<AsyncInvocationStop> {
    return withTenant(this.ds, projectId, async (em) => {
      const rows = (await em.query(
        `SELECT status, attempt, invoker_id FROM invocations
          WHERE project_id = $1 AND function_id = $2 AND request_id = $3 AND invoke_type = 'async'
          FOR UPDATE`,
        [projectId, functionId, requestId],
      )) as { status: InvocationStatus; attempt: number; invoker_id: string }[];
      const row = rows[0];
      if (!row) return { kind: 'not_found' };
      if (row.status !== 'WAIT' && row.status !== 'RUNNING') return { kind: 'ended', status: row.status };
      await em.query(
        `UPDATE invocations SET status = 'DISCARD', error_message = $3, end_time = now()
          WHERE project_id = $1 AND request_id = $2`,
        [projectId, requestId, message],
      );
      return { kind: 'stopped', previous: row.status, attempt: row.attempt, invokerId: row.invoker_id };
    });
  }
}
