import {
  CreateFunctionTriggerRequest,
  CreateFunctionTriggerRequestBody,
  TriggerEventDataRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import Redis from 'ioredis';
import mqtt, { MqttClient } from 'mqtt';
import { connect as natsConnect, NatsConnection } from 'nats';
import { Client } from 'pg';
import {
  ctsStreamKey,
  CtsTriggerEvent,
  LtsEventPayload,
  LtsLogLine,
  ltsLogStreamKey,
  LtsTriggerEvent,
  smnTopicStreamKey,
  SmnTriggerEvent,
} from '@ofg/contracts';
import { FgsClient } from '../support/fgs-client';
import { deployFunction, invokeV1 } from '../support/functions';
import { pollUntil } from '../support/processes';
import { officialSdkClient } from '../support/sdk';

/** Answers with the event it was given, so the ledger's result shows exactly what the function received. */
const ECHO = `exports.handler = async (event) => event;`;
/** Writes one marker line to its log: the LTS source. */
const LOGGER = `exports.handler = async (event) => { console.log('lts-marker-' + event.n); return 'logged'; };`;

const MQTT_URL = process.env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';
const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

interface Row {
  request_id: string;
  status: string;
  event: string;
  result: string | null;
}

const report = (line: string): boolean => process.stdout.write(`[more-triggers] ${line}\n`);

/** How often each value appears. */
function counts(values: string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
  return seen;
}

const ltsLines = (event: unknown): LtsLogLine[] => {
  const payload = JSON.parse(
    Buffer.from((event as LtsTriggerEvent).lts.data, 'base64').toString(),
  ) as LtsEventPayload;
  return JSON.parse(payload.logs) as LtsLogLine[];
};

describe('SMN, CTS, LTS, MQTT and NATS triggers', () => {
  const http = new FgsClient();
  const stack = http.stack;
  const sdk = officialSdkClient(stack);
  const suffix = Date.now().toString(36);
  let db: Client;
  let redis: Redis;
  let urn: string;
  let sourceUrn: string;

  const rowsOf = async (triggerId: string): Promise<Row[]> =>
    (
      await db.query<Row>(
        `SELECT request_id, status, event, result FROM invocations
          WHERE trigger_id = $1 AND NOT (status = 'DISCARD' AND error_message LIKE 'not accepted%')`,
        [triggerId],
      )
    ).rows;

  /** Invocations of a trigger once `done` holds for them and every one ran and echoed its event. */
  const invocationsOf = (triggerId: string, done: (rows: Row[]) => boolean, what: string) =>
    pollUntil(
      () => rowsOf(triggerId),
      (rows) => done(rows) && rows.every((r) => r.status === 'SUCCESS'),
      what,
      60_000,
    );

  /** A trigger of the target function through the official SDK (types of its enum); its id. */
  async function createSdkTrigger(type: string, data: Record<string, unknown>): Promise<string> {
    const body = new CreateFunctionTriggerRequestBody()
      .withTriggerTypeCode(type)
      .withTriggerStatus('ACTIVE')
      .withEventData(Object.assign(new TriggerEventDataRequestBody(), data));
    const res = (await sdk.createFunctionTrigger(
      new CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(body),
    )) as unknown as Record<string, unknown>;
    expect([res['trigger_type_code'], res['trigger_status']]).toEqual([type, 'ACTIVE']);
    return String(res['trigger_id']);
  }

  /** A trigger through plain HTTP (extension types, refused bodies). */
  const postTrigger = (data: Record<string, unknown>, functionUrn = urn) =>
    http.request<Record<string, unknown>>('POST', `/v2/${stack.projectId}/fgs/triggers/${functionUrn}`, {
      body: data,
    });

  const deleteTrigger = async (type: string, triggerId: string) => {
    const res = await http.request(
      'DELETE',
      `/v2/${stack.projectId}/fgs/triggers/${urn}/${type}/${triggerId}`,
    );
    expect(res.status).toBe(204);
  };

  /** The trigger's consumer group exists on its stream (created by the trigger service, at the stream's end). */
  const groupReady = (key: string, triggerId: string) =>
    pollUntil(
      async () => {
        if (!(await redis.exists(key))) return false;
        const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
        return groups.some((g) => g.includes(`ofg-trigger-${triggerId}`));
      },
      Boolean,
      `the consumer group of trigger ${triggerId}`,
      30_000,
    );

  beforeAll(async () => {
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    redis = new Redis(stack.redisUrl);
    urn = await deployFunction(http, `more-${suffix}`, ECHO);
    sourceUrn = await deployFunction(http, `logs-${suffix}`, LOGGER);
  });

  afterAll(async () => {
    if (urn) await http.request('DELETE', `/v2/${stack.projectId}/fgs/triggers/${urn}`);
    redis?.disconnect();
    await db?.end();
  });

  it('SMN: messages published to the topic and an async SMN destination invoke once each with the SMN event', async () => {
    const topic = `topic-${suffix}`;
    const topicUrn = `urn:smn:${stack.region}:${stack.projectId}:${topic}`;
    const triggerId = await createSdkTrigger('SMN', { topic_urn: topicUrn });
    const key = smnTopicStreamKey(topicUrn) as string;
    await groupReady(key, triggerId);

    const published = ['alpha', 'beta', 'gamma'].map((m) => `${m}-${suffix}`);
    for (const m of published) await redis.xadd(key, '*', 'message', m, 'subject', `subject-${m}`);
    // The source function's async result goes to the topic through an SMN destination.
    const config = await http.request(
      'PUT',
      `/v2/${stack.projectId}/fgs/functions/${sourceUrn}/async-invoke-config`,
      {
        body: {
          max_async_retry_attempts: 0,
          destination_config: {
            on_success: { destination: 'SMN', param: JSON.stringify({ topic_urn: topicUrn }) },
          },
        },
      },
    );
    expect(config.status).toBe(200);
    const asyncRes = await http.request<Record<string, unknown>>(
      'POST',
      `/v2/${stack.projectId}/fgs/functions/${sourceUrn}/invocations-async`,
      { body: { n: 'smn' } },
    );
    expect(asyncRes.status).toBe(202);
    const asyncRequestId = String(asyncRes.json['request_id']);

    const rows = await invocationsOf(triggerId, (r) => r.length >= 4, 'four SMN invocations');
    const events = rows.map((r) => JSON.parse(r.event) as SmnTriggerEvent);
    for (const row of rows) expect(JSON.parse(row.result as string)).toEqual(JSON.parse(row.event));
    const messages = events.map((e) => e.record[0].smn.message);
    expect(messages.filter((m) => published.includes(m)).sort()).toEqual([...published].sort());
    const fromDestination = events.find((e) => !published.includes(e.record[0].smn.message));
    expect(JSON.parse(fromDestination?.record[0].smn.message ?? '{}')).toMatchObject({
      request_context: { request_id: asyncRequestId, condition: 'Success' },
      response_payload: 'logged',
    });
    for (const e of events) {
      expect(e.record).toHaveLength(1);
      expect(e.record[0]).toMatchObject({
        event_version: '1.0',
        event_source: 'smn',
        event_subscription_urn: `${topicUrn}:${triggerId}`,
        smn: { topic_urn: topicUrn, type: 'notification', message_attributes: null },
      });
    }
    expect(events.find((e) => e.record[0].smn.message === published[0])?.record[0].smn.subject).toBe(
      `subject-${published[0]}`,
    );
    expect([...counts(messages).values()].every((n) => n === 1)).toBe(true);
    expect(await rowsOf(triggerId)).toHaveLength(4);
    await http.request('DELETE', `/v2/${stack.projectId}/fgs/functions/${sourceUrn}/async-invoke-config`);
    report(`SMN: 3 published + 1 destination record -> ${rows.length} invocations, 0 duplicates`);
  });

  it('CTS: a function created after the trigger invokes it once with {"cts": trace}; other operations do not', async () => {
    const triggerId = await createSdkTrigger('CTS', {
      notification_name: `watch_${suffix}`,
      operations: ['FunctionGraph:function:createFunction', 'FunctionGraph:function:deleteFunction'],
    });
    await groupReady(ctsStreamKey(stack.projectId), triggerId);
    const name = `cts-${suffix}`;
    const created = await deployFunction(http, name, ECHO);
    // Audited but not listed: an update of the function's configuration.
    const cfg = await http.request('PUT', `/v2/${stack.projectId}/fgs/functions/${created}/config`, {
      body: {
        func_name: name,
        runtime: 'Node.js20.15',
        handler: 'index.handler',
        memory_size: 128,
        timeout: 11,
      },
    });
    expect(cfg.status).toBe(200);
    const deleted = await http.request('DELETE', `/v2/${stack.projectId}/fgs/functions/${created}`);
    expect(deleted.status).toBe(204);

    const rows = await invocationsOf(
      triggerId,
      (r) =>
        r.filter((row) => (JSON.parse(row.event) as CtsTriggerEvent).cts.resource_name === name).length >= 2,
      'the create and delete records',
    );
    const traces = rows
      .map((r) => (JSON.parse(r.event) as CtsTriggerEvent).cts)
      .filter((t) => t.resource_name === name);
    expect(traces.map((t) => t.trace_name).sort()).toEqual(['createFunction', 'deleteFunction']);
    for (const t of traces)
      expect(t).toMatchObject({
        service_type: 'FunctionGraph',
        resource_type: 'function',
        trace_type: 'ApiCall',
      });
    for (const row of rows) expect(JSON.parse(row.result as string)).toEqual(JSON.parse(row.event));
    // Nothing but the listed operations invoked it.
    expect(
      rows.every((r) =>
        ['createFunction', 'deleteFunction'].includes(
          (JSON.parse(r.event) as CtsTriggerEvent).cts.trace_name,
        ),
      ),
    ).toBe(true);
    await deleteTrigger('CTS', triggerId);
    report(`CTS: create + update + delete of one function -> ${traces.length} invocations`);
  });

  it('LTS: the logs of sync and async invocations of the source function invoke the target once each', async () => {
    const detail = await http.request<Record<string, string>>(
      'GET',
      `/v2/${stack.projectId}/fgs/functions/${sourceUrn}/lts-log-detail`,
    );
    expect(detail.status).toBe(200);
    const triggerId = await createSdkTrigger('LTS', {
      log_group_id: detail.json['group_id'],
      log_topic_id: detail.json['stream_id'],
    });
    await groupReady(ltsLogStreamKey(stack.projectId, detail.json['stream_id']), triggerId);

    for (const n of [1, 2])
      expect((await invokeV1(http, sourceUrn, { n: `${n}-${suffix}` })).status).toBe(200);
    const asyncRes = await http.request(
      'POST',
      `/v2/${stack.projectId}/fgs/functions/${sourceUrn}/invocations-async`,
      {
        body: { n: `3-${suffix}` },
      },
    );
    expect(asyncRes.status).toBe(202);
    const markers = [1, 2, 3].map((n) => `lts-marker-${n}-${suffix}`);
    const markersIn = (rows: Row[]) =>
      rows
        .flatMap((r) => ltsLines(JSON.parse(r.event)).map((l) => l.message))
        .filter((m) => markers.some((k) => m.includes(k)));
    const rows = await invocationsOf(triggerId, (r) => markersIn(r).length >= 3, 'the three invocation logs');
    const seen = markersIn(rows);
    for (const marker of markers) expect(seen.filter((m) => m.includes(marker))).toHaveLength(1);
    for (const row of rows) {
      const event = JSON.parse(row.event) as LtsTriggerEvent;
      expect(Object.keys(event)).toEqual(['lts']);
      const payload = JSON.parse(Buffer.from(event.lts.data, 'base64').toString()) as LtsEventPayload;
      expect(payload).toMatchObject({
        owner: stack.projectId,
        log_group_id: detail.json['group_id'],
        log_topic_id: detail.json['stream_id'],
      });
      for (const line of ltsLines(event))
        expect(Object.keys(line).sort()).toEqual([
          'host_name',
          'ip',
          'line_no',
          'log_uid',
          'message',
          'path',
          'time',
        ]);
    }
    await deleteTrigger('LTS', triggerId);
    // The last reader gone, the log stream goes: invokers stop writing the source's logs.
    await pollUntil(
      () => redis.exists(ltsLogStreamKey(stack.projectId, detail.json['stream_id'])),
      (n) => n === 0,
      'the log stream removed',
    );
    report(`LTS: 3 source invocations (2 sync, 1 async) -> ${rows.length} invocations`);
  });

  it('MQTT (extension): each message published after the subscription invokes once', async () => {
    const topic = `ofg-e2e/${suffix}/events`;
    const res = await postTrigger({ trigger_type_code: 'MQTT', event_data: { topic } });
    expect(res.status).toBe(201);
    expect(res.json['event_data']).toEqual({ topic, qos: 1 });
    const triggerId = String(res.json['trigger_id']);
    const client: MqttClient = mqtt.connect(MQTT_URL, { clientId: `ofg-e2e-pub-${suffix}` });
    await new Promise((resolve) => client.once('connect', resolve));
    const publish = (message: string) =>
      new Promise<void>((resolve, reject) =>
        client.publish(topic, message, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
      );
    const messagesOf = (rows: Row[]) =>
      rows.map((r) => (JSON.parse(r.event) as { records: { message: string }[] }).records[0].message);
    try {
      // Nothing observable says the shared subscription is in place: probe until one probe arrives.
      let probe = 0;
      await pollUntil(
        async () => {
          await publish(`probe-${probe++}`);
          await new Promise((r) => setTimeout(r, 200));
          return (await rowsOf(triggerId)).length;
        },
        (n) => n > 0,
        'the MQTT subscription in place',
        30_000,
      );
      const sent = Array.from({ length: 5 }, (_, i) => `mqtt-${i}-${suffix}`);
      for (const m of sent) await publish(m);
      const rows = await invocationsOf(
        triggerId,
        (r) => sent.every((m) => messagesOf(r).includes(m)),
        'every MQTT message invoked',
      );
      const real = messagesOf(rows).filter((m) => sent.includes(m));
      expect(real.sort()).toEqual([...sent].sort());
      const event = JSON.parse(rows.find((r) => messagesOf([r])[0] === sent[0])?.event ?? '{}');
      expect(event).toMatchObject({
        event_version: 'v1.0',
        trigger_type: 'MQTT',
        region: stack.region,
        records: [{ topic, qos: 1, retain: false, message: sent[0] }],
      });
      report(`MQTT: ${sent.length} messages -> ${real.length} invocations (after ${probe} probes)`);
    } finally {
      await client.endAsync();
    }
    await deleteTrigger('MQTT', triggerId);
  });

  it('NATS (extension): messages on the subject invoke once per batch through a durable consumer', async () => {
    const stream = `ofge2e${suffix}`;
    const nc: NatsConnection = await natsConnect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    try {
      const sent = Array.from({ length: 12 }, (_, i) => `nats-${i}-${suffix}`);
      // Published before the trigger: deliver_policy all reads them too.
      for (const m of sent.slice(0, 4)) await nc.jetstream().publish(`${stream}.orders.eu`, Buffer.from(m));
      const res = await postTrigger({
        trigger_type_code: 'NATS',
        event_data: { stream, subject: `${stream}.orders.>`, deliver_policy: 'all' },
      });
      expect(res.status).toBe(201);
      const triggerId = String(res.json['trigger_id']);
      for (const m of sent.slice(4)) await nc.jetstream().publish(`${stream}.orders.us`, Buffer.from(m));
      await nc.jetstream().publish(`${stream}.other`, Buffer.from('not this subject'));
      const messagesOf = (rows: Row[]) =>
        rows.flatMap((r) =>
          (JSON.parse(r.event) as { records: { message: string }[] }).records.map((x) => x.message),
        );
      const rows = await invocationsOf(
        triggerId,
        (r) => messagesOf(r).length >= sent.length,
        'every NATS message',
      );
      expect(messagesOf(rows).sort()).toEqual([...sent].sort());
      for (const row of rows)
        expect(JSON.parse(row.event)).toMatchObject({
          event_version: 'v1.0',
          trigger_type: 'NATS',
          region: stack.region,
        });
      const records = rows.flatMap(
        (r) =>
          (JSON.parse(r.event) as { records: { message: string; subject: string; stream: string }[] })
            .records,
      );
      expect(records.find((x) => x.message === sent[0])).toMatchObject({
        stream,
        subject: `${stream}.orders.eu`,
      });
      expect(records.find((x) => x.message === sent[11])).toMatchObject({
        stream,
        subject: `${stream}.orders.us`,
      });
      await pollUntil(
        () => jsm.consumers.info(stream, `ofg-trigger-${triggerId}`),
        (info) => info.num_ack_pending === 0 && info.num_pending === 0,
        'every message acknowledged',
      );
      await deleteTrigger('NATS', triggerId);
      await pollUntil(
        () =>
          jsm.consumers.info(stream, `ofg-trigger-${triggerId}`).then(
            () => true,
            () => false,
          ),
        (exists) => !exists,
        'the durable consumer removed',
      );
      report(`NATS: ${sent.length} messages -> ${rows.length} invocations, 0 duplicates`);
    } finally {
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  });

  it.each([
    [
      'an SMN topic of another project',
      'SMN',
      { topic_urn: 'urn:smn:REGION:0000other0000:t' },
      400,
      'FSS.1102',
    ],
    ['a malformed SMN topic URN', 'SMN', { topic_urn: 'urn:smn:nope' }, 400, 'FSS.1102'],
    ['CTS without operations', 'CTS', { notification_name: 'n', operations: [] }, 400, 'FSS.1314'],
    [
      'CTS with a malformed operation',
      'CTS',
      { notification_name: 'n', operations: ['create'] },
      400,
      'FSS.1318',
    ],
    [
      'LTS naming no function',
      'LTS',
      { log_group_id: 'g', log_topic_id: '00000000-0000-4000-8000-000000000000' },
      400,
      'FSS.1110',
    ],
    ['LTS without log_topic_id', 'LTS', { log_group_id: 'g' }, 400, 'FSS.1110'],
    ['MQTT with a $share topic', 'MQTT', { topic: '$share/g/t' }, 400, 'FSS.0400'],
    ['MQTT with qos 2', 'MQTT', { topic: 't', qos: 2 }, 400, 'FSS.0400'],
    ['NATS without a subject', 'NATS', { stream: 's' }, 400, 'FSS.0400'],
    ['KAFKA (not enabled: no broker here)', 'KAFKA', { instance_id: 'i', topic_ids: ['t'] }, 400, 'FSS.1101'],
  ])('refuses %s', async (_label, type, data, status, code) => {
    const eventData = JSON.parse(JSON.stringify(data).replace('REGION', stack.region));
    const res = await postTrigger({ trigger_type_code: type, event_data: eventData });
    expect([res.status, res.json['error_code']]).toEqual([status, code]);
  });

  it('refuses a second SMN trigger of the function on the same topic with 409 FSS.1141', async () => {
    const topicUrn = `urn:smn:${stack.region}:${stack.projectId}:dup-${suffix}`;
    await createSdkTrigger('SMN', { topic_urn: topicUrn });
    const res = await postTrigger({ trigger_type_code: 'SMN', event_data: { topic_urn: topicUrn } });
    expect([res.status, res.json['error_code']]).toEqual([409, 'FSS.1141']);
  });
});
