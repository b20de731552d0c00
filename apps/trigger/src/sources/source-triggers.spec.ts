import { randomBytes, randomUUID } from 'node:crypto';
import { INestApplication, Logger } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { Channel, ChannelModel, connect } from 'amqplib';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  CONTROL_EVENTS,
  disConsumerGroup,
  disStreamKey,
  InvocationJob,
  MAX_TRIGGER_HOPS,
  QUEUES,
  rabbitmqTriggerQueueName,
  TRIGGER_HOP_HEADER,
  RECURSION_STOPPED_MESSAGE,
} from '@ofg/contracts';
import { createDataSource } from '@ofg/data-access';
import { InvocationProducer, redisTransportOptions } from '@ofg/queue';
import { TriggerConfig } from '../config/trigger.config';
import { TriggerModule } from '../trigger.module';
import { SourceLifecycleService } from './source-lifecycle.service';
import { SourceRegistryService } from './source-registry.service';
import { eventually } from './testing/recording-delivery';

/**
 * The whole trigger service on real PostgreSQL, Redis and RabbitMQ: DIS, DMS and RABBITMQ triggers in Postgres
 * become consumers, each message batch one WAIT ledger row plus one invocation job carrying the spec's event, a
 * message at the hop limit a DISCARD row, and control events stop consumers and release what deleted triggers owned.
 * The invocation producer is swapped for one on a test prefix so no real invoker picks these jobs up.
 */
const ADMIN_URL = process.env['TEST_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['SOURCES_REDIS_URL'] ?? 'redis://127.0.0.1:6379/15';
const RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const DB = `ofg_sources_spec_${process.pid}`;
const DATABASE_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const RUN = randomBytes(4).toString('hex');
const PREFIX = `ofg-test-sources-${RUN}`;
const PROJECT = `b1b2c3d4e5f6${RUN}93a4b5c6d7e8f90`.slice(0, 32);
const FUNCTION_ID = randomUUID();
const DIS_TRIGGER = randomUUID();
const DMS_TRIGGER = randomUUID();
const RABBITMQ_TRIGGER = randomUUID();
const STREAM = `clicks-${RUN}`;
const DMS_QUEUE = `ofg-spec-orders-${RUN}`;
const EXCHANGE = `ofg-spec-events-${RUN}`;

jest.setTimeout(60_000);

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
  error_message: string;
}

