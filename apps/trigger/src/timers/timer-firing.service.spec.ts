import { Logger } from '@nestjs/common';
import { FgsError } from '@ofg/contracts';
import {
  FunctionAliasEntity,
  FunctionEntity,
  FunctionRepository,
  FunctionVersionEntity,
  FunctionVersionRepository,
  QualifierTarget,
  IdentityRepository,
  InvocationEntity,
  InvocationRepository,
  ProjectEntity,
  TriggerEntity,
  TriggerRepository,
} from '@ofg/data-access';
import { MetricsService } from '@ofg/observability';
import { DispatchOptions, InvocationDispatcher } from '@ofg/queue';
import { timerRequestId } from './timer-event.mapper';
import { TimerFiringService } from './timer-firing.service';
import { TimerSchedulerService } from './timer-scheduler.service';

const PROJECT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const TRIGGER_ID = '0b9c6a4e-1f4e-4d1c-8a57-6d0f5a1f2b3c';
const FUNCTION_ID = '5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const AT = Date.UTC(2023, 5, 1, 0, 30, 0);

function aTrigger(patch: Partial<TriggerEntity> = {}): TriggerEntity {
  return {
    id: TRIGGER_ID,
    projectId: PROJECT,
    functionId: FUNCTION_ID,
    qualifier: 'latest',
    triggerTypeCode: 'TIMER',
    triggerStatus: 'ACTIVE',
    eventTypeCode: '',
    name: 'Timer_001',
    eventData: {
      name: 'Timer_001',
      schedule_type: 'Cron',
      schedule: 'CRON_TZ=Asia/Shanghai 0 30 8 * * *',
      user_event: 'hi',
    },
    createdAt: new Date(),
    updatedAt: new Date(),
    ...patch,
  };
}

/** In-memory stand-ins for the repositories, dispatcher and scheduler, recording what the service asked of them. */
class World {
  trigger: TriggerEntity | null = aTrigger();
  fn: FunctionEntity | null = { id: FUNCTION_ID, projectId: PROJECT } as FunctionEntity;
  /** What `loadQualifier` answers for a qualifier other than latest. */
  qualifiers = new Map<string, QualifierTarget>();
  project: ProjectEntity | null = { id: PROJECT, name: 'p', domainId: 'domain-1', createdAt: new Date() };
  ledger = new Set<string>();
  dispatched: { fn: FunctionEntity; event: string; opts: DispatchOptions }[] = [];
  reconciled: string[] = [];
  dispatchError?: Error;
  /** Simulates a concurrent delivery of the same tick writing the ledger row first. */
  ledgerWrittenByOther = false;
  metrics = new MetricsService();

  service(): TimerFiringService {
    const triggers = { findAnyById: async (id: string) => (this.trigger?.id === id ? this.trigger : null) };
    const functions = {
      findById: async (p: string, id: string) =>
        this.fn && p === PROJECT && id === this.fn.id ? this.fn : null,
    };
    const identity = {
      findProjectById: async (id: string) => (this.project?.id === id ? this.project : null),
    };
    const invocations = {
      findOne: async (_p: string, requestId: string) =>
        this.ledger.has(requestId) ? ({ requestId } as InvocationEntity) : null,
    };
    const dispatcher = {
      invokeAsync: async (fn: FunctionEntity, event: string, opts: DispatchOptions) => {
        if (this.ledgerWrittenByOther) this.ledger.add(opts.requestId ?? '');
        if (this.dispatchError) throw this.dispatchError;
        this.ledger.add(opts.requestId ?? '');
        this.dispatched.push({ fn, event, opts });
        return opts.requestId ?? '';
      },
    };
    const scheduler = {
      reconcileTrigger: async (id: string) => (this.reconciled.push(id), 'removed' as const),
    };
    return new TimerFiringService(
      triggers as unknown as TriggerRepository,
      functions as unknown as FunctionRepository,
      identity as unknown as IdentityRepository,
      invocations as unknown as InvocationRepository,
      dispatcher as unknown as InvocationDispatcher,
      scheduler as unknown as TimerSchedulerService,
      this.metrics,
      {
        loadQualifier: async (_p: string, _id: string, ref: { version?: string; alias?: string }) =>
          this.qualifiers.get(ref.alias !== undefined ? `!${ref.alias}` : String(ref.version)) ?? null,
      } as unknown as FunctionVersionRepository,
    );
  }

  async tickCount(outcome: string): Promise<number> {
    const metric = await this.metrics.registry.getSingleMetric('ofg_timer_ticks_total')?.get();
    return metric?.values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
  }
}

const tick = { triggerId: TRIGGER_ID, projectId: PROJECT, scheduledAt: AT };

