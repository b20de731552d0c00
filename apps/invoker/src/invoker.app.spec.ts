import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { InvocationReply } from '@ofg/contracts';
import {
  createDataSource,
  FunctionEntity,
  FunctionRepository,
  InvocationRepository,
  toFunctionSnapshot,
} from '@ofg/data-access';
import { HealthRegistry } from '@ofg/observability';
import { createRedisConnection, InvocationProducer, ReplyBus } from '@ofg/queue';
import { FakeContainerRuntime, zipOf } from '@ofg/testing';
import { loadInvokerConfig } from './config/invoker.config';
import { createInvokerApp } from './invoker.app';
import { InvocationProcessor } from './processors/invocation.processor';

/**
 * The composed invoker against the real Postgres, Redis and BullMQ of the test machine, with a fake container engine:
 * the gateway's own producer and reply bus talk to it.
 */
const ADMIN_URL = process.env['INVOKER_SPEC_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'ofg_invoker_spec';
const DATABASE_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DATABASE}`);
const REDIS_URL = process.env['INVOKER_SPEC_REDIS_URL'] ?? 'redis://127.0.0.1:6379/12';
const PROJECT = randomBytes(16).toString('hex');
const DOMAIN = randomBytes(16).toString('hex');

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('invoker app (Postgres + Redis + BullMQ, fake engine)', () => {
  let app: INestApplication;
  let runtime: FakeContainerRuntime;
  let producer: InvocationProducer;
  let replies: ReplyBus;
  let fn: FunctionEntity;
  let cacheDir: string;
  let whileEngineDown: { running: boolean; health: Awaited<ReturnType<HealthRegistry['run']>> };

  beforeAll(async () => {
    const admin = createDataSource(ADMIN_URL);
    await admin.initialize();
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DATABASE,
    ])) as unknown[];
    if (exists.length === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.destroy();
    const ds = createDataSource(DATABASE_URL);
    await ds.initialize();
    await ds.runMigrations({ transaction: 'all' });
    await ds.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, $2, $3)`, [
      PROJECT,
      `spec-${PROJECT}`,
      DOMAIN,
    ]);
    const zip = await zipOf({ 'index.js': 'exports.handler = async () => 1;' });
    fn = await new FunctionRepository(ds).createWithCode(
      {
        projectId: PROJECT,
        package: 'default',
        funcName: 'echo',
        runtime: 'Node.js20.15',
        handler: 'index.handler',
        memorySize: 128,
        timeoutS: 3,
        codeType: 'zip',
        codeDigest: createHash('sha512').update(zip).digest('hex'),
        codeSize: zip.length,
      },
      { digest: createHash('sha512').update(zip).digest('hex'), data: zip },
    );
    await ds.destroy();

    cacheDir = await mkdtemp(join(tmpdir(), 'ofg-invoker-spec-'));
    runtime = new FakeContainerRuntime({
      invoke: (req) => ({
        status: 'success',
        result: `echo ${req.event}`,
        log: 'spec log\n',
        durationMs: 4.2,
        memoryUsedMb: 11,
      }),
    });
    const config = loadInvokerConfig({
      DATABASE_URL,
      REDIS_URL,
      INVOKER_ID: `spec-invoker-${process.pid}`,
      CODE_CACHE_DIR: cacheDir,
      WORKER_CONCURRENCY: '4',
      LOG_LEVEL: 'warn',
    });
    app = await createInvokerApp({ config, containerRuntime: runtime });
    app.useLogger(false);
    // The engine is down at boot: the worker must wait for it.
    runtime.engineDown = true;
    await app.init();
    await new Promise((resolve) => setTimeout(resolve, 600));
    whileEngineDown = {
      running: app.get(InvocationProcessor).running,
      health: await app.get(HealthRegistry).run(),
    };
    runtime.engineDown = false;
    await app.get(InvocationProcessor).whenStarted();

    producer = new InvocationProducer(createRedisConnection(REDIS_URL, 'producer'));
    replies = new ReplyBus(createRedisConnection(REDIS_URL, 'blocking'));
    await replies.start();
  }, 60_000);

  afterAll(async () => {
    await replies?.stop();
    await producer?.close();
    await app?.close();
    await runtime?.dispose();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('starts its worker only once Postgres, Redis and the engine answer', async () => {
    expect(whileEngineDown.running).toBe(false);
    expect(whileEngineDown.health.ok).toBe(false);
    expect(whileEngineDown.health.checks).toMatchObject({
      postgres: { status: 'up' },
      redis: { status: 'up' },
      docker: { status: 'down' },
      worker: { status: 'down' },
    });
    expect(app.get(InvocationProcessor).running).toBe(true);
    expect(await app.get(HealthRegistry).run()).toMatchObject({ ok: true });
  });

  it('answers a sync job on the reply channel and records it off the hot path', async () => {
    const requestId = randomUUID();
    const reply: Promise<InvocationReply> = replies.expect(requestId, 10_000);

    await producer.enqueue({
      requestId,
      projectId: PROJECT,
      invokeType: 'sync',
      function: toFunctionSnapshot(fn, 'local', DOMAIN),
      event: '{"a":1}',
      logType: 'tail',
      replyTo: replies.channel,
      deadline: Date.now() + 10_000,
      enqueuedAt: Date.now(),
    });

    expect(await reply).toMatchObject({
      requestId,
      outcome: 'success',
      result: 'echo {"a":1}',
      log: 'spec log\n',
      durationMs: 4.2,
      billingDurationMs: 5,
      memorySizeMb: 128,
      startKind: 'cold',
      invokerId: `spec-invoker-${process.pid}`,
    });
    const invocations = app.get(InvocationRepository);
    const row = await eventually(
      () => invocations.findOne(PROJECT, requestId),
      (r) => r !== null,
    );
    expect(row).toMatchObject({
      status: 'SUCCESS',
      invokeType: 'sync',
      functionId: fn.id,
      result: 'echo {"a":1}',
      startKind: 'cold',
    });
  });

  it('runs an async job through the ledger: WAIT → RUNNING → SUCCESS', async () => {
    const requestId = randomUUID();
    const invocations = app.get(InvocationRepository);
    await invocations.insertWaiting({
      requestId,
      projectId: PROJECT,
      functionId: fn.id,
      qualifier: 'latest',
      invokeType: 'async',
      event: '{"b":2}',
    });

    await producer.enqueue({
      requestId,
      projectId: PROJECT,
      invokeType: 'async',
      function: toFunctionSnapshot(fn, 'local', DOMAIN),
      event: '{"b":2}',
      logType: 'none',
      enqueuedAt: Date.now(),
    });

    const row = await eventually(
      () => invocations.findOne(PROJECT, requestId),
      (r) => r?.status === 'SUCCESS',
    );
    expect(row).toMatchObject({
      status: 'SUCCESS',
      attempt: 1,
      result: 'echo {"b":2}',
      startKind: 'warm',
      invokerId: `spec-invoker-${process.pid}`,
    });
    expect(runtime.startCalls).toBe(1);
  });
});
