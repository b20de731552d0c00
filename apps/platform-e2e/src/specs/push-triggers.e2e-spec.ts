import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { Client } from 'pg';
import { ctsStreamKey, CtsTrace } from '@ofg/contracts';
import { S3_STORE_CREDENTIALS, S3Store, S3StoreEvent, startS3Store } from '@ofg/testing';
import { zipBase64 } from '../support/code-fixtures';
import { FgsClient, FgsResponse } from '../support/fgs-client';
import { deployFunction } from '../support/functions';
import { pollUntil } from '../support/processes';

type Json = Record<string, unknown>;

/** One line of figures in the test output (not an assertion: timings belong to bench/). */
const report = (line: string): boolean => process.stdout.write(`[push-triggers] ${line}\n`);

/** Answers its event: the ledger then holds what the function received and returned. */
const ECHO = 'exports.handler = async (event) => event;';

/**
 * Stands for a function that writes an object back to the bucket that triggered it: it answers the write it would do,
 * passing its event's hop count on as the object's `ofg-hop` metadata (functions cannot reach the store themselves).
 */
const WRITE_BACK = `exports.handler = async (event) => {
  const record = event.Records[0];
  return { bucket: record.s3.bucket.name, key: record.s3.object.key, hop: record['x-ofg-hop'] };
};`;

interface InvocationRow {
  request_id: string;
  status: string;
  event: string;
  result: string | null;
  error_message: string;
}

interface Forwarded {
  status: number;
  body: PushAnswer;
  sent: Json;
}

interface PushAnswer {
  records?: number;
  events?: number;
  mode?: string;
  results: { trigger_id: string; outcome: string; request_id?: string }[];
}