describe('TimerFiringService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('invokes the function asynchronously with the TIMER event of the scheduled time', async () => {
    const world = new World();
    await expect(world.service().fire(tick)).resolves.toBe('invoked');
    expect(world.dispatched).toHaveLength(1);
    const [{ fn, event, opts }] = world.dispatched;
    expect(fn.id).toBe(FUNCTION_ID);
    expect(JSON.parse(event)).toEqual({
      version: 'v1.0',
      time: '2023-06-01T08:30:00+08:00',
      trigger_type: 'TIMER',
      trigger_name: 'Timer_001',
      user_event: 'hi',
    });
    expect(opts).toEqual({
      domainId: 'domain-1',
      requestId: timerRequestId(TRIGGER_ID, AT),
      trigger: { type: 'TIMER', id: TRIGGER_ID, name: 'Timer_001' },
    });
    expect(await world.tickCount('invoked')).toBe(1);
  });

  it('does not invoke twice for a re-delivered tick', async () => {
    const world = new World();
    const service = world.service();
    await expect(service.fire(tick)).resolves.toBe('invoked');
    await expect(service.fire(tick)).resolves.toBe('duplicate');
    await expect(service.fire({ ...tick, scheduledAt: AT + 60_000 })).resolves.toBe('invoked');
    expect(world.dispatched.map((d) => d.opts.requestId)).toEqual([
      timerRequestId(TRIGGER_ID, AT),
      timerRequestId(TRIGGER_ID, AT + 60_000),
    ]);
    expect(await world.tickCount('duplicate')).toBe(1);
  });

  it('treats a ledger conflict from a concurrent delivery as already done', async () => {
    const world = new World();
    world.ledgerWrittenByOther = true;
    world.dispatchError = new FgsError('FSS.0503', 'The invocation ledger is unavailable, retry later');
    await expect(world.service().fire(tick)).resolves.toBe('duplicate');
  });

  it('rethrows a dispatch failure that left no ledger row, so the tick is retried', async () => {
    const world = new World();
    world.dispatchError = new FgsError('FSS.0503', 'The invocation ledger is unavailable, retry later');
    await expect(world.service().fire(tick)).rejects.toBe(world.dispatchError);
    expect(await world.tickCount('error')).toBe(1);
  });

  it('skips a disabled trigger and drops its scheduler', async () => {
    const world = new World();
    world.trigger = aTrigger({ triggerStatus: 'DISABLED' });
    await expect(world.service().fire(tick)).resolves.toBe('skipped');
    expect(world.dispatched).toHaveLength(0);
    expect(world.reconciled).toEqual([TRIGGER_ID]);
  });

  it('skips a deleted trigger and drops its scheduler', async () => {
    const world = new World();
    world.trigger = null;
    await expect(world.service().fire(tick)).resolves.toBe('skipped');
    expect(world.reconciled).toEqual([TRIGGER_ID]);
    expect(await world.tickCount('skipped')).toBe(1);
  });

  it('skips a tick whose function or project is gone', async () => {
    const world = new World();
    world.fn = null;
    await expect(world.service().fire(tick)).resolves.toBe('skipped');
    const other = new World();
    other.project = null;
    await expect(other.service().fire(tick)).resolves.toBe('skipped');
    expect([...world.dispatched, ...other.dispatched]).toHaveLength(0);
  });

  it('writes the event time in the process zone when the schedule has no CRON_TZ, and an empty user_event by default', async () => {
    const world = new World();
    world.trigger = aTrigger({ eventData: { name: 'Every5', schedule_type: 'Rate', schedule: '5m' } });
    await world.service().fire(tick);
    const event = JSON.parse(world.dispatched[0].event) as {
      time: string;
      user_event: string;
      trigger_name: string;
    };
    expect(new Date(event.time).getTime()).toBe(AT);
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    expect(event.user_event).toBe('');
    expect(event.trigger_name).toBe('Every5');
  });

  it('runs the version a version trigger is bound to, and an alias trigger through its alias', async () => {
    const world = new World();
    const v2 = { version: 'v2', codeDigest: 'v2-digest', createdAt: new Date() } as FunctionVersionEntity;
    world.qualifiers.set('v2', { kind: 'version', version: v2 });
    world.qualifiers.set('!live', {
      kind: 'alias',
      alias: {
        name: 'live',
        version: 'v2',
        additionalVersionWeights: {},
        additionalVersionStrategy: {},
      } as unknown as FunctionAliasEntity,
      versions: [v2],
    });
    world.trigger = aTrigger({ qualifier: 'v2' });
    await expect(world.service().fire(tick)).resolves.toBe('invoked');
    world.trigger = aTrigger({ qualifier: '!live' });
    await expect(world.service().fire({ ...tick, scheduledAt: AT + 60_000 })).resolves.toBe('invoked');
    expect(world.dispatched.map((d) => [d.fn.publishedVersion, d.fn.codeDigest, d.opts.alias])).toEqual([
      ['v2', 'v2-digest', undefined],
      ['v2', 'v2-digest', 'live'],
    ]);
  });

  it('skips a tick whose version or alias is gone', async () => {
    const world = new World();
    world.trigger = aTrigger({ qualifier: '!gone' });
    await expect(world.service().fire(tick)).resolves.toBe('skipped');
    expect(world.dispatched).toHaveLength(0);
  });
});
