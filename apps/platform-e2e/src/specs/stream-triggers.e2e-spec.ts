import { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  CreateFunctionTriggerRequest,
  CreateFunctionTriggerRequestBody,
  TriggerEventDataRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { Channel, ChannelModel, connect } from 'amqplib';
import Redis from 'ioredis';
import { Client } from 'pg';
import {
  disConsumerGroup,
  disStreamKey,
  DisTriggerEvent,
  rabbitmqTriggerQueueName,
  RabbitmqTriggerEvent,
} from '@ofg/contracts';
import { readStack, startApp, waitForOk, writeStack } from '@ofg/testing';
import { FgsClient } from '../support/fgs-client';
import { deployFunction } from '../support/functions';
import { isAlive, pollUntil, stackPidsWhere } from '../support/processes';
import { officialSdkClient } from '../support/sdk';

/** Answers with the event it was given, so the ledger's result shows exactly what the function received. */
const ECHO = `exports.handler = async (event) => event;`;

const RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

interface Row {
  request_id: string;
  status: string;
  event: string;
  result: string | null;
  error_message: string;
}

/** One line of figures in the test output (not an assertion: timings belong to bench/). */
const report = (line: string): boolean => process.stdout.write(`[stream-triggers] ${line}\n`);

/** How often each message appears across a trigger's invocations: every one at least once, and the repeats. */
function tally(rows: Row[], messagesOf: (event: unknown) => string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const row of rows)
    for (const m of messagesOf(JSON.parse(row.event))) seen.set(m, (seen.get(m) ?? 0) + 1);
  return seen;
}

const disMessages = (event: unknown): string[] =>
  (event as DisTriggerEvent).Message.records.map((r) => Buffer.from(r.data, 'base64').toString());
const amqpMessages = (event: unknown): string[] => (event as RabbitmqTriggerEvent).records[0].messages;

