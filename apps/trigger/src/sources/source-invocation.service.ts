import { randomUUID } from 'node:crypto';
import { Injectable, Logger, Optional } from '@nestjs/common';
import {
  FgsError,
  MAX_TRIGGER_HOPS,
  parseQualifier,
  RECURSION_STOPPED_MESSAGE,
  uuidV5,
} from '@ofg/contracts';
import {
  FunctionEntity,
  FunctionRepository,
  FunctionVersionRepository,
  IdentityRepository,
  InvocationEntity,
  InvocationRepository,
  QualifierTarget,
  runnableAt,
} from '@ofg/data-access';
import { InvocationDispatcher, NOT_ACCEPTED_MESSAGE } from '@ofg/queue';
import { SourceTrigger } from './event-source.port';
import { SourceFailureReason, SourceMetrics } from './source.metrics';

/**
 * UUID namespace of batch request ids. Persistent: changing it gives a redelivered batch a new request id, so the
 * ledger could no longer tell it was already accepted.
 */
export const SOURCE_BATCH_NAMESPACE = '3c1d7f52-8a4e-4b0f-9d26-5e7a1c9b0f48';

/** One received message as the delivery sees it. */
export interface SourceMessage {
  /** A stable broker id (stream entry id, AMQP message-id); when every message has one the batch dedups. */
  key?: string;
  /** Hop count the message carried (0 when it came from outside). */
  hop: number;
}

/**
 * `invoked`: a new async invocation was accepted; `duplicate`: an earlier delivery of the same batch already was;
 * `stopped`: every message was over the hop limit and only recorded. In all three cases the batch may be acked.
 */
export type DeliveryOutcome = 'invoked' | 'duplicate' | 'stopped';

/** The trigger's function, version or alias is gone: the batch stays in the broker until it is back or the trigger goes. */
export class SourceTargetMissingError extends Error {}

/** How a failed delivery (or its acknowledgement) is counted. */
export function failureReason(err: unknown): SourceFailureReason {
  if (err instanceof SourceTargetMissingError) return 'target_missing';
  return err instanceof FgsError ? 'not_accepted' : 'broker';
}

/**
 * Request id of a batch: the trigger and its messages' broker ids, plus how many earlier acceptances of it failed
 * (their rows are DISCARDed as not accepted, so the next try needs an id of its own).
 */
export function batchRequestId(triggerId: string, keys: readonly string[], retry: number): string {
  return uuidV5(`${triggerId}|${keys.join(',')}|${retry}`, SOURCE_BATCH_NAMESPACE);
}

/** The hop count of the invocation a batch causes: one more than its furthest travelled message. */
export function invocationHop(messages: readonly SourceMessage[]): number {
  return messages.reduce((max, m) => Math.max(max, m.hop), 0) + 1;
}

const notAccepted = (row: InvocationEntity): boolean =>
  row.status === 'DISCARD' && row.errorMessage === NOT_ACCEPTED_MESSAGE;

/**
 * Turns a batch of messages into one async invocation of the trigger's function through the dispatcher (ledger row,
 * then job). Resolving means the invocation is durably accepted and the batch may be acknowledged; throwing means it
 * was not and the consumer must retry it later.
 */
@Injectable()
export class SourceInvocationService {
  private readonly logger = new Logger(SourceInvocationService.name);

  constructor(
    private readonly functions: FunctionRepository,
    private readonly identity: IdentityRepository,
    private readonly invocations: InvocationRepository,
    private readonly dispatcher: InvocationDispatcher,
    private readonly metrics: SourceMetrics,
    // Absent in unit tests about `latest` triggers; a version or alias trigger then finds nothing to run.
    @Optional() private readonly versions?: FunctionVersionRepository,
  ) {}

