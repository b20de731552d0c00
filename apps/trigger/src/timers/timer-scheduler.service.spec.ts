import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { QUEUES } from '@ofg/contracts';
import type { TickOutcome, TimerTick } from './timer-firing.service';
import { TimerSchedulerService } from './timer-scheduler.service';
import { TimerTickProcessor } from './timer-tick.processor';
import { TimerTriggerRecord, TimerTriggerSource } from './timer-trigger.source';
import { TimerQueue } from './timer.queue';

/**
 * Integration: real Redis on REDIS_URL (default 127.0.0.1:6379), a BullMQ prefix of its own per test, and a fake
 * trigger source in place of Postgres. Every wait is bounded; every key under the prefix is deleted afterwards.
 */
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
jest.setTimeout(20_000);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(50);
  }
  return condition();
}

class FakeTimerSource implements TimerTriggerSource {
  readonly rows = new Map<string, TimerTriggerRecord>();
  /** Ids findTimer knows but listTimers does not yet (a trigger created while a reconcile runs). */
  readonly hiddenFromList = new Set<string>();

  put(
    id: string,
    schedule: { type: 'Rate' | 'Cron'; value: string },
    status: 'ACTIVE' | 'DISABLED' = 'ACTIVE',
  ): void {
    this.rows.set(id, {
      id,
      projectId: 'project-1',
      triggerStatus: status,
      eventData: { name: `timer_${id.slice(0, 4)}`, schedule_type: schedule.type, schedule: schedule.value },
    });
  }

  async findTimer(id: string): Promise<TimerTriggerRecord | null> {
    return this.rows.get(id) ?? null;
  }

  async listTimers(): Promise<TimerTriggerRecord[]> {
    return [...this.rows.values()].filter((r) => !this.hiddenFromList.has(r.id));
  }
}

/** Records every tick a processor hands over, with the job id BullMQ gave it. */
class RecordingHandler {
  readonly ticks: (TimerTick & { worker: string; at: number })[] = [];
  constructor(private readonly worker: string) {}

  async fire(tick: TimerTick): Promise<TickOutcome> {
    this.ticks.push({ ...tick, worker: this.worker, at: Date.now() });
    return 'invoked';
  }
}

let testNo = 0;
const ids = {
  a: '11111111-1111-4111-8111-111111111111',
  b: '22222222-2222-4222-8222-222222222222',
  c: '33333333-3333-4333-8333-333333333333',
};

