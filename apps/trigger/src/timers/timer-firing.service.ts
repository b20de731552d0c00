import { Injectable, Logger, Optional } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { parseQualifier } from '@ofg/contracts';
import {
  FunctionEntity,
  FunctionRepository,
  FunctionVersionRepository,
  IdentityRepository,
  InvocationRepository,
  QualifierTarget,
  runnableAt,
  TriggerRepository,
} from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import { InvocationDispatcher } from '@ofg/queue';
import { buildTimerEvent, timerRequestId } from './timer-event.mapper';
import { timerRepeatFor } from './timer-repeat.mapper';
import { TimerSchedulerService } from './timer-scheduler.service';

/** One tick of a timer trigger's scheduler. */
export interface TimerTick {
  triggerId: string;
  projectId: string;
  /** Epoch ms the tick was scheduled for. */
  scheduledAt: number;
}

/** `invoked`: a new async invocation; `duplicate`: this tick already has one; `skipped`: nothing left to invoke. */
export type TickOutcome = 'invoked' | 'duplicate' | 'skipped';

/** Turns timer ticks into async invocations, at most one per trigger and scheduled time. */
@Injectable()
export class TimerFiringService {
  private readonly logger = new Logger(TimerFiringService.name);
  private readonly ticks: Counter<string>;

  constructor(
    private readonly triggers: TriggerRepository,
    private readonly functions: FunctionRepository,
    private readonly identity: IdentityRepository,
    private readonly invocations: InvocationRepository,
    private readonly dispatcher: InvocationDispatcher,
    private readonly scheduler: TimerSchedulerService,
    metrics: MetricsService,
    // Absent in unit tests about `latest` triggers; a version or alias trigger then finds nothing to run.
    @Optional() private readonly versions?: FunctionVersionRepository,
  ) {
    this.ticks = metrics.counter('ofg_timer_ticks_total', 'Timer ticks handled, by outcome', ['outcome']);
  }

  /** Handles one tick; throws only on infrastructure failures, which the tick job retries. */
  async fire(tick: TimerTick): Promise<TickOutcome> {
    try {
      const outcome = await this.invoke(tick);
      this.ticks.inc({ outcome });
      return outcome;
    } catch (err) {
      this.ticks.inc({ outcome: 'error' });
      throw err;
    }
  }

  private async invoke(tick: TimerTick): Promise<TickOutcome> {
    const trigger = await this.triggers.findAnyById(tick.triggerId);
    if (!trigger || trigger.triggerTypeCode !== 'TIMER' || trigger.triggerStatus !== 'ACTIVE') {
      await this.dropScheduler(tick.triggerId, trigger ? 'trigger is disabled' : 'trigger no longer exists');
      return 'skipped';
    }
    const schedule = timerRepeatFor(trigger.eventData);
    if (!schedule.ok) {
      await this.dropScheduler(trigger.id, schedule.reason);
      return 'skipped';
    }
    const [fn, project] = await Promise.all([
      this.functions.findById(trigger.projectId, trigger.functionId),
      this.identity.findProjectById(trigger.projectId),
    ]);
    if (!fn || !project) {
      this.logger.warn(
        { triggerId: trigger.id, functionId: trigger.functionId },
        'timer tick skipped: function or project is gone',
      );
      return 'skipped';
    }
    const target = await this.targetOf(fn, trigger.qualifier);
    if (!target) {
      this.logger.warn(
        { triggerId: trigger.id, functionId: fn.id, qualifier: trigger.qualifier },
        'timer tick skipped: the version or alias of the trigger is gone',
      );
      return 'skipped';
    }
    // An alias trigger picks a version by weight for each tick (a timer event carries no headers for rules).
    const runnable = runnableAt(fn, target);
    const requestId = timerRequestId(trigger.id, tick.scheduledAt);
    if (await this.invocations.findOne(trigger.projectId, requestId)) return 'duplicate';
    const event = buildTimerEvent({
      scheduledAtMs: tick.scheduledAt,
      triggerName: schedule.eventData.name,
      userEvent: schedule.eventData.user_event,
      timeZone: 'tz' in schedule.repeat ? schedule.repeat.tz : undefined,
    });
    try {
      await this.dispatcher.invokeAsync(runnable.fn, JSON.stringify(event), {
        domainId: project.domainId,
        requestId,
        ...(runnable.alias ? { alias: runnable.alias } : {}),
        trigger: { type: 'TIMER', id: trigger.id, name: schedule.eventData.name },
      });
    } catch (err) {
      // The dispatcher reports a ledger conflict as FSS.0503 too: if the row exists, a concurrent delivery of this
      // tick won (or only the enqueue failed, which the async reconciler repairs from the WAIT row).
      if (await this.invocations.findOne(trigger.projectId, requestId)) return 'duplicate';
      throw err;
    }
    this.logger.debug({ triggerId: trigger.id, requestId, functionId: fn.id }, 'timer tick invoked');
    return 'invoked';
  }

  /** What the trigger's qualifier (`latest`, a version or `!alias`) names; null when it no longer exists. */
  private async targetOf(fn: FunctionEntity, qualifier: string): Promise<QualifierTarget | null> {
    const ref = parseQualifier(qualifier);
    if (ref.alias === undefined && ref.version?.toLowerCase() === 'latest') return { kind: 'latest' };
    return this.versions ? this.versions.loadQualifier(fn.projectId, fn.id, ref) : null;
  }

  /** A tick of a trigger that is gone or disabled re-checks it so its scheduler goes too. */
  private async dropScheduler(triggerId: string, reason: string): Promise<void> {
    this.logger.log({ triggerId, reason }, 'timer tick skipped');
    try {
      await this.scheduler.reconcileTrigger(triggerId);
    } catch (err) {
      this.logger.warn(
        { triggerId, err },
        'could not remove the stale timer scheduler; the periodic reconcile will',
      );
    }
  }
}
