import { Injectable, Logger } from '@nestjs/common';
import { FgsError, MAX_TRIGGER_HOPS, parseQualifier, RECURSION_STOPPED_MESSAGE } from '@ofg/contracts';
import {
  FunctionEntity,
  FunctionRepository,
  InvocationEntity,
  InvocationRepository,
  runnableAt,
  TriggerEntity,
} from '@ofg/data-access';
import { InvocationDispatcher, NOT_ACCEPTED_MESSAGE } from '@ofg/queue';
import { FunctionResolver } from '../functions/function.resolver';
import { pushRequestId } from './push-request-id';
import { PushMetrics, PushOutcome } from './push.metrics';

/** Events of one push accepted at a time (each is a ledger insert and an enqueue). */
const DELIVERY_CONCURRENCY = 16;

/** One pushed event for one matching trigger. */
export interface PushItem {
  trigger: TriggerEntity;
  /** The event the function gets, as JSON. */
  event: string;
  /** A stable key of the event as pushed: a re-push of the same event has the same key. */
  eventKey: string;
  /** The hop count the pushed event carried (0 from outside); the invocation runs at hop + 1. */
  hop: number;
}

export interface PushResult {
  trigger_id: string;
  outcome: PushOutcome;
  request_id?: string;
}

const notAccepted = (row: InvocationEntity): boolean =>
  row.status === 'DISCARD' && row.errorMessage === NOT_ACCEPTED_MESSAGE;

/**
 * Turns pushed events into async invocations of their triggers' functions through the dispatcher (ledger row, then
 * job), with request ids derived from trigger and event so a re-push is accepted once. Events at the hop limit are
 * recorded as DISCARD rows instead.
 */
@Injectable()
export class PushDeliveryService {
  private readonly logger = new Logger(PushDeliveryService.name);

  constructor(
    private readonly functions: FunctionRepository,
    private readonly invocations: InvocationRepository,
    private readonly dispatcher: InvocationDispatcher,
    private readonly resolver: FunctionResolver,
    private readonly metrics: PushMetrics,
  ) {}

  /**
   * Resolves once every item's invocation was accepted (now or by an earlier push of the same event); throws FSS.0503
   * when one was not, so the pusher retries the push (the items accepted already are then found as duplicates).
   */
  async deliverAll(source: string, domainId: string, items: readonly PushItem[]): Promise<PushResult[]> {
    const functions = new Map<string, Promise<FunctionEntity | null>>();
    const functionOf = (t: TriggerEntity): Promise<FunctionEntity | null> => {
      let fn = functions.get(t.functionId);
      if (!fn) {
        fn = this.functions.findById(t.projectId, t.functionId);
        functions.set(t.functionId, fn);
      }
      return fn;
    };
    const results: PushResult[] = [];
    for (let at = 0; at < items.length; at += DELIVERY_CONCURRENCY) {
      const chunk = items.slice(at, at + DELIVERY_CONCURRENCY);
      for (const result of await Promise.all(chunk.map((item) => this.deliver(item, domainId, functionOf)))) {
        this.metrics.delivered(source, result.outcome);
        results.push(result);
      }
    }
    return results;
  }

  private async deliver(
    item: PushItem,
    domainId: string,
    functionOf: (t: TriggerEntity) => Promise<FunctionEntity | null>,
  ): Promise<PushResult> {
    const { trigger } = item;
    if (item.hop >= MAX_TRIGGER_HOPS) return this.recordLoop(item);
    const fn = await functionOf(trigger);
    const runnable = fn ? await this.runnableOf(fn, trigger) : undefined;
    if (!runnable) {
      this.logger.warn(
        { triggerId: trigger.id, functionId: trigger.functionId, qualifier: trigger.qualifier },
        'pushed event skipped: the function, version or alias of the trigger is gone',
      );
      return { trigger_id: trigger.id, outcome: 'skipped' };
    }
    const requestId = await this.freshRequestId(trigger, item.eventKey);
    if (!requestId) return { trigger_id: trigger.id, outcome: 'duplicate' };
    try {
      await this.dispatcher.invokeAsync(runnable.fn, item.event, {
        domainId,
        requestId,
        ...(runnable.alias ? { alias: runnable.alias } : {}),
        trigger: { type: trigger.triggerTypeCode, id: trigger.id, name: trigger.name, hop: item.hop + 1 },
      });
    } catch (err) {
      // A ledger conflict is reported as FSS.0503 too: a concurrent push of the same event may have won.
      const row = await this.invocations.findOne(trigger.projectId, requestId).catch(() => null);
      if (row && !notAccepted(row))
        return { trigger_id: trigger.id, outcome: 'duplicate', request_id: requestId };
      throw err;
    }
    return { trigger_id: trigger.id, outcome: 'invoked', request_id: requestId };
  }

  /** What the trigger's qualifier runs (an alias picks a version by weight); undefined when it no longer exists. */
  private async runnableOf(
    fn: FunctionEntity,
    trigger: TriggerEntity,
  ): Promise<ReturnType<typeof runnableAt> | undefined> {
    try {
      return runnableAt(fn, await this.resolver.targetOf(fn, parseQualifier(trigger.qualifier)));
    } catch (err) {
      if (err instanceof FgsError) return undefined;
      throw err;
    }
  }

  /** The first request id of the event with no row, or undefined when one of its rows was accepted already. */
  private async freshRequestId(trigger: TriggerEntity, eventKey: string): Promise<string | undefined> {
    for (let retry = 0; ; retry++) {
      const requestId = pushRequestId(trigger.id, eventKey, retry);
      const row = await this.invocations.findOne(trigger.projectId, requestId);
      if (!row) return requestId;
      if (!notAccepted(row)) return undefined;
    }
  }

  /** A DISCARD ledger row (idempotent per trigger and event) instead of an invocation, so the stop is visible. */
  private async recordLoop(item: PushItem): Promise<PushResult> {
    const { trigger } = item;
    const requestId = pushRequestId(trigger.id, item.eventKey, -1);
    await this.invocations.insertRecords([
      {
        requestId,
        projectId: trigger.projectId,
        functionId: trigger.functionId,
        qualifier: trigger.qualifier,
        invokeType: 'async',
        triggerType: trigger.triggerTypeCode,
        triggerId: trigger.id,
        status: 'DISCARD',
        attempt: 0,
        event: item.event,
        errorMessage: RECURSION_STOPPED_MESSAGE,
        endTime: new Date(),
      },
    ]);
    this.logger.warn(
      { triggerId: trigger.id, requestId, hop: item.hop, maxHops: MAX_TRIGGER_HOPS },
      'recursive loop stopped: a pushed event over the hop limit was not invoked',
    );
    return { trigger_id: trigger.id, outcome: 'stopped', request_id: requestId };
  }
}
