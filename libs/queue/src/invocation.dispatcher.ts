import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { FgsError, FunctionSnapshot, InvocationJob, InvocationReply } from '@ofg/contracts';
import { cachedFunctionSnapshot, FunctionEntity, InvocationRepository } from '@ofg/data-access';
import { InvocationProducer } from './invocation.producer';
import { ReplyBus, ReplyTimeoutError } from './reply-bus';
import { QUEUE_OPTIONS, QueueOptions } from './queue.options';
import { SyncJobRouter } from './sync-job.router';

export interface DispatchOptions {
  domainId: string;
  requestId?: string;
  logType?: 'tail' | 'none';
  alias?: string;
  trigger?: InvocationJob['trigger'];
}

/** The invocation front door shared by the gateway (API calls) and the trigger service (event sources). */
@Injectable()
export class InvocationDispatcher {
  constructor(
    private readonly producer: InvocationProducer,
    private readonly replies: ReplyBus,
    private readonly router: SyncJobRouter,
    private readonly invocations: InvocationRepository,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueOptions,
  ) {}

  /** Enqueues one job and waits for the invoker's reply on this process's reply channel. */
  async invokeSync(fn: FunctionEntity, event: string, opts: DispatchOptions): Promise<InvocationReply> {
    const requestId = opts.requestId ?? randomUUID();
    const snapshot = cachedFunctionSnapshot(fn, this.options.region, opts.domainId);
    const waitMs =
      (snapshot.timeoutS + (snapshot.initializerTimeoutS ?? 0)) * 1000 + this.options.syncQueueWaitMs;
    try {
      await this.replies.start();
    } catch {
      throw new FgsError('FSS.0503', 'The invocation queue is unavailable, retry later');
    }
    const reply = this.replies.expect(requestId, waitMs);
    reply.catch(() => undefined);
    const job: InvocationJob = {
      requestId,
      projectId: fn.projectId,
      invokeType: 'sync',
      function: snapshot,
      event,
      logType: opts.logType ?? 'none',
      alias: opts.alias,
      replyTo: this.replies.channel,
      deadline: Date.now() + waitMs,
      trigger: opts.trigger,
      enqueuedAt: Date.now(),
    };
    try {
      await this.router.route(job);
    } catch {
      this.replies.cancel(requestId);
      throw new FgsError('FSS.0503', 'The invocation queue is unavailable, retry later');
    }
    try {
      const answer = await reply;
      this.router.learn(job, answer);
      return answer;
    } catch (err) {
      if (err instanceof ReplyTimeoutError)
        throw new FgsError('FSS.0503', 'No invoker answered in time, retry later');
      throw err;
    }
  }

  /** Commits the ledger row first, then enqueues; the caller only gets a request id once both succeeded. */
  async invokeAsync(fn: FunctionEntity, event: string, opts: DispatchOptions): Promise<string> {
    const requestId = opts.requestId ?? randomUUID();
    await commitAsyncInvocation(
      { ledger: this.invocations, producer: this.producer, region: this.options.region },
      fn,
      event,
      { ...opts, requestId },
    );
    return requestId;
  }
}

/** error_message of a request whose job could not be enqueued (the caller got 503). */
export const NOT_ACCEPTED_MESSAGE = 'not accepted: the invocation queue was unavailable, the caller got 503';

/** What an async invocation is accepted through: the ledger, the queue, and the region URNs are written in. */
export interface AsyncAcceptance {
  ledger: Pick<InvocationRepository, 'insertWaiting' | 'discardUnaccepted'>;
  producer: Pick<InvocationProducer, 'enqueue'>;
  region: string;
}

/**
 * The one path of an accepted async invocation (API calls, triggers, FunctionGraph destinations): a WAIT ledger row
 * first, then the job with `jobId = request_id`. Either failure is FSS.0503, so nobody reports an acceptance that
 * could be lost.
 */
export async function commitAsyncInvocation(
  via: AsyncAcceptance,
  fn: FunctionEntity,
  event: string,
  opts: DispatchOptions & { requestId: string },
): Promise<void> {
  const snapshot = cachedFunctionSnapshot(fn, via.region, opts.domainId);
  try {
    await via.ledger.insertWaiting({
      requestId: opts.requestId,
      projectId: fn.projectId,
      functionId: fn.id,
      // The qualifier the request came through (`!alias` for aliases, as async configs are keyed), not the version picked.
      qualifier: opts.alias ? `!${opts.alias}` : snapshot.version,
      invokeType: 'async',
      triggerType: opts.trigger?.type ?? '',
      triggerId: opts.trigger?.id ?? '',
      event,
    });
  } catch {
    throw new FgsError('FSS.0503', 'The invocation ledger is unavailable, retry later');
  }
  try {
    await via.producer.enqueue(
      toAsyncJob(snapshot, event, {
        requestId: opts.requestId,
        alias: opts.alias,
        trigger: opts.trigger,
        acceptedAt: Date.now(),
      }),
    );
  } catch {
    // The caller gets an error, so the request must not run later: end its row. If that fails too, the reconciler
    // re-enqueues the WAIT row and the request runs once although the caller was told to retry (at-least-once).
    await via.ledger
      .discardUnaccepted(fn.projectId, opts.requestId, NOT_ACCEPTED_MESSAGE)
      .catch(() => undefined);
    throw new FgsError('FSS.0503', 'The invocation queue is unavailable, retry later');
  }
}

/** The job of an accepted async request: on acceptance, and again when the reconciler re-enqueues a lost one. */
export function toAsyncJob(
  snapshot: FunctionSnapshot,
  event: string,
  opts: {
    requestId: string;
    acceptedAt: number;
    alias?: string;
    trigger?: InvocationJob['trigger'];
    attemptBase?: number;
  },
): InvocationJob {
  return {
    requestId: opts.requestId,
    projectId: snapshot.projectId,
    invokeType: 'async',
    function: snapshot,
    event,
    logType: 'none',
    alias: opts.alias,
    trigger: opts.trigger,
    enqueuedAt: opts.acceptedAt,
    attemptBase: opts.attemptBase,
  };
}
