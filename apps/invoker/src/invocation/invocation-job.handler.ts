import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { AsyncDestination, AsyncInvokePolicy, InvocationJob, InvocationReply } from '@ofg/contracts';
import { InvocationRepository } from '@ofg/data-access';
import { AsyncAbortRegistry } from '../async/async-abort.registry';
import { AsyncDestinationDelivery, AsyncTermination } from '../async/async-destination.delivery';
import {
  AsyncPolicyCache,
  asyncConfigQualifier,
  asyncRetryDelayMs,
  isAsyncEventExpired,
} from '../async/async-policy';
import { InvocationExecutor } from './invocation.executor';
import { InvocationRecord, InvocationRecordBuffer } from './invocation-record.buffer';
import { LtsAppendError, LtsLogEntry, LtsLogStream } from './lts-log.stream';
import { SyncHomes } from '../inbox/sync-homes';

/** Delivers sync replies to the gateway that waits for them. */
export interface ReplyPublisher {
  /** With `log`, the invocation's LTS log line travels with the reply (LtsAppendError when only it failed). */
  publish(channel: string, reply: InvocationReply, log?: LtsLogEntry): Promise<void>;
}

export const REPLY_PUBLISHER = Symbol('REPLY_PUBLISHER');
export const JOB_HANDLER_OPTIONS = Symbol('JOB_HANDLER_OPTIONS');

export type InvocationLedger = Pick<InvocationRepository, 'markRunning' | 'finish' | 'recordDelivery'>;

/** Which delivery of the job this is. */
export interface JobAttempt {
  /** Fencing number of the async ledger row; grows with every delivery, including stalled re-deliveries. */
  attempt: number;
  /** True when BullMQ will not retry after this one fails. */
  isLastAttempt: boolean;
  /** Function-error retries already made (carried in the job data across delayed re-deliveries). */
  functionRetries?: number;
  /** Platform-error retries already made (BullMQ's failed attempts). */
  platformRetries?: number;
}

/** An async attempt that failed with a function error and has retries left: run it again after this delay. */
export interface AsyncNext {
  retryInMs: number;
  functionRetries: number;
}

/** Prefix of `error_message` when the platform, not the function, failed the last attempt. */
export const PLATFORM_ERROR_PREFIX = 'platform error: ';

/** Thrown for a platform failure of an async attempt so BullMQ retries it. */
export class RetryableInvocationError extends Error {
  override readonly name = 'RetryableInvocationError';
}

/** Sync: run, reply, record off the hot path. Async: claim the ledger row, run, finish it with fencing. */
@Injectable()
export class InvocationJobHandler {
  private readonly logger = new Logger(InvocationJobHandler.name);

