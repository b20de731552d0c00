import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JobState, Queue } from 'bullmq';
import Redis from 'ioredis';
import { AsyncDestination, InvocationJob } from '@ofg/contracts';
import {
  AsyncRecoveryRepository,
  FunctionRepository,
  FunctionVersionRepository,
  IdentityRepository,
  InvocationRepository,
  mainFunctionAt,
  OpenAsyncRequest,
  PendingDelivery,
  toFunctionSnapshot,
} from '@ofg/data-access';
import { InvocationProducer, toAsyncJob } from '@ofg/queue';
import { PLATFORM_ERROR_PREFIX } from '../invocation/invocation-job.handler';
import { InvokerMetrics } from '../metrics/invoker.metrics';
import {
  ASYNC_DESTINATION_PRODUCER,
  ASYNC_DESTINATION_REDIS,
  AsyncCondition,
  AsyncDestinationDelivery,
} from './async-destination.delivery';
import { AsyncPolicyCache } from './async-policy';

export const ASYNC_RECONCILER_OPTIONS = Symbol('ASYNC_RECONCILER_OPTIONS');

export interface AsyncReconcilerOptions {
  invokerId: string;
  region: string;
  /** Pause between passes; 0 turns the reconciler off. */
  intervalMs: number;
  /** An open request younger than this is left to its acceptance and worker; also the first delivery retry's wait. */
  graceMs: number;
  /** Re-enqueues of one request before the reconciler ends it as FAIL (a job that keeps getting lost). */
  maxRecoveries: number;
  /** Delivery tries of one destination record before it is marked FAILED. */
  maxDeliveryAttempts: number;
  /** Rows read per page. */
  batchSize: number;
}

/** Job states in which BullMQ still owns the request: it will run, or is running, without help. */
const LIVE_STATES: ReadonlySet<JobState | 'unknown'> = new Set([
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
]);

/** Only one invoker reconciles at a time; the lock outlives a pass so a dead holder frees it soon. */
export const RECONCILER_LOCK_KEY = 'ofg:async:reconciler';
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Rows checked against the queue at once. */
const CHECK_CONCURRENCY = 32;
/** Upper bound of open rows one pass walks through. */
const MAX_ROWS_PER_PASS = 20_000;

export interface ReconcileReport {
  checked: number;
  reEnqueued: number;
  abandoned: number;
  delivered: number;
  deliveryFailed: number;
}

type LedgerQueue = Pick<InvocationProducer, 'enqueue'> & { queue: Pick<Queue, 'getJobState' | 'remove'> };
type LockRedis = Pick<Redis, 'set' | 'eval'>;

/**
 * Keeps every accepted async request moving when Redis or an invoker lost it: a WAIT or RUNNING ledger row whose job
 * is gone (Redis restarted without persistence) or ended without a terminal write is re-enqueued with the same
 * request id, fenced above the row's attempt; a request lost too often ends as FAIL. Destination deliveries left
 * PENDING by a crash or a failing destination are tried again with back-off. Stalled jobs of a killed invoker are
 * BullMQ's (lock expiry); its containers are the dead-invoker sweeper's.
 */