describe('TimerSchedulerService (Redis)', () => {
  let prefix: string;
  let admin: Redis;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    prefix = `ofg-test-trigger-${process.pid}-${Date.now()}-${++testNo}`;
    admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0' && ++rounds < 1000);
    admin.disconnect();
  });

  function aQueue(): TimerQueue {
    const queue = new TimerQueue(REDIS_URL, prefix);
    closers.push(() => queue.close());
    return queue;
  }

  function aScheduler(source: TimerTriggerSource, queue = aQueue()): TimerSchedulerService {
    return new TimerSchedulerService(queue, source);
  }

  function aProcessor(handler: RecordingHandler): TimerTickProcessor {
    const processor = new TimerTickProcessor(handler, {
      redisUrl: REDIS_URL,
      prefix,
      concurrency: 16,
      drainTimeoutMs: 2000,
    });
    closers.push(() => processor.close());
    return processor;
  }

  it('keeps one scheduler per trigger when several replicas upsert it', async () => {
    const source = new FakeTimerSource();
    source.put(ids.a, { type: 'Cron', value: '0 0 3 * * *' });
    const replica1 = aScheduler(source);
    const replica2 = aScheduler(source);

    const concurrent = await Promise.all([
      replica1.reconcileTrigger(ids.a),
      replica2.reconcileTrigger(ids.a),
    ]);
    expect(concurrent).toContain('created');
    await expect(replica2.reconcileTrigger(ids.a)).resolves.toBe('unchanged');
    await expect(replica1.reconcileAll()).resolves.toMatchObject({ unchanged: 1, created: 0, removed: 0 });

    const queue = aQueue();
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual([ids.a]);
    expect(schedulers[0]).toMatchObject({
      pattern: '0 0 3 * * *',
      template: { data: { triggerId: ids.a, projectId: 'project-1' } },
    });
    expect(await queue.getDelayedCount()).toBe(1);
  });

  it('turns a */1 seconds cron into one tick per second, each handled once across two workers', async () => {
    const source = new FakeTimerSource();
    source.put(ids.a, { type: 'Cron', value: '*/1 * * * * *' });
    const w1 = new RecordingHandler('w1');
    const w2 = new RecordingHandler('w2');
    aProcessor(w1).start();
    aProcessor(w2).start();
    const scheduler = aScheduler(source);

    const startedAt = Date.now();
    await expect(scheduler.reconcileTrigger(ids.a)).resolves.toBe('created');
    await sleep(4600);
    // A second replica reconciling mid-run must neither add a scheduler nor disturb the cadence.
    await expect(aScheduler(source).reconcileAll()).resolves.toMatchObject({ unchanged: 1 });
    await sleep(600);
    await expect(scheduler.reconcileTrigger(ids.a)).resolves.toBe('unchanged');
    source.put(ids.a, { type: 'Cron', value: '*/1 * * * * *' }, 'DISABLED');
    await scheduler.reconcileTrigger(ids.a);
    const elapsed = Date.now() - startedAt;
    await sleep(300);

    const ticks = [...w1.ticks, ...w2.ticks].sort((x, y) => x.scheduledAt - y.scheduledAt);
    const scheduled = ticks.map((t) => t.scheduledAt);
    expect(new Set(scheduled).size).toBe(scheduled.length);
    expect(ticks.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 1000) - 1);
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
    for (const t of scheduled) expect(t % 1000).toBe(0);
    for (let i = 1; i < scheduled.length; i++) expect(scheduled[i] - scheduled[i - 1]).toBe(1000);
    for (const t of ticks) {
      expect(t.triggerId).toBe(ids.a);
      expect(t.at - t.scheduledAt).toBeLessThan(1000);
    }
  });

  it('removes the scheduler when its trigger is disabled or deleted', async () => {
    const source = new FakeTimerSource();
    source.put(ids.a, { type: 'Rate', value: '1m' });
    const scheduler = aScheduler(source);
    const queue = aQueue();
    await expect(scheduler.reconcileTrigger(ids.a)).resolves.toBe('created');
    expect(await queue.getJobSchedulersCount()).toBe(1);

    source.put(ids.a, { type: 'Rate', value: '1m' }, 'DISABLED');
    await expect(scheduler.reconcileTrigger(ids.a)).resolves.toBe('removed');
    expect(await queue.getJobSchedulersCount()).toBe(0);
    expect(await queue.getDelayedCount()).toBe(0);

    source.put(ids.a, { type: 'Rate', value: '1m' });
    await expect(scheduler.reconcileTrigger(ids.a)).resolves.toBe('created');
    source.rows.delete(ids.a);
    await expect(scheduler.reconcileTrigger(ids.a)).resolves.toBe('removed');
    await expect(scheduler.reconcileTrigger(ids.a)).resolves.toBe('absent');
    expect(await queue.getJobSchedulersCount()).toBe(0);
  });

  it('replaces the schedule when the trigger changes, and drops one that became unusable', async () => {
    const source = new FakeTimerSource();
    source.put(ids.a, { type: 'Cron', value: '0 0 3 * * *' });
    const scheduler = aScheduler(source);
    const queue = aQueue();
    await scheduler.reconcileTrigger(ids.a);

    source.put(ids.a, { type: 'Cron', value: 'CRON_TZ=Asia/Shanghai 0 30 8 * * MON-FRI' });
    await expect(scheduler.reconcileTrigger(ids.a)).resolves.toBe('updated');
    const [updated] = await queue.getJobSchedulers();
    expect(updated).toMatchObject({ key: ids.a, pattern: '0 30 8 * * MON-FRI', tz: 'Asia/Shanghai' });
    expect(await queue.getDelayedCount()).toBe(1);

    source.put(ids.a, { type: 'Cron', value: '0 0 0 30 2 *' });
    await expect(scheduler.reconcileTrigger(ids.a)).resolves.toBe('invalid');
    expect(await queue.getJobSchedulersCount()).toBe(0);
  });

  it('reconcileAll creates missing schedulers, removes orphans and keeps triggers created meanwhile', async () => {
    const source = new FakeTimerSource();
    const scheduler = aScheduler(source);
    // Schedulers left over from triggers deleted while no control event got through.
    source.put(ids.b, { type: 'Rate', value: '5m' });
    source.put(ids.c, { type: 'Rate', value: '5m' });
    await scheduler.reconcileTrigger(ids.b);
    await scheduler.reconcileTrigger(ids.c);
    source.rows.delete(ids.b);
    // ids.c is missing from the list (created after it was taken) but exists: its scheduler must survive.
    source.hiddenFromList.add(ids.c);
    source.put(ids.a, { type: 'Cron', value: '0 */5 * * *' });

    await expect(scheduler.reconcileAll()).resolves.toEqual({
      created: 1,
      updated: 0,
      unchanged: 1,
      removed: 1,
      absent: 0,
      invalid: 0,
      failed: 0,
    });
    expect((await scheduler.schedulerIds()).sort()).toEqual([ids.a, ids.c]);
  });

  it('observes BullMQ running a new every-scheduler at once, and fires a fixed rate only one interval after creation', async () => {
    // Raw BullMQ: the first job of `{ every }` has delay 0 and runs immediately.
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    closers.push(async () => connection.disconnect());
    const raw = new Queue(QUEUES.timers, { connection, prefix });
    closers.push(() => raw.close());
    const seenRaw: number[] = [];
    const rawWorker = new Worker(QUEUES.timers, async () => void seenRaw.push(Date.now()), {
      connection,
      prefix,
    });
    closers.push(() => rawWorker.close());
    const rawStart = Date.now();
    const firstJob = await raw.upsertJobScheduler('raw-every', { every: 1500 }, { name: 'tick', data: {} });
    expect(firstJob?.opts.delay).toBe(0);
    expect(await waitFor(() => seenRaw.length > 0, 1000)).toBe(true);
    expect(seenRaw[0] - rawStart).toBeLessThan(1000);
    await raw.removeJobScheduler('raw-every');
    await rawWorker.close();

    // This service: `@every 2s` first fires about 2 s after the trigger is created, then every 2 s.
    const source = new FakeTimerSource();
    source.put(ids.a, { type: 'Cron', value: '@every 2s' });
    const handler = new RecordingHandler('w1');
    aProcessor(handler).start();
    const createdAt = Date.now();
    await aScheduler(source).reconcileTrigger(ids.a);
    await sleep(1500);
    expect(handler.ticks).toHaveLength(0);
    expect(await waitFor(() => handler.ticks.length >= 2, 4000)).toBe(true);
    expect(handler.ticks[0].scheduledAt - createdAt).toBeGreaterThanOrEqual(1900);
    expect(handler.ticks[0].scheduledAt - createdAt).toBeLessThan(2500);
    expect(handler.ticks[1].scheduledAt - handler.ticks[0].scheduledAt).toBe(2000);
  });
});