  constructor(
    @Inject(InvocationExecutor) private readonly executor: Pick<InvocationExecutor, 'execute'>,
    @Inject(InvocationRecordBuffer) private readonly records: Pick<InvocationRecordBuffer, 'add'>,
    @Inject(InvocationRepository) private readonly ledger: InvocationLedger,
    @Inject(REPLY_PUBLISHER) private readonly publisher: ReplyPublisher,
    @Inject(JOB_HANDLER_OPTIONS) private readonly options: { invokerId: string; now?: () => number },
    @Inject(AsyncPolicyCache) private readonly policies: Pick<AsyncPolicyCache, 'get'>,
    @Inject(AsyncDestinationDelivery)
    private readonly destinations: Pick<AsyncDestinationDelivery, 'deliver'>,
    @Inject(AsyncAbortRegistry) private readonly aborts: AsyncAbortRegistry,
    // Feeds LTS triggers; absent in tests that are not about them.
    @Optional()
    @Inject(LtsLogStream)
    private readonly ltsLogs?: Pick<LtsLogStream, 'append' | 'entry' | 'failed'>,
    // Claims function homes for the sync fast path; absent in tests that are not about it.
    @Optional() @Inject(SyncHomes) private readonly homes?: Pick<SyncHomes, 'claim'>,
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async handle(job: InvocationJob, attempt: JobAttempt): Promise<AsyncNext | void> {
    if (job.invokeType === 'async') return this.handleAsync(job, attempt);
    return this.handleSync(job);
  }

  private async handleSync(job: InvocationJob): Promise<void> {
    const startTime = new Date();
    let reply = await this.executor.execute(job);
    if (!reply) return;
    // Claimed before the reply goes out, so the gateway learns the home from it and routes the next call there.
    if (job.affinity && this.homes && reply.outcome !== 'platform_error' && !isForged(job)) {
      const home = await this.homes.claim(job.affinity).catch((err: unknown) => {
        this.logger.warn({
          msg: 'could not claim a function home',
          requestId: job.requestId,
          err: String(err),
        });
        return undefined;
      });
      if (home) reply = { ...reply, home };
    }
    // A forged job's record or log would land in the wrong tenant's history.
    const forged = isForged(job);
    const log = forged ? undefined : this.ltsLogs?.entry(job, reply);
    if (job.replyTo) {
      try {
        await this.publisher.publish(job.replyTo, reply, log);
      } catch (err) {
        if (err instanceof LtsAppendError) this.ltsLogs?.failed(job.requestId, err.cause);
        else
          this.logger.error({
            msg: 'could not publish a sync reply',
            requestId: job.requestId,
            err: String(err),
          });
      }
    } else if (!forged) this.ltsLogs?.append(job, reply);
    if (forged) return;
    this.records.add(toRecord(job, reply, startTime, this.options.invokerId));
  }

  private async handleAsync(job: InvocationJob, step: JobAttempt): Promise<AsyncNext | void> {
    const { attempt, isLastAttempt } = step;
    if (isForged(job)) {
      this.logger.warn({
        msg: 'refused an async job whose function belongs to another project',
        requestId: job.requestId,
      });
      throw new UnrecoverableError('the function does not belong to the project of the invocation');
    }
    const claimed = await this.ledger.markRunning(
      job.projectId,
      job.requestId,
      attempt,
      this.options.invokerId,
    );
    if (!claimed) {
      this.logger.warn({
        msg: 'skipped an async job whose ledger row is finished or held by a later attempt',
        requestId: job.requestId,
        attempt,
      });
      return;
    }
    let policy: AsyncInvokePolicy;
    try {
      policy = await this.policies.get(job.projectId, job.function.functionId, asyncConfigQualifier(job));
    } catch (err) {
      throw new RetryableInvocationError(`could not read the async policy: ${String(err)}`);
    }
    const functionRetries = step.functionRetries ?? 0;
    const acceptedAt = job.enqueuedAt;
    if (isAsyncEventExpired(acceptedAt, this.now(), policy)) {
      const message = `the event is older than max_async_event_age_in_seconds (${policy.maxAsyncEventAgeInSeconds} s)`;
      const written = await this.ledger.finish(
        job.projectId,
        job.requestId,
        attempt,
        { status: 'DISCARD', errorMessage: message },
        !!policy.onFailure,
      );
      this.logger.warn({
        msg: 'discarded an expired async event',
        requestId: job.requestId,
        attempt,
        written,
      });
      if (written && policy.onFailure)
        await this.deliverClaimed(job, policy.onFailure, {
          condition: 'EventAgeExceeded',
          result: '',
          errorMessage: message,
          invokeCount: functionRetries + (step.platformRetries ?? 0),
        });
      return;
    }
    const stop = this.aborts.register(job.requestId, attempt);
    let reply: InvocationReply | null;
    try {
      reply = await this.executor.execute(job, stop);
    } finally {
      this.aborts.unregister(job.requestId, stop);
    }
    if (stop.aborted) {
      // The gateway already wrote DISCARD; this attempt writes nothing and delivers nothing.
      this.logger.warn({
        msg: 'async request stopped while running: instance recycled, result dropped',
        requestId: job.requestId,
        attempt,
      });
      return;
    }
    if (!reply) return;
    if (reply.outcome === 'platform_error' && !isLastAttempt) {
      // The row stays RUNNING; the retry claims it with a higher attempt number.
      throw new RetryableInvocationError(`platform error on attempt ${attempt}: ${errorMessageOf(reply)}`);
    }
    const functionFailed = reply.outcome === 'function_error' || reply.outcome === 'timeout';
    if (functionFailed && functionRetries < policy.maxAsyncRetryAttempts) {
      const delayMs = asyncRetryDelayMs(functionRetries + 1);
      this.logger.log({
        msg: 'async function error: retrying',
        requestId: job.requestId,
        attempt,
        retry: functionRetries + 1,
        maxAsyncRetryAttempts: policy.maxAsyncRetryAttempts,
        delayMs,
      });
      // The row stays RUNNING; the delayed delivery claims it with a higher attempt number.
      return { retryInMs: delayMs, functionRetries: functionRetries + 1 };
    }
    const errorMessage =
      reply.outcome === 'platform_error'
        ? `${PLATFORM_ERROR_PREFIX}${errorMessageOf(reply)}`
        : errorMessageOf(reply);
    const destination = reply.outcome === 'success' ? policy.onSuccess : policy.onFailure;
    const written = await this.ledger.finish(
      job.projectId,
      job.requestId,
      attempt,
      {
        status: reply.outcome === 'success' ? 'SUCCESS' : 'FAIL',
        result: reply.result,
        log: reply.log,
        durationMs: reply.durationMs,
        memoryUsedMb: reply.memoryUsedMb,
        errorMessage,
        startKind: reply.startKind,
        startReason: reply.startReason ?? '',
      },
      !!destination,
    );
    if (written) this.ltsLogs?.append(job, reply);
    if (!written)
      this.logger.warn({
        msg: 'a later attempt already owns the ledger row; result dropped',
        requestId: job.requestId,
        attempt,
      });
    // Only the attempt whose terminal write won delivers; a crash before it leaves the delivery PENDING for the reconciler.
    if (written && destination)
      await this.deliverClaimed(job, destination, {
        condition: reply.outcome === 'success' ? 'Success' : 'RetriesExhausted',
        result: reply.result,
        errorMessage,
        invokeCount: functionRetries + (step.platformRetries ?? 0) + 1,
      });
    if (reply.outcome === 'platform_error')
      throw new RetryableInvocationError(`platform error on the last attempt: ${errorMessageOf(reply)}`);
  }

  /** Delivers the try the terminal write claimed (try 1) and records it; a failed try stays PENDING for the reconciler. */
  private async deliverClaimed(
    job: InvocationJob,
    destination: AsyncDestination,
    end: AsyncTermination,
  ): Promise<void> {
    const delivered = await this.destinations.deliver(job, destination, end);
    try {
      await this.ledger.recordDelivery(job.projectId, job.requestId, 1, delivered ? 'DELIVERED' : 'PENDING');
    } catch (err) {
      // Still PENDING in the ledger: the reconciler delivers once more rather than never.
      this.logger.warn({
        msg: 'could not record a destination delivery',
        requestId: job.requestId,
        err: String(err),
      });
    }
  }
}

/** The executor refuses these too; the handler must also keep them out of the ledger and records. */
function isForged(job: InvocationJob): boolean {
  return job.function.projectId !== job.projectId;
}

/** The error message of a failed invocation, read from its FunctionGraph error object. */
export function errorMessageOf(reply: InvocationReply): string {
  if (reply.outcome === 'success') return '';
  try {
    const parsed = JSON.parse(reply.result) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return reply.result.slice(0, 1000);
}

function toRecord(
  job: InvocationJob,
  reply: InvocationReply,
  startTime: Date,
  invokerId: string,
): InvocationRecord {
  return {
    requestId: job.requestId,
    projectId: job.projectId,
    functionId: job.function.functionId,
    qualifier: asyncConfigQualifier(job),
    invokeType: 'sync',
    triggerType: job.trigger?.type ?? '',
    triggerId: job.trigger?.id ?? '',
    status: reply.outcome === 'success' ? 'SUCCESS' : 'FAIL',
    attempt: 1,
    event: null,
    result: reply.result,
    errorMessage: errorMessageOf(reply),
    log: reply.log,
    durationMs: reply.durationMs,
    memoryUsedMb: reply.memoryUsedMb,
    startKind: reply.startKind,
    startReason: reply.startReason ?? '',
    invokerId,
    startTime,
    endTime: new Date(),
  };
}