@Injectable()
export class AsyncLedgerReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AsyncLedgerReconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(ASYNC_RECONCILER_OPTIONS) private readonly options: AsyncReconcilerOptions,
    @Inject(AsyncRecoveryRepository) private readonly recovery: AsyncRecoveryRepository,
    @Inject(InvocationRepository)
    private readonly ledger: Pick<
      InvocationRepository,
      'markRecovered' | 'finish' | 'claimDelivery' | 'recordDelivery'
    >,
    @Inject(FunctionRepository) private readonly functions: Pick<FunctionRepository, 'findById'>,
    @Inject(FunctionVersionRepository)
    private readonly versions: Pick<FunctionVersionRepository, 'loadQualifier'>,
    @Inject(IdentityRepository) private readonly identity: Pick<IdentityRepository, 'findProjectById'>,
    @Inject(ASYNC_DESTINATION_PRODUCER) private readonly producer: LedgerQueue,
    @Inject(ASYNC_DESTINATION_REDIS) private readonly redis: LockRedis,
    @Inject(AsyncPolicyCache) private readonly policies: Pick<AsyncPolicyCache, 'get'>,
    @Inject(AsyncDestinationDelivery)
    private readonly destinations: Pick<AsyncDestinationDelivery, 'deliver'>,
    @Inject(InvokerMetrics) private readonly metrics: Pick<InvokerMetrics, 'asyncReconciled'>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.intervalMs <= 0) return;
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.runLocked()
        .catch((err: unknown) =>
          // Redis or Postgres unavailable: the next pass tries again.
          this.logger.warn({ msg: 'async ledger reconcile pass failed', err: String(err) }),
        )
        .finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** One pass if this invoker gets the lock; undefined when another invoker holds it. */
  async runLocked(): Promise<ReconcileReport | undefined> {
    const token = `${this.options.invokerId}:${Date.now()}`;
    const ttlMs = Math.max(this.options.intervalMs * 5, 30_000);
    const got = await this.redis.set(RECONCILER_LOCK_KEY, token, 'PX', ttlMs, 'NX');
    if (got !== 'OK') return undefined;
    try {
      return await this.reconcileOnce();
    } finally {
      await this.redis.eval(RELEASE_LOCK, 1, RECONCILER_LOCK_KEY, token).catch(() => undefined);
    }
  }

  async reconcileOnce(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      checked: 0,
      reEnqueued: 0,
      abandoned: 0,
      delivered: 0,
      deliveryFailed: 0,
    };
    const acceptedBefore = new Date(Date.now() - this.options.graceMs);
    let after: { createdAt: Date; requestId: string } | undefined;
    while (!this.stopped && report.checked < MAX_ROWS_PER_PASS) {
      const rows = await this.recovery.openRequests(acceptedBefore, this.options.batchSize, after);
      for (let i = 0; i < rows.length; i += CHECK_CONCURRENCY)
        await Promise.all(rows.slice(i, i + CHECK_CONCURRENCY).map((row) => this.checkOpen(row, report)));
      report.checked += rows.length;
      const last = rows.at(-1);
      if (!last || rows.length < this.options.batchSize) break;
      after = { createdAt: last.createdAt, requestId: last.requestId };
    }
    const pending = await this.recovery.pendingDeliveries(this.options.graceMs, this.options.batchSize);
    for (const row of pending) {
      if (this.stopped) break;
      await this.redeliver(row, report);
    }
    if (report.reEnqueued + report.abandoned + report.delivered + report.deliveryFailed > 0)
      this.logger.log({ msg: 'async ledger reconciled', ...report });
    return report;
  }

  /** Leaves a request BullMQ still holds; re-enqueues (or gives up on) one whose job is gone or ended unfinished. */
  private async checkOpen(row: OpenAsyncRequest, report: ReconcileReport): Promise<void> {
    const state = await this.producer.queue.getJobState(row.requestId);
    if (LIVE_STATES.has(state)) return;
    const recoveries = await this.ledger.markRecovered(row.projectId, row.requestId, row.attempt);
    if (recoveries === undefined) return;
    // A completed or failed job keeps its id in Redis; it must go before a job with the same id can be added.
    if (state !== 'unknown') await this.producer.queue.remove(row.requestId);
    const target = await this.loadJob(row);
    if (!target || recoveries > this.options.maxRecoveries) {
      const why = !target
        ? 'the function or its project no longer exists'
        : `the request was lost ${recoveries} times (last job state: ${state})`;
      await this.abandon(row, `${PLATFORM_ERROR_PREFIX}${why}`, target);
      report.abandoned++;
      this.metrics.asyncReconciled('abandoned');
      return;
    }
    await this.producer.enqueue(target);
    report.reEnqueued++;
    this.metrics.asyncReconciled('re_enqueued');
    this.logger.warn({
      msg: 'async request re-enqueued: its job was lost',
      requestId: row.requestId,
      status: row.status,
      attempt: row.attempt,
      jobState: state,
      recoveries,
    });
  }

  /** Ends a request that cannot be run any more as FAIL, with its on_failure delivery claimed in the same write. */
  private async abandon(
    row: OpenAsyncRequest,
    message: string,
    job: InvocationJob | undefined,
  ): Promise<void> {
    const onFailure = job
      ? (await this.policies.get(row.projectId, row.functionId, row.qualifier)).onFailure
      : undefined;
    const written = await this.ledger.finish(
      row.projectId,
      row.requestId,
      row.attempt,
      { status: 'FAIL', errorMessage: message },
      !!onFailure,
    );
    this.logger.error({ msg: 'async request abandoned', requestId: row.requestId, written, reason: message });
  }

  /** One more try of a PENDING destination, claimed first so no other try runs alongside it. */
  private async redeliver(row: PendingDelivery, report: ReconcileReport): Promise<void> {
    if (!(await this.ledger.claimDelivery(row.projectId, row.requestId, row.destinationAttempts))) return;
    const claimed = row.destinationAttempts + 1;
    const job = await this.loadJob(row);
    const destination = job ? await this.destinationOf(row) : undefined;
    let delivered = false;
    if (job && destination)
      delivered = await this.destinations.deliver(job, destination, {
        condition: conditionOf(row.status),
        result: row.result ?? '',
        errorMessage: row.errorMessage,
        invokeCount: Math.max(row.attempt, 1),
      });
    const outcome = delivered
      ? 'DELIVERED'
      : !job || !destination || claimed >= this.options.maxDeliveryAttempts
        ? 'FAILED'
        : 'PENDING';
    await this.ledger.recordDelivery(row.projectId, row.requestId, claimed, outcome);
    if (delivered) {
      report.delivered++;
      this.metrics.asyncReconciled('redelivered');
    } else {
      report.deliveryFailed++;
      this.metrics.asyncReconciled(outcome === 'FAILED' ? 'delivery_failed' : 'delivery_retry');
      this.logger.warn({
        msg: 'async destination still not delivered',
        requestId: row.requestId,
        try: claimed,
        outcome,
        reason: !job
          ? 'the function is gone'
          : !destination
            ? 'the destination was removed'
            : 'delivery failed',
      });
    }
  }

  private async destinationOf(row: PendingDelivery): Promise<AsyncDestination | undefined> {
    const policy = await this.policies.get(row.projectId, row.functionId, row.qualifier);
    return row.status === 'SUCCESS' ? policy.onSuccess : policy.onFailure;
  }

  /**
   * The request's job rebuilt from its ledger row: the version it was accepted for, or for an alias (`!name`) the
   * alias's main version now; `latest` as it is now. Undefined when the function, version or alias is gone.
   */
  private async loadJob(row: OpenAsyncRequest): Promise<InvocationJob | undefined> {
    const alias = row.qualifier.startsWith('!') ? row.qualifier.slice(1) : undefined;
    const [fn, project, target] = await Promise.all([
      this.functions.findById(row.projectId, row.functionId),
      this.identity.findProjectById(row.projectId),
      this.versions.loadQualifier(
        row.projectId,
        row.functionId,
        alias ? { alias } : { version: row.qualifier },
      ),
    ]);
    if (!fn || !project || !target) return undefined;
    const snapshot = toFunctionSnapshot(mainFunctionAt(fn, target), this.options.region, project.domainId);
    return toAsyncJob(snapshot, row.event ?? '{}', {
      requestId: row.requestId,
      acceptedAt: row.createdAt.getTime(),
      alias,
      trigger: row.triggerType ? { type: row.triggerType, id: row.triggerId, name: '' } : undefined,
      attemptBase: row.attempt,
    });
  }
}

function conditionOf(status: string): AsyncCondition {
  if (status === 'SUCCESS') return 'Success';
  if (status === 'DISCARD') return 'EventAgeExceeded';
  return 'RetriesExhausted';
}