describe('message and stream triggers: DIS on Redis Streams, DMS and RABBITMQ on RabbitMQ', () => {
  const http = new FgsClient();
  const stack = http.stack;
  const sdk = officialSdkClient(stack);
  const suffix = Date.now().toString(36);
  let db: Client;
  let redis: Redis;
  let amqp: ChannelModel;
  let channel: Channel;
  let urn: string;
  let triggerEnv: Record<string, string>;
  let triggerService: ChildProcess;
  /** Broker objects this spec made (the broker outlives the stack), removed at the end. */
  const queues = new Set<string>();
  const exchanges = new Set<string>();

  /** Accepted invocations of a trigger (a row DISCARDed because its enqueue failed never ran). */
  const rowsOf = async (triggerId: string): Promise<Row[]> =>
    (
      await db.query<Row>(
        `SELECT request_id, status, event, result, error_message FROM invocations
          WHERE trigger_id = $1 AND NOT (status = 'DISCARD' AND error_message LIKE 'not accepted%')`,
        [triggerId],
      )
    ).rows;

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

  /** A trigger of the function through the official SDK; its id. */
  async function createTrigger(type: string, data: Record<string, unknown>): Promise<string> {
    const body = new CreateFunctionTriggerRequestBody()
      .withTriggerTypeCode(type)
      .withTriggerStatus('ACTIVE')
      .withEventData(Object.assign(new TriggerEventDataRequestBody(), data));
    const res = (await sdk.createFunctionTrigger(
      new CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(body),
    )) as unknown as Record<string, unknown>;
    expect(res['trigger_type_code']).toBe(type);
    expect(res['trigger_status']).toBe('ACTIVE');
    return String(res['trigger_id']);
  }

  /** The trigger service of this spec, recorded in the stack file so the suite's teardown stops it. */
  async function startTriggerService(logName: string): Promise<ChildProcess> {
    const child = startApp(logName, triggerEnv, stack.logDir, 'trigger');
    const current = readStack();
    current.pids.push(child.pid as number);
    writeStack(current);
    await waitForOk(`${stack.triggerUrl}/health/ready`, 60_000);
    return child;
  }

  async function killTriggerService(signal: NodeJS.Signals): Promise<void> {
    const pid = triggerService.pid as number;
    process.kill(pid, signal);
    await pollUntil(
      () => isAlive(pid),
      (alive) => !alive,
      `trigger service ${pid} to exit`,
      30_000,
    );
  }

  /** Waits until every message is in some invocation whose function ran it and answered the event it got. */
  async function everyMessageInvoked(
    triggerId: string,
    expected: string[],
    messagesOf: (event: unknown) => string[],
    what: string,
  ): Promise<Row[]> {
    return pollUntil(
      () => rowsOf(triggerId),
      (rows) => {
        const seen = tally(rows, messagesOf);
        return expected.every((m) => seen.has(m)) && rows.every((r) => r.status === 'SUCCESS');
      },
      what,
      90_000,
    );
  }

  beforeAll(async () => {
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    redis = new Redis(stack.redisUrl);
    amqp = await connect(RABBITMQ_URL);
    channel = await amqp.createChannel();
    urn = await deployFunction(http, `streams-${suffix}`, ECHO);

    // This spec runs its own trigger service (the same environment, a short DIS claim threshold and a fixed
    // consumer name) so it can kill and restart it; it stays in place of the stack's for the specs after this one.
    const [original] = stackPidsWhere((e) => e.startsWith('TRIGGER_PORT='));
    triggerEnv = Object.fromEntries(
      readFileSync(`/proc/${original}/environ`, 'utf8')
        .split('\0')
        .filter((e) => e.includes('='))
        .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    Object.assign(triggerEnv, {
      RABBITMQ_URL,
      TRIGGER_INSTANCE_ID: `e2e-trigger-${suffix}`,
      DIS_CLAIM_IDLE_MS: '3000',
      RABBITMQ_BATCH_WINDOW_MS: '200',
    });
    process.kill(original, 'SIGTERM');
    await pollUntil(
      () => isAlive(original),
      (alive) => !alive,
      'the stack trigger service to stop',
      30_000,
    );
    triggerService = await startTriggerService('trigger-streams');
  });

  afterAll(async () => {
    // Deleting the triggers stops their consumers (and removes the derived queues) before the rest is removed.
    if (urn) {
      const res = await http.request('DELETE', `/v2/${stack.projectId}/fgs/triggers/${urn}`);
      expect(res.status).toBe(204);
      await pollUntil(
        () => Promise.all([...queues].map((q) => queueState(q))),
        (states) => states.every((q) => (q?.consumerCount ?? 0) === 0),
        'the consumers of the deleted triggers gone',
      );
    }
    for (const queue of queues) await channel?.deleteQueue(queue);
    for (const exchange of exchanges) await channel?.deleteExchange(exchange);
    await amqp?.close();
    redis?.disconnect();
    await db?.end();
  });

  it('DIS: entries XADDed to the stream become one invocation per batch with the DIS event', async () => {
    const stream = `dis-${suffix}`;
    const triggerId = await createTrigger('DIS', {
      stream_name: stream,
      sharditerator_type: 'TRIM_HORIZON',
      batch_size: 10,
      polling_interval: 1,
    });
    const key = disStreamKey(stack.projectId, stream);
    const messages = Array.from({ length: 25 }, (_, n) => JSON.stringify({ n, stream }));
    const ids: string[] = [];
    for (const m of messages)
      ids.push((await redis.xadd(key, '*', 'data', m, 'partition_key', `k${ids.length % 3}`)) as string);
    const rows = await everyMessageInvoked(triggerId, messages, disMessages, 'every DIS entry invoked');
    const seen = tally(rows, disMessages);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    for (const row of rows) {
      const event = JSON.parse(row.event) as DisTriggerEvent;
      expect(JSON.parse(row.result as string)).toEqual(event);
      expect(event).toMatchObject({ ShardID: 'shardId-0000000000', Tag: 'latest', StreamName: stream });
      expect(event.Message['x-ofg-hop']).toBe(1);
      const records = event.Message.records;
      expect(records.length).toBeLessThanOrEqual(10);
      expect(event.Message.next_partition_cursor).toBe(records[records.length - 1].sequence_number);
      for (const r of records) expect(r.partition_key).toBe(`k${ids.indexOf(r.sequence_number) % 3}`);
    }
    expect(
      rows.flatMap((r) =>
        (JSON.parse(r.event) as DisTriggerEvent).Message.records.map((x) => x.sequence_number),
      ),
    ).toEqual(expect.arrayContaining(ids));
    expect(((await redis.xpending(key, disConsumerGroup(triggerId))) as [number])[0]).toBe(0);
    report(`DIS: ${messages.length} entries -> ${rows.length} invocations, 0 duplicates`);
  });

  it('DMS: messages sent to the queue become one invocation per batch with the DMS envelope', async () => {
    const queue = `dms-${suffix}`;
    queues.add(queue);
    const triggerId = await createTrigger('DMS', {
      queue_id: queue,
      consumer_group_id: 'group-1',
      polling_interval: 1,
    });
    await pollUntil(
      () => queueState(queue),
      (q) => (q?.consumerCount ?? 0) === 1,
      'the DMS consumer',
    );
    const messages = Array.from({ length: 25 }, (_, n) => `dms message ${n}`);
    for (const m of messages) channel.sendToQueue(queue, Buffer.from(m), { persistent: true });
    const rows = await everyMessageInvoked(triggerId, messages, amqpMessages, 'every DMS message invoked');
    expect([...tally(rows, amqpMessages).values()].every((count) => count === 1)).toBe(true);
    for (const row of rows) {
      const event = JSON.parse(row.event) as RabbitmqTriggerEvent;
      expect(JSON.parse(row.result as string)).toEqual(event);
      expect(event).toMatchObject({ event_version: 'v1.0', trigger_type: 'DMS', region: stack.region });
      expect(event.records).toEqual([
        { messages: expect.any(Array), instance_id: '', exchange: '', queue_id: queue, 'x-ofg-hop': 1 },
      ]);
    }
    report(`DMS: ${messages.length} messages -> ${rows.length} invocations, 0 duplicates`);
  });

  it('RABBITMQ: messages published to the exchange become one invocation per batch with the RabbitMQ envelope', async () => {
    const exchange = `rmq-${suffix}`;
    exchanges.add(exchange);
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const triggerId = await createTrigger('RABBITMQ', {
      exchange_name: exchange,
      routing_key: 'orders.#',
      batch_size: 5,
      instance_id: 'instance-1',
    });
    const queue = rabbitmqTriggerQueueName(triggerId);
    queues.add(queue);
    await pollUntil(
      () => queueState(queue),
      (q) => (q?.consumerCount ?? 0) === 1,
      'the RABBITMQ consumer',
    );
    const messages = Array.from({ length: 25 }, (_, n) => JSON.stringify({ order: n }));
    for (const m of messages)
      channel.publish(exchange, 'orders.created', Buffer.from(m), { persistent: true });
    channel.publish(exchange, 'payments.created', Buffer.from('not routed to the trigger'));
    const rows = await everyMessageInvoked(
      triggerId,
      messages,
      amqpMessages,
      'every RABBITMQ message invoked',
    );
    const seen = tally(rows, amqpMessages);
    expect([...seen.keys()].sort()).toEqual([...messages].sort());
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    for (const row of rows) {
      const event = JSON.parse(row.event) as RabbitmqTriggerEvent;
      expect(JSON.parse(row.result as string)).toEqual(event);
      expect(event).toEqual({
        event_version: 'v1.0',
        event_time: expect.any(Number),
        trigger_type: 'RABBITMQ',
        region: stack.region,
        records: [{ messages: expect.any(Array), instance_id: 'instance-1', exchange, 'x-ofg-hop': 1 }],
      });
      expect(event.records[0].messages.length).toBeLessThanOrEqual(5);
    }
    report(`RABBITMQ: ${messages.length} messages -> ${rows.length} invocations, 0 duplicates`);
  });

  it('kill -9 of the trigger service between receive and ack, then a restart: no message is lost', async () => {
    const stream = `kill-${suffix}`;
    const dmsQueue = `kill-dms-${suffix}`;
    const exchange = `kill-rmq-${suffix}`;
    exchanges.add(exchange);
    queues.add(dmsQueue);
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const dis = await createTrigger('DIS', {
      stream_name: stream,
      sharditerator_type: 'TRIM_HORIZON',
      batch_size: 10,
      polling_interval: 1,
    });
    const dms = await createTrigger('DMS', {
      queue_id: dmsQueue,
      consumer_group_id: 'kill',
      polling_interval: 1,
    });
    const rmq = await createTrigger('RABBITMQ', { exchange_name: exchange, batch_size: 10 });
    queues.add(rabbitmqTriggerQueueName(rmq));
    await pollUntil(
      () => queueState(dmsQueue),
      (q) => (q?.consumerCount ?? 0) === 1,
      'the DMS consumer',
    );
    await pollUntil(
      () => queueState(rabbitmqTriggerQueueName(rmq)),
      (q) => (q?.consumerCount ?? 0) === 1,
      'the RABBITMQ consumer',
    );

    const count = 1000;
    const key = disStreamKey(stack.projectId, stream);
    const disSent = Array.from({ length: count }, (_, n) => `dis-${n}`);
    const dmsSent = Array.from({ length: count }, (_, n) => `dms-${n}`);
    const rmqSent = Array.from({ length: count }, (_, n) => `rmq-${n}`);
    const burst = redis.pipeline();
    for (const m of disSent) burst.xadd(key, '*', 'data', m);
    await burst.exec();
    // RABBITMQ messages carry an AMQP message-id (a redelivered batch dedups); DMS ones do not.
    rmqSent.forEach((m) =>
      channel.publish(exchange, 'k', Buffer.from(m), { persistent: true, messageId: m }),
    );
    dmsSent.forEach((m) => channel.sendToQueue(dmsQueue, Buffer.from(m), { persistent: true }));

    // Kill while batches of every source are being received and accepted: some invoked, not all.
    await pollUntil(
      async () => [(await rowsOf(dis)).length, (await rowsOf(dms)).length, (await rowsOf(rmq)).length],
      (counts) => counts.every((n) => n > 0),
      'the first invocations of every source',
      30_000,
    );
    await killTriggerService('SIGKILL');
    const before = {
      dis: (await rowsOf(dis)).length,
      dms: (await rowsOf(dms)).length,
      rmq: (await rowsOf(rmq)).length,
    };
    const pendingAtKill = ((await redis.xpending(key, disConsumerGroup(dis))) as [number])[0];
    report(
      `killed with ${before.dis}/${before.dms}/${before.rmq} DIS/DMS/RABBITMQ invocations accepted, ` +
        `${pendingAtKill} DIS entries received but not acked`,
    );
    triggerService = await startTriggerService('trigger-streams-restarted');

    const sources = [
      { name: 'DIS', id: dis, sent: disSent, messagesOf: disMessages },
      { name: 'DMS', id: dms, sent: dmsSent, messagesOf: amqpMessages },
      { name: 'RABBITMQ', id: rmq, sent: rmqSent, messagesOf: amqpMessages },
    ];
    for (const source of sources) {
      const rows = await pollUntil(
        () => rowsOf(source.id),
        (r) => {
          const seen = tally(r, source.messagesOf);
          return source.sent.every((m) => seen.has(m));
        },
        `every ${source.name} message invoked after the restart`,
        90_000,
      );
      const seen = tally(rows, source.messagesOf);
      const duplicates = [...seen.values()].reduce((sum, n) => sum + (n - 1), 0);
      expect(source.sent.filter((m) => !seen.has(m))).toEqual([]);
      expect([...seen.keys()].filter((m) => !source.sent.includes(m))).toEqual([]);
      report(
        `${source.name}: ${source.sent.length} messages -> ${rows.length} invocations after kill -9 and restart, ` +
          `0 lost, ${duplicates} duplicate message deliveries`,
      );
    }
    await pollUntil(
      async () => ((await redis.xpending(key, disConsumerGroup(dis))) as [number])[0],
      (n) => n === 0,
      'every DIS entry acked',
    );
  });
});