  async deliver<M extends SourceMessage>(
    trigger: SourceTrigger,
    messages: readonly M[],
    toEvent: (messages: M[], hop: number) => unknown,
  ): Promise<DeliveryOutcome> {
    const looped = messages.filter((m) => m.hop >= MAX_TRIGGER_HOPS);
    const live = messages.filter((m) => m.hop < MAX_TRIGGER_HOPS);
    if (looped.length > 0) await this.recordLoop(trigger, looped, toEvent(looped, invocationHop(looped)));
    if (live.length === 0) return 'stopped';

    const [fn, project] = await Promise.all([
      this.functions.findById(trigger.projectId, trigger.functionId),
      this.identity.findProjectById(trigger.projectId),
    ]);
    const target = fn ? await this.targetOf(fn, trigger.qualifier) : null;
    if (!fn || !project || !target) {
      throw new SourceTargetMissingError(
        `the function, version or alias of trigger ${trigger.id} (${trigger.qualifier}) is gone`,
      );
    }
    const keys = live.every((m) => m.key !== undefined) ? live.map((m) => m.key as string) : undefined;
    let requestId: string = randomUUID();
    if (keys) {
      const fresh = await this.freshRequestId(trigger, keys);
      if (!fresh) {
        this.metrics.invoked(trigger.type, 'duplicate', live.length);
        return 'duplicate';
      }
      requestId = fresh;
    }
    // An alias trigger picks a version by weight for each batch (a message carries no headers for rules).
    const runnable = runnableAt(fn, target);
    const hop = invocationHop(live);
    try {
      await this.dispatcher.invokeAsync(runnable.fn, JSON.stringify(toEvent([...live], hop)), {
        domainId: project.domainId,
        requestId,
        ...(runnable.alias ? { alias: runnable.alias } : {}),
        trigger: { type: trigger.type, id: trigger.id, name: trigger.name, hop },
      });
    } catch (err) {
      // A ledger conflict is reported as FSS.0503 too: a concurrent delivery of the same batch may have won.
      const row = keys ? await this.invocations.findOne(trigger.projectId, requestId) : null;
      if (row && !notAccepted(row)) {
        this.metrics.invoked(trigger.type, 'duplicate', live.length);
        return 'duplicate';
      }
      throw err;
    }
    this.metrics.invoked(trigger.type, 'invoked', live.length);
    return 'invoked';
  }

  /** The first request id of the batch with no row, or undefined when one of its rows was accepted already. */
  private async freshRequestId(trigger: SourceTrigger, keys: string[]): Promise<string | undefined> {
    for (let retry = 0; ; retry++) {
      const requestId = batchRequestId(trigger.id, keys, retry);
      const row = await this.invocations.findOne(trigger.projectId, requestId);
      if (!row) return requestId;
      if (!notAccepted(row)) return undefined;
    }
  }

  /** A DISCARD ledger row (idempotent for keyed messages) instead of an invocation, so the stop is visible. */
  private async recordLoop(trigger: SourceTrigger, looped: SourceMessage[], event: unknown): Promise<void> {
    const keys = looped.every((m) => m.key !== undefined) ? looped.map((m) => m.key as string) : undefined;
    const requestId = keys ? batchRequestId(trigger.id, keys, -1) : randomUUID();
    await this.invocations.insertRecords([
      {
        requestId,
        projectId: trigger.projectId,
        functionId: trigger.functionId,
        qualifier: trigger.qualifier,
        invokeType: 'async',
        triggerType: trigger.type,
        triggerId: trigger.id,
        status: 'DISCARD',
        attempt: 0,
        event: JSON.stringify(event),
        errorMessage: RECURSION_STOPPED_MESSAGE,
        endTime: new Date(),
      },
    ]);
    this.metrics.recursionStopped(trigger.type, looped.length);
    this.logger.warn(
      { triggerId: trigger.id, requestId, messages: looped.length, maxHops: MAX_TRIGGER_HOPS },
      'recursive loop stopped: messages over the hop limit were not invoked',
    );
  }

  /** What the trigger's qualifier (`latest`, a version or `!alias`) names; null when it no longer exists. */
  private async targetOf(fn: FunctionEntity, qualifier: string): Promise<QualifierTarget | null> {
    const ref = parseQualifier(qualifier);
    if (ref.alias === undefined && ref.version?.toLowerCase() === 'latest') return { kind: 'latest' };
    return this.versions ? this.versions.loadQualifier(fn.projectId, fn.id, ref) : null;
  }
}
