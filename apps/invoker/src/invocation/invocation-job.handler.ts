import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { InvocationJob, InvocationReply } from '@ofg/contracts';
import { InvocationRepository } from '@ofg/data-access';
import { InvocationExecutor } from './invocation.executor';
import { InvocationRecord, InvocationRecordBuffer } from './invocation-record.buffer';

/** Delivers sync replies to the gateway that waits for them. */
export interface ReplyPublisher {
  publish(channel: string, reply: InvocationReply): Promise<void>;
}

export const REPLY_PUBLISHER = Symbol('REPLY_PUBLISHER');
export const JOB_HANDLER_OPTIONS = Symbol('JOB_HANDLER_OPTIONS');

export type InvocationLedger = Pick<InvocationRepository, 'markRunning' | 'finish'>;

/** Which delivery of the job this is. */
export interface JobAttempt {
  /** Fencing number of the async ledger row; grows with every delivery, including stalled re-deliveries. */
  attempt: number;
  /** True when BullMQ will not retry after this one fails. */
  isLastAttempt: boolean;
}

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
    @Inject(JOB_HANDLER_OPTIONS) private readonly options: { invokerId: string },
  ) {}

  async handle(job: InvocationJob, attempt: JobAttempt): Promise<void> {
    if (job.invokeType === 'async') return this.handleAsync(job, attempt);
    return this.handleSync(job);
  }

  private async handleSync(job: InvocationJob): Promise<void> {
    const startTime = new Date();
    const reply = await this.executor.execute(job);
    if (!reply) return;
    if (job.replyTo) {
      try {
        await this.publisher.publish(job.replyTo, reply);
      } catch (err) {
        this.logger.error({
          msg: 'could not publish a sync reply',
          requestId: job.requestId,
          err: String(err),
        });
      }
    }
    // A forged job's record would land in the wrong tenant's history.
    if (!isForged(job)) this.records.add(toRecord(job, reply, startTime, this.options.invokerId));
  }

  private async handleAsync(job: InvocationJob, { attempt, isLastAttempt }: JobAttempt): Promise<void> {
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
    const reply = await this.executor.execute(job);
    if (!reply) return;
    if (reply.outcome === 'platform_error' && !isLastAttempt) {
      // The row stays RUNNING; the retry claims it with a higher attempt number.
      throw new RetryableInvocationError(`platform error on attempt ${attempt}: ${errorMessageOf(reply)}`);
    }
    const written = await this.ledger.finish(job.projectId, job.requestId, attempt, {
      status: reply.outcome === 'success' ? 'SUCCESS' : 'FAIL',
      result: reply.result,
      log: reply.log,
      durationMs: reply.durationMs,
      memoryUsedMb: reply.memoryUsedMb,
      errorMessage: errorMessageOf(reply),
      startKind: reply.startKind,
      startReason: reply.startReason ?? '',
    });
    if (!written)
      this.logger.warn({
        msg: 'a later attempt already owns the ledger row; result dropped',
        requestId: job.requestId,
        attempt,
      });
    if (reply.outcome === 'platform_error')
      throw new RetryableInvocationError(`platform error on the last attempt: ${errorMessageOf(reply)}`);
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
    qualifier: job.alias ?? job.function.version,
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
