import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { InvocationReply, QUEUES } from '@ofg/contracts';
import {
  createDataSource,
  FunctionEntity,
  FunctionRepository,
  InvocationRepository,
  toFunctionSnapshot,
} from '@ofg/data-access';
import { HealthRegistry } from '@ofg/observability';
import { createRedisConnection, InvocationProducer, ReplyBus } from '@ofg/queue';
import {
  SecretCipher,
  TokenService,
  functionEnvAad,
  hashSecurityToken,
  temporaryCredentialSecretAad,
} from '@ofg/security';
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
const MASTER_KEY = randomBytes(32).toString('hex');

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
      OFG_MASTER_KEY: MASTER_KEY,
      FUNCTION_API_ENDPOINT: 'http://172.19.0.1:8080/',
      INVOKER_ID: `spec-invoker-${process.pid}`,
      CODE_CACHE_DIR: cacheDir,
      WORKER_CONCURRENCY: '4',
      LOG_LEVEL: 'warn',
      // These cases count container starts; the prewarm pool has its own tests.
      PREWARM_POOL_SIZE: '0',
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

  it('decrypts encrypted variables into the init env only, and hands an agency its temporary credentials', async () => {
    const secret = `s3cr3t-${randomBytes(6).toString('hex')}`;
    const cipher = new SecretCipher(MASTER_KEY);
    const id = randomUUID();
    const ds = createDataSource(DATABASE_URL);
    await ds.initialize();
    try {
      const zip = await zipOf({ 'index.js': 'exports.handler = async () => 2;' });
      const digest = createHash('sha512').update(zip).digest('hex');
      const agencyFn = await new FunctionRepository(ds).createWithCode(
        {
          id,
          projectId: PROJECT,
          package: 'default',
          funcName: 'with-agency',
          runtime: 'Node.js20.15',
          handler: 'index.handler',
          memorySize: 128,
          timeoutS: 3,
          codeType: 'zip',
          codeDigest: digest,
          codeSize: zip.length,
          userData: '{"PLAIN":"p","SECRET_X":"overridden"}',
          encryptedUserData: cipher.encrypt(JSON.stringify({ SECRET_X: secret }), functionEnvAad(id)),
          xrole: 'fgs_agency',
        },
        { digest, data: zip },
      );
      const snapshot = toFunctionSnapshot(agencyFn, 'local', DOMAIN);
      expect(JSON.stringify(snapshot)).not.toContain(secret);
      expect(snapshot.hasEncryptedUserData).toBe(true);

      for (let i = 0; i < 2; i++) {
        const requestId = randomUUID();
        const reply = replies.expect(requestId, 10_000);
        await producer.enqueue({
          requestId,
          projectId: PROJECT,
          invokeType: 'sync',
          function: snapshot,
          event: '{}',
          logType: 'none',
          replyTo: replies.channel,
          deadline: Date.now() + 10_000,
          enqueuedAt: Date.now(),
        });
        expect(await reply).toMatchObject({ outcome: 'success' });
      }

      const container = [...runtime.containers.values()].find(
        (c) => c.spec.labels['io.openfunctiongraph.function-urn'] === snapshot.funcUrn,
      )!;
      const env = container.bootstrap.initRequest!.env;
      expect(env).toMatchObject({ PLAIN: 'p', SECRET_X: secret, OFG_API_ENDPOINT: 'http://172.19.0.1:8080' });
      expect(JSON.parse(env['RUNTIME_USERDATA'])).toEqual({ PLAIN: 'p', SECRET_X: secret });
      // Docker's own environment (visible to `docker inspect`) never carries it.
      expect(JSON.stringify(container.spec)).not.toContain(secret);

      const [first, second] = container.bootstrap.invokeRequests.map((r) => r.credentials!);
      expect(second).toEqual(first);
      expect(first.accessKey).toMatch(/^[A-Z0-9]{20}$/);
      const rows: Array<Record<string, unknown>> = await ds.query(
        `SELECT * FROM temporary_credentials WHERE access_key = $1`,
        [first.accessKey],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        project_id: PROJECT,
        principal: 'agency:fgs_agency',
        security_token_hash: hashSecurityToken(first.securityToken),
      });
      expect(String(rows[0]['secret_key_ciphertext'])).not.toContain(first.secretKey);
      expect(
        cipher.decrypt(
          String(rows[0]['secret_key_ciphertext']),
          temporaryCredentialSecretAad(first.accessKey),
        ),
      ).toBe(first.secretKey);
      const hoursLeft = ((rows[0]['expires_at'] as Date).getTime() - Date.now()) / 3_600_000;
      expect(hoursLeft).toBeGreaterThan(23.9);
      expect(hoursLeft).toBeLessThanOrEqual(24);
      expect(new TokenService(MASTER_KEY).verify(first.authToken!)).toMatchObject({
        userId: 'agency:fgs_agency',
        projectId: PROJECT,
        domainId: DOMAIN,
      });

      // The function without an agency got no credentials at all.
      const plain = [...runtime.containers.values()].find(
        (c) => c !== container && c.bootstrap.invokeRequests.length,
      );
      expect(plain?.bootstrap.invokeRequests.every((r) => r.credentials === undefined)).toBe(true);
    } finally {
      await ds.destroy();
    }
  });

  it('pauses while the engine is unreachable, leaving jobs queued for other invokers, and resumes after', async () => {
    const health = app.get(HealthRegistry);
    runtime.engineDown = true;
    try {
      const paused = await eventually(
        () => health.run(),
        (h) => h.checks['worker']?.status === 'down',
        10_000,
      );
      expect(paused.checks['worker']).toEqual({
        status: 'down',
        error: 'paused: the container engine is unreachable (docker: fake engine is down)',
      });

      const requestId = randomUUID();
      const reply: Promise<InvocationReply> = replies.expect(requestId, 20_000);
      await producer.enqueue({
        requestId,
        projectId: PROJECT,
        invokeType: 'sync',
        function: toFunctionSnapshot(fn, 'local', DOMAIN),
        event: '{"c":3}',
        logType: 'none',
        replyTo: replies.channel,
        deadline: Date.now() + 20_000,
        enqueuedAt: Date.now(),
      });
      const connection = createRedisConnection(REDIS_URL, 'producer');
      const queue = new Queue(QUEUES.invocations, { connection });
      try {
        // A running worker takes a job within milliseconds; the paused one leaves it queued.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(await queue.getJobState(requestId)).toBe('waiting');
      } finally {
        await queue.close();
        connection.disconnect();
      }

      runtime.engineDown = false;
      expect(await reply).toMatchObject({ requestId, outcome: 'success', result: 'echo {"c":3}' });
      expect(await health.run()).toMatchObject({ ok: true });
    } finally {
      runtime.engineDown = false;
    }
  }, 30_000);
});
