import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InvocationEntity } from '../entities/invocation.entity';
import { withSystemScope } from '../tenancy/tenant-scope';

/** An accepted async request that has not ended yet, as the reconciler checks it against the queue. */
export type OpenAsyncRequest = Pick<
  InvocationEntity,
  | 'requestId'
  | 'projectId'
  | 'functionId'
  | 'qualifier'
  | 'status'
  | 'attempt'
  | 'recoveries'
  | 'invokerId'
  | 'event'
  | 'triggerType'
  | 'triggerId'
  | 'createdAt'
>;

/** A finished async request whose destination delivery is still PENDING. */
export type PendingDelivery = OpenAsyncRequest &
  Pick<InvocationEntity, 'result' | 'errorMessage' | 'destinationAttempts'>;

/** Where a scan of open requests goes on from: the last row of the previous page. */
export interface LedgerCursor {
  createdAt: Date;
  requestId: string;
}

const OPEN_COLUMNS = [
  'i.requestId',
  'i.projectId',
  'i.functionId',
  'i.qualifier',
  'i.status',
  'i.attempt',
  'i.recoveries',
  'i.invokerId',
  'i.event',
  'i.triggerType',
  'i.triggerId',
  'i.createdAt',
];

/** The reconciler's cross-tenant reads of the async ledger (read-only system scope; writes go through each tenant). */
@Injectable()
export class AsyncRecoveryRepository {
  constructor(private readonly ds: DataSource) {}

  /** WAIT and RUNNING requests accepted before `acceptedBefore`, oldest first, after `after` (keyset paging). */
  openRequests(acceptedBefore: Date, limit: number, after?: LedgerCursor): Promise<OpenAsyncRequest[]> {
    return withSystemScope(this.ds, (em) => {
      const qb = em
        .getRepository(InvocationEntity)
        .createQueryBuilder('i')
        .select(OPEN_COLUMNS)
        .where("i.invoke_type = 'async' AND i.status IN ('WAIT','RUNNING') AND i.created_at < :before", {
          before: acceptedBefore,
        });
      // Paged at the millisecond precision of the Date the cursor comes back as, so no row repeats or is skipped.
      const acceptedMs = "date_trunc('milliseconds', i.created_at)";
      if (after)
        qb.andWhere(`(${acceptedMs}, i.request_id) > (:afterAt, :afterId)`, {
          afterAt: after.createdAt,
          afterId: after.requestId,
        });
      return qb.orderBy(acceptedMs, 'ASC').addOrderBy('i.request_id', 'ASC').limit(limit).getMany();
    });
  }

  /**
   * PENDING deliveries whose last try was claimed long enough ago: `graceMs` after the first, doubling with every
   * further try, so a delivery in flight is left alone and a failing destination is not hammered.
   */
  pendingDeliveries(graceMs: number, limit: number): Promise<PendingDelivery[]> {
    return withSystemScope(this.ds, (em) =>
      em
        .getRepository(InvocationEntity)
        .createQueryBuilder('i')
        .select([...OPEN_COLUMNS, 'i.result', 'i.errorMessage', 'i.destinationAttempts'])
        .where("i.destination_status = 'PENDING'")
        .andWhere(
          'i.destination_at < now() - make_interval(secs => :graceS * power(2, LEAST(GREATEST(i.destination_attempts - 1, 0), 10)))',
          { graceS: graceMs / 1000 },
        )
        .orderBy('i.destination_at', 'ASC')
        .limit(limit)
        .getMany(),
    );
  }
}
