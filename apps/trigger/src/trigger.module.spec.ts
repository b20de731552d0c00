import { INestApplication, Logger } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { CONTROL_EVENTS, InvocationJob, QUEUES, TimerTickJob, TriggerChangedEvent } from '@ofg/contracts';
import { createDataSource } from '@ofg/data-access';
import { InvocationProducer } from '@ofg/queue';
import { TriggerConfig } from './config/trigger.config';
import { redisTransportOptions } from '@ofg/queue';
import { timerRequestId } from './timers/timer-event.mapper';
import { SourceLifecycleService } from './sources/source-lifecycle.service';
import { TimerLifecycleService } from './timers/timer-lifecycle.service';
import { TimerQueue } from './timers/timer.queue';
import { TriggerModule } from './trigger.module';

/**
 * The whole service on real PostgreSQL (a database of its own) and Redis (a BullMQ prefix of its own): a TIMER
 * trigger in Postgres becomes WAIT ledger rows plus invocation jobs, a re-delivered tick adds nothing, and a
 * control event after disabling removes the scheduler. The invocation producer is swapped for one on the test
 * prefix so no real invoker can pick these jobs up.
 */
const ADMIN_URL = process.env['TEST_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DB = `ofg_trigger_spec_${process.pid}`;
const DATABASE_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const PREFIX = `ofg-test-trigger-app-${process.pid}-${Date.now()}`;
const PROJECT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const FUNCTION_ID = '5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const TRIGGER_ID = '0b9c6a4e-1f4e-4d1c-8a57-6d0f5a1f2b3c';

jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await probe();
  }
  return value;
}

async function adminQuery(sql: string): Promise<void> {
  const admin = createDataSource(ADMIN_URL);
  await admin.initialize();
  try {
    await admin.query(sql);
  } finally {
    await admin.destroy();
  }
}

interface LedgerRow {
  request_id: string;
  status: string;
  trigger_type: string;
  trigger_id: string;
  invoke_type: string;
  event: string;
}