describe('push triggers: OBS bucket notifications, EVENTGRID CloudEvents and CTS audit records', () => {
  const http = new FgsClient();
  const stack = http.stack;
  const p = stack.projectId;
  const tag = Date.now().toString(36);
  const photos = `photos-${tag}`;
  const loopBucket = `loop-${tag}`;
  const channel = `orders-${tag}`;
  const triggersOf = (urn: string): string => `/v2/${p}/fgs/triggers/${urn}`;
  const urns = { obs: '', obsOther: '', loop: '', egAll: '', egPaid: '' };
  let token: string;
  let db: Client;
  let redis: Redis;
  let s3dir: string;
  let store: S3Store;
  let s3: S3Client;
  /** Where the bucket webhook posts (the notification_url of the OBS triggers). */
  let webhookUrl = '';
  /** Webhook posts and their answers, in the order s3rver emitted the notifications. */
  let forwards: Promise<Forwarded>[] = [];

  /** Posts one s3rver notification to the endpoint as a MinIO webhook target would, object user metadata included. */
  async function forward(event: S3StoreEvent): Promise<Forwarded> {
    const records: Json[] = [];
    for (const record of event.Records) {
      const s3Part = record['s3'] as { bucket: { name: string }; object: Json };
      if (String(record['eventName']).startsWith('ObjectCreated')) {
        const head = await s3.send(
          new HeadObjectCommand({ Bucket: s3Part.bucket.name, Key: String(s3Part.object['key']) }),
        );
        const userMetadata: Record<string, string> = {};
        for (const [name, value] of Object.entries(head.Metadata ?? {}))
          userMetadata[`X-Amz-Meta-${name}`] = value;
        records.push({ ...record, s3: { ...s3Part, object: { ...s3Part.object, userMetadata } } });
      } else records.push(record);
    }
    const sent = { EventName: event.Records[0]?.['eventName'], Records: records };
    return { ...(await postJson(webhookUrl, sent)), sent };
  }

  async function postJson(
    url: string,
    body: unknown,
    headers: Record<string, string> = { 'Content-Type': 'application/json' },
  ): Promise<{ status: number; body: PushAnswer }> {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as PushAnswer };
  }

  /** Webhook answers of everything s3rver emitted since the last call. */
  async function settledForwards(): Promise<Forwarded[]> {
    const pending = forwards;
    forwards = [];
    return Promise.all(pending);
  }

  async function createTrigger(urn: string, body: Json): Promise<FgsResponse<Json>> {
    return http.request<Json>('POST', triggersOf(urn), { auth: { kind: 'token', token }, body });
  }

  const rowsOf = async (triggerId: string): Promise<InvocationRow[]> =>
    (
      await db.query<InvocationRow>(
        `SELECT request_id, status, event, result, error_message FROM invocations
          WHERE trigger_id = $1 ORDER BY created_at, request_id`,
        [triggerId],
      )
    ).rows;

  /** The rows of a trigger once none of them is waiting or running any more. */
  const finishedRowsOf = (triggerId: string, count: number): Promise<InvocationRow[]> =>
    pollUntil(
      () => rowsOf(triggerId),
      (rows) => rows.length === count && rows.every((r) => ['SUCCESS', 'FAIL', 'DISCARD'].includes(r.status)),
      `the ${count} invocations of trigger ${triggerId} to finish`,
      60_000,
    );

  beforeAll(async () => {
    token = await http.token();
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 1 });
    s3dir = mkdtempSync(join(tmpdir(), 'ofg-push-s3-'));
    store = await startS3Store(s3dir, [photos, loopBucket], 0, (event) => forwards.push(forward(event)));
    s3 = new S3Client({
      endpoint: store.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3_STORE_CREDENTIALS,
    });
    urns.obs = await deployFunction(http, `obs-echo-${tag}`, ECHO);
    urns.obsOther = await deployFunction(http, `obs-other-${tag}`, ECHO);
    urns.loop = await deployFunction(http, `obs-loop-${tag}`, WRITE_BACK);
    urns.egAll = await deployFunction(http, `eg-all-${tag}`, ECHO);
    urns.egPaid = await deployFunction(http, `eg-paid-${tag}`, ECHO);
  }, 120_000);

  afterAll(async () => {
    await settledForwards().catch(() => undefined);
    // The invocations this suite caused finish here, so they do not run into the next suite's invokers and budgets.
    await pollUntil(
      async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM invocations i JOIN functions f ON f.id = i.function_id
              WHERE f.func_name LIKE $1 AND i.status IN ('WAIT', 'RUNNING')`,
            [`%-${tag}`],
          )
        ).rows[0].n,
      (open) => open === 0,
      'the invocations of this suite to finish',
      120_000,
    ).catch(() => undefined);
    s3?.destroy();
    await store?.close();
    if (s3dir) rmSync(s3dir, { recursive: true, force: true });
    redis?.disconnect();
    await db?.end();
  }, 150_000);

  describe('OBS', () => {
    let created: Json;
    let removed: Json;

    beforeAll(async () => {
      const res = await createTrigger(urns.obs, {
        trigger_type_code: 'OBS',
        event_data: {
          bucket: photos,
          events: ['s3:ObjectCreated:*'],
          prefix: 'in/',
          suffix: '.jpg',
          name: 'obs-in-jpg',
        },
      });
      expect(res.status).toBe(201);
      created = res.json;
      const res2 = await createTrigger(urns.obs, {
        trigger_type_code: 'OBS',
        event_data: { bucket: photos, events: ['s3:ObjectRemoved:*'], prefix: 'in/' },
      });
      expect(res2.status).toBe(201);
      removed = res2.json;
      webhookUrl = String((created['event_data'] as Json)['notification_url']);
    });

    it('answers the trigger ACTIVE with the notification URL the bucket webhook posts to', () => {
      expect(created).toMatchObject({
        trigger_type_code: 'OBS',
        trigger_status: 'ACTIVE',
        event_data: {
          bucket: photos,
          events: ['s3:ObjectCreated:*'],
          prefix: 'in/',
          suffix: '.jpg',
          name: 'obs-in-jpg',
        },
      });
      expect(webhookUrl).toMatch(new RegExp(`/obs-events/${p}\\?token=[0-9a-f]{64}$`));
      expect((removed['event_data'] as Json)['notification_url']).toBe(webhookUrl);
    });

    it.each([
      ['an unknown event', 400, 'FSS.1106', { bucket: 'b-x1', events: ['s3:ObjectCreated:Rename'] }, 'obs'],
      ['no bucket', 400, 'FSS.1106', { events: ['s3:ObjectCreated:*'] }, 'obs'],
      [
        'the same filter again',
        409,
        'FSS.1145',
        { bucket: photos, events: ['s3:ObjectCreated:*'], prefix: 'in/', suffix: '.jpg' },
        'obs',
      ],
      [
        'an overlapping filter on another function',
        403,
        'FSS.1108',
        { bucket: photos, events: ['s3:ObjectCreated:Put'], prefix: 'in/raw/' },
        'obsOther',
      ],
    ] as const)('refuses %s with %i %s', async (_label, status, code, eventData, fn) => {
      const res = await createTrigger(urns[fn], { trigger_type_code: 'OBS', event_data: eventData });
      expect({ status: res.status, code: res.json['error_code'] }).toEqual({ status, code });
    });

    it('refuses to create an OBS trigger DISABLED (the spec lets OBS triggers not be disabled)', async () => {
      const res = await createTrigger(urns.obsOther, {
        trigger_type_code: 'OBS',
        trigger_status: 'DISABLED',
        event_data: { bucket: photos, events: ['s3:ObjectCreated:*'], prefix: 'elsewhere/' },
      });
      expect({ status: res.status, code: res.json['error_code'] }).toEqual({ status: 400, code: 'FSS.0400' });
    });

    it('invokes once per matching object with the S3-style event, and not for other keys or events', async () => {
      const put = (key: string): Promise<unknown> =>
        s3.send(new PutObjectCommand({ Bucket: photos, Key: key, Body: `body of ${key}` }));
      for (const key of ['in/a.jpg', 'in/b.jpg', 'in/c.png', 'out/d.jpg', 'in/deep/e.jpg']) await put(key);
      await s3.send(new DeleteObjectCommand({ Bucket: photos, Key: 'in/c.png' }));
      const answers = await settledForwards();
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(answers.map((a) => a.body.results.map((r) => r.outcome).join(','))).toEqual([
        'invoked',
        'invoked',
        '',
        '',
        'invoked',
        'invoked',
      ]);

      // The endpoint answered after the ledger rows were committed: they are all there already.
      const createdRows = await rowsOf(String(created['trigger_id']));
      const removedRows = await rowsOf(String(removed['trigger_id']));
      expect(createdRows).toHaveLength(3);
      expect(removedRows).toHaveLength(1);
      const keysOf = (rows: InvocationRow[]): string[] =>
        rows
          .map(
            (r) =>
              (JSON.parse(r.event) as { Records: { s3: { object: { key: string } } }[] }).Records[0].s3.object
                .key,
          )
          .sort();
      expect(keysOf(createdRows)).toEqual(['in/a.jpg', 'in/b.jpg', 'in/deep/e.jpg']);
      expect(keysOf(removedRows)).toEqual(['in/c.png']);

      const ran = await finishedRowsOf(String(created['trigger_id']), 3);
      for (const row of ran) {
        expect(row.status).toBe('SUCCESS');
        const event = JSON.parse(row.event) as { Records: Json[] };
        expect(event.Records).toHaveLength(1);
        expect(event.Records[0]).toMatchObject({
          eventVersion: '2.0',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          'x-ofg-hop': 1,
          s3: { bucket: { name: photos }, object: { size: expect.any(Number), eTag: expect.any(String) } },
        });
        // What the function received is what it returned.
        expect(JSON.parse(String(row.result))).toEqual(event);
      }
      const [deleted] = await finishedRowsOf(String(removed['trigger_id']), 1);
      expect(deleted.status).toBe('SUCCESS');
      expect((JSON.parse(deleted.event) as { Records: Json[] }).Records[0]).toMatchObject({
        eventName: 'ObjectRemoved:Delete',
      });
    });

    it('accepts a re-posted notification once (a webhook retry invokes nothing more)', async () => {
      const before = (await rowsOf(String(created['trigger_id']))).length;
      await s3.send(new PutObjectCommand({ Bucket: photos, Key: 'in/retry.jpg', Body: 'x' }));
      const [first] = await settledForwards();
      expect(first.body.results.map((r) => r.outcome)).toEqual(['invoked']);
      // The same body again, as a webhook target that did not see the first answer posts it.
      const again = await postJson(webhookUrl, first.sent);
      expect(again.status).toBe(200);
      expect(again.body.results).toEqual([{ trigger_id: created['trigger_id'], outcome: 'duplicate' }]);
      expect(await rowsOf(String(created['trigger_id']))).toHaveLength(before + 1);
    });

    it('stops a recursive loop through the bucket at hop 16 and records it', async () => {
      const res = await createTrigger(urns.loop, {
        trigger_type_code: 'OBS',
        event_data: { bucket: loopBucket, events: ['s3:ObjectCreated:Put'] },
      });
      expect(res.status).toBe(201);
      const triggerId = String(res.json['trigger_id']);
      const startedAt = Date.now();
      await s3.send(new PutObjectCommand({ Bucket: loopBucket, Key: 'loop/object', Body: 'v0' }));
      const outcomes: string[] = [];
      for (let round = 0; round < 20; round++) {
        const [answer] = await settledForwards();
        expect(answer.status).toBe(200);
        const [result] = answer.body.results;
        outcomes.push(result.outcome);
        if (result.outcome !== 'invoked') break;
        const ran = await pollUntil(
          async () =>
            (
              await db.query<InvocationRow>('SELECT * FROM invocations WHERE request_id = $1', [
                result.request_id,
              ])
            ).rows[0],
          (row) => row?.status === 'SUCCESS',
          `loop invocation ${round + 1} to finish`,
          60_000,
        );
        const write = JSON.parse(String(ran.result)) as { bucket: string; key: string; hop: number };
        // The function's write back to the bucket, with the hop count its event carried.
        await s3.send(
          new PutObjectCommand({
            Bucket: write.bucket,
            Key: write.key,
            Body: `v${round + 1}`,
            Metadata: { 'ofg-hop': String(write.hop) },
          }),
        );
      }
      report(`recursive loop: ${outcomes.length} notifications in ${Date.now() - startedAt} ms`);
      expect(outcomes).toEqual([...Array<string>(16).fill('invoked'), 'stopped']);
      const rows = await rowsOf(triggerId);
      const hops = rows
        .filter((r) => r.status === 'SUCCESS')
        .map((r) => (JSON.parse(r.event) as { Records: Json[] }).Records[0]['x-ofg-hop'])
        .sort((a, b) => Number(a) - Number(b));
      expect(hops).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      const stopped = rows.filter((r) => r.status === 'DISCARD');
      expect(stopped).toHaveLength(1);
      expect(stopped[0].error_message).toBe('not invoked: recursive loop stopped, hop count reached 16');
      expect((JSON.parse(stopped[0].event) as { Records: Json[] }).Records[0]['x-ofg-hop']).toBe(17);
    });

    const noToken = (url: string): string => url.replace(/\?token=.*$/, '');
    it.each([
      ['without credentials', 401, 'FSS.0401', noToken, false],
      [
        'with a wrong token',
        401,
        'FSS.0401',
        (url: string) => url.replace(/token=.*$/, `token=${'0'.repeat(64)}`),
        false,
      ],
      [
        "with another project's path",
        401,
        'FSS.0401',
        (url: string) => url.replace(`/obs-events/${p}`, '/obs-events/0000'),
        false,
      ],
      ['with an IAM token of the project', 200, undefined, noToken, true],
    ])('answers a push %s with %i', async (_label, status, code, urlOf, iam) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (iam) headers['X-Auth-Token'] = token;
      const res = await postJson(urlOf(webhookUrl), { Service: 'Amazon S3', Event: 's3:TestEvent' }, headers);
      expect(res.status).toBe(status);
      if (code) expect(res.body).toMatchObject({ error_code: code });
    });

    it.each([
      ['not JSON', '{"Records": [', 'application/json', 400],
      ['an array', '[]', 'application/json', 400],
      ['no Records', '{"hello":1}', 'application/json', 400],
      [
        'a record without key',
        JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' } } }] }),
        'text/plain',
        400,
      ],
      ['an empty body', '', 'application/json', 400],
    ])(
      'refuses a malformed notification (%s) with 400 FSS.0400',
      async (_label, body, contentType, status) => {
        const res = await postJson(webhookUrl, body, { 'Content-Type': contentType });
        expect(res.status).toBe(status);
        expect(res.body).toMatchObject({ error_code: 'FSS.0400' });
      },
    );

    it('answers 404 for an unknown project with a valid token', async () => {
      // The token a gateway without PUSH_EVENTS_SECRET derives: HMAC of the project under a key from the master key.
      const key = createHmac('sha256', Buffer.from(stack.masterKey, 'hex'))
        .update('ofg-push-events-v1')
        .digest();
      const ghost = 'f'.repeat(32);
      const ghostToken = createHmac('sha256', key).update(`ofg-push:${ghost}`).digest('hex');
      expect(ghostToken).not.toBe(new URL(webhookUrl).searchParams.get('token'));
      const res = await postJson(`${stack.gatewayUrl}/obs-events/${ghost}?token=${ghostToken}`, {
        Records: [],
      });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error_code: 'FSS.0404' });
    });
  });

  describe('EVENTGRID', () => {
    let all: Json;
    let paid: Json;
    let endpoint = '';

    beforeAll(async () => {
      const a = await createTrigger(urns.egAll, {
        trigger_type_code: 'EVENTGRID',
        event_data: { channel_name: channel },
      });
      expect(a.status).toBe(201);
      all = a.json;
      const b = await createTrigger(urns.egPaid, {
        trigger_type_code: 'EVENTGRID',
        event_data: { channel_name: channel, source_name: '/shop', event_types: ['com.example.order.paid'] },
      });
      expect(b.status).toBe(201);
      paid = b.json;
      endpoint = String((all['event_data'] as Json)['endpoint_url']);
    });

    const ce = (id: string, type: string, extra: Json = {}): Json => ({
      specversion: '1.0',
      id: `${id}-${tag}`,
      source: '/shop',
      type,
      time: '2030-01-01T00:00:00Z',
      ...extra,
    });

    it('answers the endpoint URL and refuses duplicates and bad event_data', async () => {
      expect(endpoint).toMatch(new RegExp(`/eventgrid/${p}/${channel}\\?token=[0-9a-f]{64}$`));
      expect(all).toMatchObject({ trigger_status: 'ACTIVE', event_data: { channel_name: channel } });
      const again = await createTrigger(urns.egAll, {
        trigger_type_code: 'EVENTGRID',
        event_data: { channel_name: channel },
      });
      expect({ status: again.status, code: again.json['error_code'] }).toEqual({
        status: 409,
        code: 'FSS.0409',
      });
      const bad = await createTrigger(urns.egAll, {
        trigger_type_code: 'EVENTGRID',
        event_data: { channel_name: 'a b' },
      });
      expect({ status: bad.status, code: bad.json['error_code'] }).toEqual({ status: 400, code: 'FSS.0400' });
    });

    it('invokes each matching trigger once per event in structured, binary and batch mode', async () => {
      const structured = await postJson(
        endpoint,
        { ...ce('s1', 'com.example.order.created'), data: { order: 1 } },
        {
          'Content-Type': 'application/cloudevents+json',
        },
      );
      expect(structured).toMatchObject({ status: 200, body: { mode: 'structured', events: 1 } });
      const binary = await postJson(
        endpoint,
        { order: 2 },
        {
          'Content-Type': 'application/json',
          'ce-specversion': '1.0',
          'ce-id': `b1-${tag}`,
          'ce-source': '/shop',
          'ce-type': 'com.example.order.paid',
          'ce-subject': 'order%202',
        },
      );
      expect(binary).toMatchObject({ status: 200, body: { mode: 'binary', events: 1 } });
      const batch = await postJson(
        endpoint,
        [
          ce('m1', 'com.example.order.created'),
          ce('m2', 'com.example.order.paid', { data_base64: 'AAE=' }),
          ce('m3', 'com.example.order.paid', { source: '/elsewhere' }),
        ],
        { 'Content-Type': 'application/cloudevents-batch+json' },
      );
      expect(batch).toMatchObject({ status: 200, body: { mode: 'batch', events: 3 } });

      const allRows = await finishedRowsOf(String(all['trigger_id']), 5);
      const paidRows = await finishedRowsOf(String(paid['trigger_id']), 2);
      expect([...allRows, ...paidRows].every((r) => r.status === 'SUCCESS')).toBe(true);
      const byId = (rows: InvocationRow[]): Record<string, Json> =>
        Object.fromEntries(
          rows.map((r) => [String((JSON.parse(r.event) as Json)['id']), JSON.parse(r.event) as Json]),
        );
      const seen = byId(allRows);
      expect(Object.keys(seen).sort()).toEqual(
        [`b1-${tag}`, `m1-${tag}`, `m2-${tag}`, `m3-${tag}`, `s1-${tag}`].sort(),
      );
      expect(Object.keys(byId(paidRows)).sort()).toEqual([`b1-${tag}`, `m2-${tag}`]);
      expect(seen[`s1-${tag}`]).toEqual({
        ...ce('s1', 'com.example.order.created'),
        data: { order: 1 },
        ofghop: 1,
      });
      expect(seen[`b1-${tag}`]).toEqual({
        specversion: '1.0',
        id: `b1-${tag}`,
        source: '/shop',
        type: 'com.example.order.paid',
        subject: 'order 2',
        datacontenttype: 'application/json',
        data: { order: 2 },
        ofghop: 1,
      });
      expect(seen[`m2-${tag}`]).toMatchObject({ data_base64: 'AAE=' });
      for (const row of allRows) expect(JSON.parse(String(row.result))).toEqual(JSON.parse(row.event));

      // The same event published again is the same event (source + id): nothing more runs.
      const republished = await postJson(
        endpoint,
        { ...ce('s1', 'com.example.order.created'), data: { order: 1 } },
        {
          'Content-Type': 'application/cloudevents+json',
        },
      );
      expect(republished.body.results.map((r) => r.outcome)).toEqual(['duplicate']);
      expect(await rowsOf(String(all['trigger_id']))).toHaveLength(5);
    });

    it('accepts a batch of 200 events with one invocation each', async () => {
      const bulk = `bulk-${tag}`;
      const res = await createTrigger(urns.egAll, {
        trigger_type_code: 'EVENTGRID',
        event_data: { channel_name: bulk },
      });
      expect(res.status).toBe(201);
      const events = Array.from({ length: 200 }, (_, i) =>
        ce(`bulk${i}`, 'com.example.order.created', { data: { i } }),
      );
      const startedAt = Date.now();
      const answer = await postJson(endpoint.replace(`/${channel}?`, `/${bulk}?`), events, {
        'Content-Type': 'application/cloudevents-batch+json',
      });
      const acceptedMs = Date.now() - startedAt;
      expect(answer.status).toBe(200);
      expect(answer.body.results.filter((r) => r.outcome === 'invoked')).toHaveLength(200);
      const rows = await finishedRowsOf(String(res.json['trigger_id']), 200);
      report(
        `batch of 200 CloudEvents accepted in ${acceptedMs} ms, all run ${Date.now() - startedAt} ms after the post`,
      );
      expect(rows.filter((r) => r.status === 'SUCCESS')).toHaveLength(200);
    });

    it('answers an event published to a channel without triggers with 200 and no invocation', async () => {
      const res = await postJson(endpoint.replace(`/${channel}?`, `/quiet-${tag}?`), ce('q', 't'), {
        'Content-Type': 'application/cloudevents+json',
      });
      expect(res).toMatchObject({ status: 200, body: { events: 1, results: [] } });
    });

    it.each([
      [
        'a structured event without id',
        ce('x', 't', { id: undefined }),
        'application/cloudevents+json',
        'id is required',
      ],
      [
        'a structured event without specversion',
        ce('x', 't', { specversion: undefined }),
        'application/cloudevents+json',
        'specversion',
      ],
      [
        'a structured event with an empty source',
        ce('x', 't', { source: '' }),
        'application/cloudevents+json',
        'source',
      ],
      [
        'a batch with one invalid event',
        [ce('x', 't'), ce('y', 't', { type: undefined })],
        'application/cloudevents-batch+json',
        'batch event #1',
      ],
      ['a plain JSON body without ce- headers', ce('x', 't'), 'application/json', 'ce-* headers'],
      ['malformed JSON', '{"specversion":', 'application/cloudevents+json', 'not valid JSON'],
    ])('refuses %s with 400 and a clear body', async (_label, body, contentType, message) => {
      const res = await postJson(endpoint, body, { 'Content-Type': contentType });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error_code: 'FSS.0400', error_msg: expect.stringContaining(message) });
    });

    it('refuses unauthenticated pushes and unknown projects, never with a 500', async () => {
      const ceHeaders = { 'Content-Type': 'application/cloudevents+json' };
      const noToken = await postJson(endpoint.replace(/\?token=.*$/, ''), ce('u', 't'), ceHeaders);
      expect({ status: noToken.status, body: noToken.body }).toMatchObject({
        status: 401,
        body: { error_code: 'FSS.0401' },
      });
      const wrong = await postJson(endpoint.replace(/token=.*$/, 'token=nope'), ce('u', 't'), ceHeaders);
      expect(wrong.status).toBe(401);
      const viaIam = await postJson(
        endpoint.replace(/\?token=.*$/, ''),
        ce('iam', 'com.example.order.created'),
        {
          ...ceHeaders,
          'X-Auth-Token': token,
        },
      );
      expect(viaIam.status).toBe(200);
      expect(viaIam.body.results.map((r) => r.outcome)).toEqual(['invoked']);
      const otherProject = await postJson(
        endpoint.replace(/\?token=.*$/, '').replace(`/eventgrid/${p}/`, `/eventgrid/${'e'.repeat(32)}/`),
        ce('u', 't'),
        { ...ceHeaders, 'X-Auth-Token': token },
      );
      expect(otherProject.status).toBe(403);
      const badChannel = await postJson(
        endpoint.replace(`/${channel}?`, '/bad%20channel?'),
        ce('u', 't'),
        ceHeaders,
      );
      expect({ status: badChannel.status, code: badChannel.body }).toMatchObject({
        status: 400,
        code: { error_code: 'FSS.0400' },
      });
    });
  });

  describe('CTS audit records', () => {
    const name = `cts-${tag}`;
    const fnUrn = http.urn(name);
    const base = fnUrn.replace(/:latest$/, '');

    /** The project's audit records about this function, oldest first. */
    async function traces(): Promise<CtsTrace[]> {
      const entries = await redis.xrange(ctsStreamKey(p), '-', '+');
      return entries
        .map(([, fields]) => JSON.parse(fields[fields.indexOf('trace') + 1]) as CtsTrace)
        .filter((t) => t.resource_id.includes(`:${name}`) || JSON.stringify(t.request).includes(name));
    }

    it('writes one record per function, version, alias and trigger change to ofg:cts:<project_id>', async () => {
      const ok = async (res: Promise<FgsResponse<Json>>, status: number): Promise<Json> => {
        const r = await res;
        expect({ status: r.status, body: r.json }).toMatchObject({ status });
        return r.json;
      };
      await deployFunction(http, name, ECHO);
      const config = await http.request<Json>('GET', http.fnPath(fnUrn, '/config'));
      await ok(
        http.request<Json>('PUT', http.fnPath(fnUrn, '/config'), {
          body: { ...config.json, description: 'audited' },
        }),
        200,
      );
      await ok(
        http.request<Json>('PUT', http.fnPath(fnUrn, '/code'), {
          body: {
            code_type: 'zip',
            code_filename: 'index.zip',
            func_code: { file: await zipBase64({ 'index.js': `${ECHO}\n` }) },
          },
        }),
        200,
      );
      await ok(http.request<Json>('POST', http.fnPath(fnUrn, '/versions'), { body: { version: 'v1' } }), 200);
      await ok(
        http.request<Json>('POST', http.fnPath(fnUrn, '/aliases'), { body: { name: 'live', version: 'v1' } }),
        200,
      );
      await ok(
        http.request<Json>('PUT', http.fnPath(fnUrn, '/aliases/live'), {
          body: { version: 'v1', description: 'd' },
        }),
        200,
      );
      const trigger = await ok(
        http.request<Json>('POST', triggersOf(fnUrn), {
          body: { trigger_type_code: 'EVENTGRID', event_data: { channel_name: `cts-${tag}` } },
        }),
        201,
      );
      await ok(
        http.request<Json>('DELETE', `${triggersOf(fnUrn)}/EVENTGRID/${String(trigger['trigger_id'])}`),
        204,
      );
      await ok(http.request<Json>('DELETE', http.fnPath(fnUrn, '/aliases/live')), 204);
      await ok(http.request<Json>('DELETE', http.fnPath(base)), 204);

      const expected = [
        'createFunction',
        'updateFunctionConfig',
        'updateFunctionCode',
        'publishFunctionVersion',
        'createVersionAlias',
        'updateVersionAlias',
        'createTrigger',
        'deleteTrigger',
        'deleteVersionAlias',
        'deleteFunction',
      ];
      // Records are written after the answer, best-effort: wait for all of them.
      const records = await pollUntil(
        traces,
        (t) => t.length >= expected.length,
        'the audit records',
        20_000,
      );
      expect(records.map((t) => t.trace_name).sort()).toEqual([...expected].sort());
      for (const t of records) {
        expect(t).toMatchObject({
          service_type: 'FunctionGraph',
          trace_type: 'ApiCall',
          trace_status: 'normal',
          user: {
            name: stack.user,
            id: expect.any(String),
            domain: { id: stack.domainId, name: stack.domainId },
          },
          time: expect.any(Number),
          record_time: expect.any(Number),
          trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        });
        expect(JSON.stringify(t)).not.toContain('UEsD');
      }
      const byName = Object.fromEntries(records.map((t) => [t.trace_name, t]));
      expect(byName['createFunction']).toMatchObject({
        resource_type: 'function',
        resource_name: name,
        code: 200,
      });
      expect(byName['publishFunctionVersion']).toMatchObject({
        resource_type: 'version',
        resource_name: 'v1',
        resource_id: `${base}:v1`,
      });
      expect(byName['createVersionAlias']).toMatchObject({
        resource_type: 'alias',
        resource_name: 'live',
        resource_id: `${base}:!live`,
      });
      expect(byName['createTrigger']).toMatchObject({
        resource_type: 'trigger',
        resource_name: 'EVENTGRID',
        resource_id: trigger['trigger_id'],
        code: 201,
      });
      expect(byName['deleteFunction']).toMatchObject({ resource_id: base, code: 204 });
      const operations = (await redis.xrange(ctsStreamKey(p), '-', '+')).map(
        ([, f]) => f[f.indexOf('operation') + 1],
      );
      expect(operations).toContain('FunctionGraph:function:createFunction');
    });

    it('accepts CTS triggers now that the trigger service consumes the stream (more-triggers.e2e-spec)', async () => {
      const urn = urns.egAll;
      const res = await createTrigger(urn, {
        trigger_type_code: 'CTS',
        event_data: { notification_name: 'n1', operations: ['FunctionGraph:function:createFunction'] },
      });
      expect({ status: res.status, type: res.json['trigger_type_code'] }).toEqual({
        status: 201,
        type: 'CTS',
      });
    });
  });
});