describe('message and stream triggers (Postgres + Redis + RabbitMQ)', () => {
  let app: INestApplication;
  let db: ReturnType<typeof createDataSource>;
  let redis: Redis;
  let invocationQueue: Queue<InvocationJob>;
  let control: ClientProxy;
  let amqp: ChannelModel;
  let channel: Channel;

  const ledger = async (triggerId: string): Promise<LedgerRow[]> =>
    (await db.query(`SELECT * FROM invocations WHERE trigger_id = $1 ORDER BY created_at`, [
      triggerId,
    ])) as LedgerRow[];
  const jobOf = async (requestId: string) => (await invocationQueue.getJob(requestId))?.data;
  const emit = (triggerId: string, action: 'upsert' | 'delete') =>
    lastValueFrom(control.emit(CONTROL_EVENTS.triggerChanged, { triggerId, projectId: PROJECT, action }), {
      defaultValue: undefined,
    });
  const queueState = async (queue: string) => {
    const probe = await amqp.createChannel();
    probe.on('error', () => undefined);
    try {
      return await probe.checkQueue(queue);
    } catch {
      return undefined;
    } finally {
      await probe.close().catch(() => undefined);
    }
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE ${DB}`);
    db = createDataSource(DATABASE_URL);
    await db.initialize();
    await db.runMigrations();
    await db.query(`INSERT INTO projects (id, name, domain_id) VALUES ($1, 'sources-spec', 'domain-1')`, [
      PROJECT,
    ]);
    await db.query(`INSERT INTO code_packages (digest, size, data) VALUES ('d1', 1, '\\x00')`);
    await db.query(
      `INSERT INTO functions (id, project_id, package, func_name, runtime, handler, memory_size, timeout_s, code_type, code_digest, code_size)
       VALUES ($1, $2, 'default', 'consumer', 'Node.js18.15', 'index.handler', 128, 3, 'zip', 'd1', 1)`,
      [FUNCTION_ID, PROJECT],
    );
    const addTrigger = (id: string, type: string, name: string, eventData: Record<string, unknown>) =>
      db.query(
        `INSERT INTO triggers (id, project_id, function_id, trigger_type_code, trigger_status, name, event_data)
         VALUES ($1, $2, $3, $4, 'ACTIVE', $5, $6)`,
        [id, PROJECT, FUNCTION_ID, type, name, JSON.stringify(eventData)],
      );
    await addTrigger(DIS_TRIGGER, 'DIS', STREAM, {
      stream_name: STREAM,
      sharditerator_type: 'TRIM_HORIZON',
      batch_size: 100,
      polling_interval: 1,
    });
    await addTrigger(DMS_TRIGGER, 'DMS', `${DMS_QUEUE}/g1`, { queue_id: DMS_QUEUE, consumer_group_id: 'g1' });
    await addTrigger(RABBITMQ_TRIGGER, 'RABBITMQ', `/${EXCHANGE}/orders.#/`, {
      exchange_name: EXCHANGE,
      routing_key: 'orders.#',
      batch_size: 3,
      instance_id: 'rmq-1',
    });

    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    amqp = await connect(RABBITMQ_URL);
    channel = await amqp.createChannel();
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
      region: 'eu-test-1',
      timerReconcileIntervalMs: 60_000,
      syncQueueWaitMs: 30_000,
      syncDispatch: 'affinity',
      timerQueuePrefix: PREFIX,
      sources: {
        rabbitmqUrl: RABBITMQ_URL,
        instanceId: `sources-spec-${RUN}`,
        reconcileIntervalMs: 60_000,
        disClaimIdleMs: 60_000,
        rabbitmqBatchWindowMs: 300,
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
    await app.get(SourceLifecycleService).whenStarted();
    control = ClientProxyFactory.create(redisTransportOptions(REDIS_URL));
    await control.connect();
    await eventually(
      () => queueState(DMS_QUEUE),
      (q) => (q?.consumerCount ?? 0) === 1,
      'the DMS consumer',
    );
    await eventually(
      () => queueState(rabbitmqTriggerQueueName(RABBITMQ_TRIGGER)),
      (q) => (q?.consumerCount ?? 0) === 1,
      'the RABBITMQ consumer',
    );
  });

  afterAll(async () => {
    await control?.close();
    await app?.close();
    await invocationQueue?.close();
    if (redis) {
      const keys = [...(await redis.keys(`${PREFIX}:*`)), ...(await redis.keys(`ofg:dis:${PROJECT}:*`))];
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    if (channel) {
      await channel.deleteQueue(DMS_QUEUE);
      await channel.deleteQueue(rabbitmqTriggerQueueName(RABBITMQ_TRIGGER));
      await channel.deleteExchange(EXCHANGE);
    }
    await amqp?.close();
    if (db?.isInitialized) await db.destroy();
    await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  });

  it('runs one consumer per active source trigger', () => {
    expect(app.get(SourceRegistryService).runningIds().sort()).toEqual(
      [DIS_TRIGGER, DMS_TRIGGER, RABBITMQ_TRIGGER].sort(),
    );
  });

  it('DIS: a batch of stream entries becomes one async invocation with the DIS event', async () => {
    const key = disStreamKey(PROJECT, STREAM);
    const ids = [
      (await redis.xadd(key, '*', 'data', '{"click":1}', 'partition_key', 'user-1')) as string,
      (await redis.xadd(key, '*', 'data', '{"click":2}')) as string,
    ];
    const rows = await eventually(
      () => ledger(DIS_TRIGGER),
      (r) => r.flatMap((row) => JSON.parse(row.event).Message.records).length === 2,
      'the DIS invocation(s)',
    );
    const records = rows.flatMap((row) => JSON.parse(row.event).Message.records);
    expect(records).toEqual([
      {
        partition_key: 'user-1',
        data: Buffer.from('{"click":1}').toString('base64'),
        sequence_number: ids[0],
      },
      { partition_key: ids[1], data: Buffer.from('{"click":2}').toString('base64'), sequence_number: ids[1] },
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'WAIT', trigger_type: 'DIS', invoke_type: 'async' });
      expect(JSON.parse(row.event)).toMatchObject({
        ShardID: 'shardId-0000000000',
        Tag: 'latest',
        StreamName: STREAM,
      });
      expect(await jobOf(row.request_id)).toMatchObject({
        invokeType: 'async',
        trigger: { type: 'DIS', id: DIS_TRIGGER, name: STREAM, hop: 1 },
        function: { functionId: FUNCTION_ID, domainId: 'domain-1' },
      });
    }
    await eventually(
      async () => ((await redis.xpending(key, disConsumerGroup(DIS_TRIGGER))) as [number])[0],
      (n) => n === 0,
      'the entries acked',
    );
  });

  it('DMS and RABBITMQ: one invocation per batch with the RabbitMQ envelope; a batch is acked once accepted', async () => {
    for (let i = 0; i < 3; i++)
      channel.publish(EXCHANGE, `orders.created`, Buffer.from(`order-${i}`), { messageId: `o-${RUN}-${i}` });
    channel.publish(EXCHANGE, 'payments.created', Buffer.from('not for this trigger'));
    channel.sendToQueue(DMS_QUEUE, Buffer.from('{"queued":true}'));
    const [rmq] = await eventually(
      () => ledger(RABBITMQ_TRIGGER),
      (r) => r.length === 1,
      'the RABBITMQ invocation',
    );
    expect(JSON.parse(rmq.event)).toEqual({
      event_version: 'v1.0',
      event_time: expect.any(Number),
      trigger_type: 'RABBITMQ',
      region: 'eu-test-1',
      records: [
        {
          messages: ['order-0', 'order-1', 'order-2'],
          instance_id: 'rmq-1',
          exchange: EXCHANGE,
          'x-ofg-hop': 1,
        },
      ],
    });
    expect(await jobOf(rmq.request_id)).toMatchObject({
      trigger: { type: 'RABBITMQ', id: RABBITMQ_TRIGGER, hop: 1 },
    });
    const [dms] = await eventually(
      () => ledger(DMS_TRIGGER),
      (r) => r.length === 1,
      'the DMS invocation',
    );
    expect(JSON.parse(dms.event)).toMatchObject({
      trigger_type: 'DMS',
      region: 'eu-test-1',
      records: [{ messages: ['{"queued":true}'], queue_id: DMS_QUEUE }],
    });
    await eventually(
      () => queueState(rabbitmqTriggerQueueName(RABBITMQ_TRIGGER)),
      (q) => q?.messageCount === 0,
      'nothing left in the trigger queue',
    );
    expect(await ledger(RABBITMQ_TRIGGER)).toHaveLength(1);
  });

  it(`records a message at hop ${MAX_TRIGGER_HOPS} as a stopped recursive loop instead of invoking it`, async () => {
    channel.sendToQueue(DMS_QUEUE, Buffer.from('looping'), {
      messageId: `loop-${RUN}`,
      headers: { [TRIGGER_HOP_HEADER]: MAX_TRIGGER_HOPS },
    });
    const rows = await eventually(
      () => ledger(DMS_TRIGGER),
      (r) => r.length === 2,
      'the DISCARD row',
    );
    const stopped = rows.find((r) => r.status === 'DISCARD') as LedgerRow;
    expect(stopped).toMatchObject({ trigger_type: 'DMS', error_message: RECURSION_STOPPED_MESSAGE });
    expect(JSON.parse(stopped.event).records[0].messages).toEqual(['looping']);
    expect(await jobOf(stopped.request_id)).toBeUndefined();
    const metrics = await (await fetch(`${await app.getUrl()}/metrics`)).text();
    expect(metrics).toMatch(/ofg_trigger_source_recursion_stopped_total\{source="DMS"\} 1/);
    expect(metrics).toMatch(/ofg_trigger_source_invocations_total\{source="RABBITMQ",outcome="invoked"\} 1/);
    expect(metrics).toMatch(/ofg_trigger_source_consumers\{source="DIS"\} 1/);
  });

  it('control events: a disabled trigger stops consuming, a deleted one loses its group and its queue', async () => {
    await db.query(`UPDATE triggers SET trigger_status = 'DISABLED' WHERE id = $1`, [DMS_TRIGGER]);
    await emit(DMS_TRIGGER, 'upsert');
    await eventually(
      () => queueState(DMS_QUEUE),
      (q) => q?.consumerCount === 0,
      'the DMS consumer gone',
    );
    channel.sendToQueue(DMS_QUEUE, Buffer.from('while disabled'));
    await eventually(
      () => queueState(DMS_QUEUE),
      (q) => q?.messageCount === 1,
      'the message kept in the queue',
    );

    await db.query(`UPDATE triggers SET trigger_status = 'ACTIVE' WHERE id = $1`, [DMS_TRIGGER]);
    await emit(DMS_TRIGGER, 'upsert');
    await eventually(
      async () => (await ledger(DMS_TRIGGER)).filter((r) => r.status === 'WAIT').length,
      (n) => n === 2,
      'the kept message invoked once the trigger is active again',
    );

    await db.query(`DELETE FROM triggers WHERE id = ANY($1)`, [[DIS_TRIGGER, RABBITMQ_TRIGGER]]);
    await emit(DIS_TRIGGER, 'delete');
    await emit(RABBITMQ_TRIGGER, 'delete');
    await eventually(
      () => queueState(rabbitmqTriggerQueueName(RABBITMQ_TRIGGER)),
      (q) => q === undefined,
      'the derived queue deleted',
    );
    await eventually(
      async () => (await redis.xinfo('GROUPS', disStreamKey(PROJECT, STREAM))) as unknown[],
      (groups) => groups.length === 0,
      'the consumer group destroyed',
    );
    expect(app.get(SourceRegistryService).runningIds()).toEqual([DMS_TRIGGER]);
  });
});