describe('trigger service (Postgres + Redis)', () => {
  let app: INestApplication;
  let db: ReturnType<typeof createDataSource>;
  let redis: Redis;
  let invocationQueue: Queue<InvocationJob>;
  let control: ClientProxy;
  let baseUrl: string;

  const ledger = async (): Promise<LedgerRow[]> =>
    (await db.query(`SELECT * FROM invocations WHERE trigger_id = $1 ORDER BY created_at`, [
      TRIGGER_ID,
    ])) as LedgerRow[];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE ${DB}`);
    db = createDataSource(DATABASE_URL);
    await db.initialize();
    await db.runMigrations();
    await db.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, 'trigger-spec', 'domain-1')`, [
      PROJECT,
    ]);
    await db.query(`INSERT INTO code_packages (digest, size, data) VALUES ('d1', 1, '\\x00')`);
    await db.query(
      `INSERT INTO functions (id, project_id, package, func_name, runtime, handler, memory_size, timeout_s, code_type, code_digest, code_size)
       VALUES ($1, $2, 'default', 'ticker', 'Node.js18.15', 'index.handler', 128, 3, 'zip', 'd1', 1)`,
      [FUNCTION_ID, PROJECT],
    );
    await db.query(
      `INSERT INTO triggers (id, project_id, function_id, trigger_type_code, trigger_status, name, event_data)
       VALUES ($1, $2, $3, 'TIMER', 'ACTIVE', 'every-second', $4)`,
      [
        TRIGGER_ID,
        PROJECT,
        FUNCTION_ID,
        JSON.stringify({
          name: 'every-second',
          schedule_type: 'Cron',
          schedule: '*/1 * * * * *',
          user_event: 'payload',
        }),
      ],
    );

    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    invocationQueue = new Queue<InvocationJob>(QUEUES.invocations, { connection: redis, prefix: PREFIX });
    const producer = {
      queue: invocationQueue,
      enqueue: async (job: InvocationJob) => {
        await invocationQueue.add('invoke', job, { jobId: job.requestId });
      },
      close: async () => undefined,
    };
    const config: TriggerConfig = {
      databaseUrl: DATABASE_URL,
      redisUrl: REDIS_URL,
      port: 0,
      region: 'local',
      timerReconcileIntervalMs: 60_000,
      syncQueueWaitMs: 30_000,
      syncDispatch: 'affinity',
      timerQueuePrefix: PREFIX,
      sources: {
        rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:5672',
        instanceId: 'trigger-module-spec',
        reconcileIntervalMs: 60_000,
        disClaimIdleMs: 60_000,
        rabbitmqBatchWindowMs: 100,
      },
    };
    const moduleRef = await Test.createTestingModule({ imports: [TriggerModule.forRoot(config)] })
      .overrideProvider(InvocationProducer)
      .useValue(producer)
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.connectMicroservice(redisTransportOptions(REDIS_URL));
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    await app.get(TimerLifecycleService).whenStarted();
    await app.get(SourceLifecycleService).whenStarted();

    control = ClientProxyFactory.create(redisTransportOptions(REDIS_URL));
    await control.connect();
  });

  afterAll(async () => {
    await control?.close();
    await app?.close();
    await invocationQueue?.close();
    if (redis) {
      let cursor = '0';
      let rounds = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 500);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0' && ++rounds < 1000);
      redis.disconnect();
    }
    if (db?.isInitialized) await db.destroy();
    await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  });

  it('reports ready once Postgres, Redis and the timer worker are up', async () => {
    const res = await fetch(`${baseUrl}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'up',
      checks: {
        postgres: { status: 'up' },
        redis: { status: 'up' },
        'timer-worker': { status: 'up' },
        'event-sources': { status: 'up' },
      },
    });
  });

  it('turns each tick of an active TIMER trigger into one async invocation with the timer event', async () => {
    const rows = await waitFor(ledger, (r) => r.length >= 2, 5000);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'WAIT', trigger_type: 'TIMER', invoke_type: 'async' });
      const event = JSON.parse(row.event) as Record<string, string>;
      expect(event).toMatchObject({
        version: 'v1.0',
        trigger_type: 'TIMER',
        trigger_name: 'every-second',
        user_event: 'payload',
      });
      const scheduledAt = Date.parse(event['time']);
      expect(scheduledAt % 1000).toBe(0);
      expect(row.request_id).toBe(timerRequestId(TRIGGER_ID, scheduledAt));
    }
    const jobs = await invocationQueue.getJobs(['waiting', 'delayed', 'prioritized']);
    const jobIds = new Set(jobs.map((j) => j.id));
    for (const row of rows) expect(jobIds.has(row.request_id)).toBe(true);
    const job = jobs.find((j) => j.id === rows[0].request_id) as Job<InvocationJob>;
    expect(job.data).toMatchObject({
      invokeType: 'async',
      projectId: PROJECT,
      trigger: { type: 'TIMER', id: TRIGGER_ID, name: 'every-second' },
      function: { functionId: FUNCTION_ID, domainId: 'domain-1' },
    });
  });

  it('does not invoke again when a tick is delivered twice', async () => {
    const [first] = await ledger();
    const scheduledAt = Date.parse((JSON.parse(first.event) as { time: string }).time);
    const timers = app.get<Queue<TimerTickJob>>(TimerQueue);
    // The original tick job was removed on completion, so the same job id can be delivered again.
    await timers.add(
      'tick',
      { triggerId: TRIGGER_ID, projectId: PROJECT },
      { jobId: `repeat:${TRIGGER_ID}:${scheduledAt}`, removeOnComplete: true },
    );
    const metrics = await waitFor(
      async () => (await fetch(`${baseUrl}/metrics`)).text(),
      (text) => /ofg_timer_ticks_total\{outcome="duplicate"\} [1-9]/.test(text),
      3000,
    );
    expect(metrics).toMatch(/ofg_timer_ticks_total\{outcome="duplicate"\} [1-9]/);
    expect(metrics).toMatch(/ofg_timer_ticks_total\{outcome="invoked"\} [1-9]/);
    const rows = await ledger();
    expect(rows.filter((r) => r.request_id === first.request_id)).toHaveLength(1);
  });

  it('applies control events: a changed schedule is rescheduled, a disabled trigger loses its scheduler', async () => {
    const timers = app.get<Queue<TimerTickJob>>(TimerQueue);
    const emit = (action: TriggerChangedEvent['action']) =>
      lastValueFrom(
        control.emit(CONTROL_EVENTS.triggerChanged, { triggerId: TRIGGER_ID, projectId: PROJECT, action }),
        {
          defaultValue: undefined,
        },
      );
    expect(await timers.getJobSchedulersCount()).toBe(1);

    // Only the control event can move the pattern: the periodic reconcile is a minute away.
    await db.query(`UPDATE triggers SET event_data = $2 WHERE id = $1`, [
      TRIGGER_ID,
      JSON.stringify({ name: 'every-second', schedule_type: 'Cron', schedule: '0 0 3 * * *' }),
    ]);
    await emit('upsert');
    const rescheduled = await waitFor(
      () => timers.getJobScheduler(TRIGGER_ID),
      (s) => s?.pattern === '0 0 3 * * *',
      5000,
    );
    expect(rescheduled?.pattern).toBe('0 0 3 * * *');

    await db.query(`UPDATE triggers SET trigger_status = 'DISABLED' WHERE id = $1`, [TRIGGER_ID]);
    await emit('upsert');
    expect(
      await waitFor(
        () => timers.getJobSchedulersCount(),
        (n) => n === 0,
        5000,
      ),
    ).toBe(0);
    const settled = (await ledger()).length;
    await sleep(1500);
    expect(await ledger()).toHaveLength(settled);
  });
});
