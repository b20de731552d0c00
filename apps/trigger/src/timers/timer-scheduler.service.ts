import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobSchedulerJson, JobSchedulerTemplateOptions, Queue, RepeatOptions } from 'bullmq';
import { TimerRepeat, TimerTickJob } from '@ofg/contracts';
import { TIMER_TICK_JOB_NAME, TimerQueue } from './timer.queue';
import { timerRepeatFor } from './timer-repeat.mapper';
import { TIMER_TRIGGER_SOURCE, TimerTriggerRecord, TimerTriggerSource } from './timer-trigger.source';

/**
 * Options of every tick job: a failed tick retries (its request id is stable, so a retry cannot double-invoke),
 * finished ticks leave nothing behind.
 */
export const TICK_JOB_OPTIONS: JobSchedulerTemplateOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { age: 86_400, count: 1000 },
};

/** What one reconciliation did to one trigger's scheduler. */
export type ReconcileAction = 'created' | 'updated' | 'unchanged' | 'removed' | 'absent' | 'invalid';
/** Counts per action; `failed` counts triggers whose reconciliation threw (the next run retries them). */
export type ReconcileSummary = Record<ReconcileAction | 'failed', number>;

const SCHEDULER_PAGE = 500;
const PARALLEL_RECONCILES = 16;

/**
 * Keeps the BullMQ job schedulers of the timers queue in step with the TIMER triggers: one scheduler per ACTIVE
 * trigger, keyed by trigger id, so any number of replicas converge on the same state.
 */
@Injectable()
export class TimerSchedulerService {
  private readonly logger = new Logger(TimerSchedulerService.name);

  constructor(
    @Inject(TimerQueue) private readonly queue: Queue<TimerTickJob>,
    @Inject(TIMER_TRIGGER_SOURCE) private readonly source: TimerTriggerSource,
  ) {}

  /** Re-reads one trigger and creates, updates or removes its scheduler to match. */
  async reconcileTrigger(triggerId: string): Promise<ReconcileAction> {
    return this.apply(triggerId, await this.source.findTimer(triggerId));
  }

  /** Brings every scheduler in line with Postgres; heals whatever control events were missed. */
  async reconcileAll(): Promise<ReconcileSummary> {
    const summary: ReconcileSummary = {
      created: 0,
      updated: 0,
      unchanged: 0,
      removed: 0,
      absent: 0,
      invalid: 0,
      failed: 0,
    };
    const count = async (triggerId: string, reconcile: () => Promise<ReconcileAction>): Promise<void> => {
      try {
        summary[await reconcile()]++;
      } catch (err) {
        summary.failed++;
        this.logger.warn({ triggerId, err }, 'timer reconciliation failed; the next run retries it');
      }
    };
    const timers = await this.source.listTimers();
    const known = new Set(timers.map((t) => t.id));
    await inBatches(timers, PARALLEL_RECONCILES, (t) => count(t.id, () => this.apply(t.id, t)));
    const orphans = (await this.schedulerIds()).filter((id) => !known.has(id));
    // Orphans are re-read one by one: a trigger created after the list was taken must keep its scheduler.
    await inBatches(orphans, PARALLEL_RECONCILES, (id) => count(id, () => this.reconcileTrigger(id)));
    return summary;
  }

  /** Ids of every scheduler on the timers queue. */
  async schedulerIds(): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; ; start += SCHEDULER_PAGE) {
      const page = await this.queue.getJobSchedulers(start, start + SCHEDULER_PAGE - 1, true);
      ids.push(...page.map((s) => s.key));
      if (page.length < SCHEDULER_PAGE) return ids;
    }
  }

  private async apply(triggerId: string, trigger: TimerTriggerRecord | null): Promise<ReconcileAction> {
    if (!trigger || trigger.triggerStatus !== 'ACTIVE') {
      return (await this.queue.removeJobScheduler(triggerId)) ? 'removed' : 'absent';
    }
    const parsed = timerRepeatFor(trigger.eventData);
    if (!parsed.ok) {
      this.logger.warn(
        { triggerId, reason: parsed.reason },
        'timer trigger has an unusable schedule; not scheduling it',
      );
      await this.queue.removeJobScheduler(triggerId);
      return 'invalid';
    }
    const data: TimerTickJob = { triggerId, projectId: trigger.projectId };
    const existing = await this.queue.getJobScheduler(triggerId);
    // Re-upserting an unchanged cron scheduler would drop a tick that is due but not yet picked up, so leave it alone.
    if (existing && sameScheduler(existing, parsed.repeat, data)) return 'unchanged';
    await this.queue.upsertJobScheduler(triggerId, repeatOptions(parsed.repeat), {
      name: TIMER_TICK_JOB_NAME,
      data,
      opts: TICK_JOB_OPTIONS,
    });
    this.logger.log(
      { triggerId, repeat: parsed.repeat },
      existing ? 'timer scheduler updated' : 'timer scheduler created',
    );
    return existing ? 'updated' : 'created';
  }
}

/**
 * BullMQ repeat options for a timer schedule.
 * Observed with BullMQ 5.81.5 (pinned by a test in timer-scheduler.service.spec.ts): a new `every` scheduler's first
 * job is added with delay 0 and runs at once (~50 ms after the upsert), the next ones every interval after that; a
 * `pattern` scheduler's first job waits for the next cron match. We read a fixed rate as "every N, first N from now"
 * (a cron schedule does not fire at creation either), so the first tick is pushed one interval out with `startDate`.
 * BullMQ only reads `startDate` when it (re)starts an interval, so re-upserting an unchanged rate keeps its phase.
 */
export function repeatOptions(repeat: TimerRepeat, now = Date.now()): Omit<RepeatOptions, 'key'> {
  if ('every' in repeat) return { every: repeat.every, startDate: now + repeat.every };
  return repeat.tz ? { pattern: repeat.pattern, tz: repeat.tz } : { pattern: repeat.pattern };
}

const TEMPLATE_KEYS = ['attempts', 'backoff', 'removeOnComplete', 'removeOnFail'] as const;

function pickTemplate(opts: JobSchedulerTemplateOptions | undefined): Partial<JobSchedulerTemplateOptions> {
  return Object.fromEntries(TEMPLATE_KEYS.filter((k) => opts?.[k] !== undefined).map((k) => [k, opts?.[k]]));
}

function sameScheduler(
  existing: JobSchedulerJson<TimerTickJob>,
  repeat: TimerRepeat,
  data: TimerTickJob,
): boolean {
  const sameRepeat =
    'every' in repeat
      ? existing.every === repeat.every && !existing.pattern
      : existing.pattern === repeat.pattern && (existing.tz ?? undefined) === repeat.tz && !existing.every;
  return (
    sameRepeat &&
    existing.name === TIMER_TICK_JOB_NAME &&
    isDeepStrictEqual(existing.template?.data, data) &&
    isDeepStrictEqual(pickTemplate(existing.template?.opts), pickTemplate(TICK_JOB_OPTIONS))
  );
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(run));
  }
}
