import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { FunctionEntity, InvocationEntity } from '@ofg/data-access';
import { InvocationJob } from '@ofg/contracts';
import {
  aFunctionSnapshot,
  anInvocationJob,
  S3_STORE_CREDENTIALS,
  S3Store,
  startS3Store,
} from '@ofg/testing';
import {
  AsyncDestinationDelivery,
  AsyncTermination,
  destinationRequestId,
} from './async-destination.delivery';
import { ObsDestinationStore } from './obs-destination.store';

const FAILED: AsyncTermination = {
  condition: 'RetriesExhausted',
  result: '{"errorMessage":"boom","errorType":"Error"}',
  errorMessage: 'boom',
  invokeCount: 3,
};

describe('AsyncDestinationDelivery', () => {
  let xadds: unknown[][];
  let posts: { url: string; init: RequestInit }[];
  let enqueued: InvocationJob[];
  let waiting: Partial<InvocationEntity>[];
  let webhookStatus: number;
  let delivery: AsyncDestinationDelivery;
  let s3Dir: string;
  let s3: S3Store;
  let obs: ObsDestinationStore;
  const job = anInvocationJob(aFunctionSnapshot().withProject('p1').build())
    .forProject('p1')
    .async()
    .withEvent({ n: 1 })
    .build();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    s3Dir = mkdtempSync(join(tmpdir(), 'ofg-obs-'));
    s3 = await startS3Store(s3Dir, ['results']);
    obs = new ObsDestinationStore({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      ...S3_STORE_CREDENTIALS,
      requestTimeoutMs: 5000,
    });
  });

  afterAll(async () => {
    obs.onApplicationShutdown();
    await s3.close();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    xadds = [];
    posts = [];
    enqueued = [];
    waiting = [];
    webhookStatus = 200;
    delivery = new AsyncDestinationDelivery(
      { region: 'local', webhookTimeoutMs: 1000, streamMaxLen: 10 },
      {
        xadd: (async (...args: unknown[]) => {
          xadds.push(args);
          return '1-0';
        }) as never,
      },
      { enqueue: async (j) => void enqueued.push(j) },
      {
        findByName: async (projectId, pkg, funcName) =>
          funcName === 'next'
            ? ({
                ...aFunctionSnapshot().withProject(projectId).build(),
                id: 'fn-next',
                projectId,
                package: pkg,
                funcName,
              } as unknown as FunctionEntity)
            : null,
      },
      { insertWaiting: async (row) => void waiting.push(row), discardUnaccepted: async () => true },
      obs,
      async (url, init) => {
        posts.push({ url, init });
        return new Response('', { status: webhookStatus });
      },
    );
  });

  it('appends one record to the DIS stream of the project', async () => {
    await expect(
      delivery.deliver(job, { destination: 'DIS', param: { stream_name: 'fails' } }, FAILED),
    ).resolves.toBe(true);
    expect(xadds).toHaveLength(1);
    expect(xadds[0][0]).toBe('ofg:dis:p1:fails');
    const record = JSON.parse(xadds[0][xadds[0].indexOf('record') + 1] as string);
    expect(xadds[0].slice(-2)).toEqual(['x-ofg-hop', '0']);
    expect(record).toMatchObject({
      request_context: {
        request_id: job.requestId,
        condition: 'RetriesExhausted',
        approximate_invoke_count: 3,
      },
      request_payload: { n: 1 },
      response_context: { function_error: 'boom' },
      response_payload: { errorMessage: 'boom' },
    });
  });

  it('appends to the SMN topic stream', async () => {
    await delivery.deliver(
      job,
      { destination: 'SMN', param: { topic_urn: 'urn:smn:local:p1:alerts' } },
      FAILED,
    );
    expect(xadds[0][0]).toBe('ofg:smn:p1:alerts');
  });

  it('POSTs to a webhook and reports a non-2xx answer as not delivered', async () => {
    const hook = { destination: 'WEBHOOK' as const, param: { url: 'http://hooks.local/r' } };
    await expect(delivery.deliver(job, hook, FAILED)).resolves.toBe(true);
    expect(posts[0]).toMatchObject({ url: 'http://hooks.local/r', init: { method: 'POST' } });
    expect(posts[0].init.signal).toBeDefined();
    webhookStatus = 502;
    await expect(delivery.deliver(job, hook, FAILED)).resolves.toBe(false);
  });

  it('invokes a FunctionGraph target asynchronously through the ledger, with a stable request id', async () => {
    const fg = {
      destination: 'FunctionGraph' as const,
      param: { func_urn: 'urn:fss:local:p1:function:default:next:latest' },
    };
    await expect(
      delivery.deliver(job, fg, { ...FAILED, condition: 'Success', result: '"ok"' }),
    ).resolves.toBe(true);
    expect(waiting).toEqual([
      expect.objectContaining({ functionId: 'fn-next', requestId: destinationRequestId(job.requestId) }),
    ]);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({
      invokeType: 'async',
      projectId: 'p1',
      requestId: waiting[0].requestId,
    });
    expect(JSON.parse(enqueued[0].event)).toMatchObject({
      request_context: { condition: 'Success' },
      response_payload: 'ok',
    });
    expect(destinationRequestId(job.requestId)).not.toBe(job.requestId);
    expect(destinationRequestId(job.requestId)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes the record to <prefix><request_id>.json in the OBS bucket of the S3-compatible store', async () => {
    await expect(
      delivery.deliver(
        job,
        { destination: 'OBS', param: { bucket: 'results', prefix: 'fn/failed/', expires: 7 } },
        FAILED,
      ),
    ).resolves.toBe(true);

    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3_STORE_CREDENTIALS,
    });
    const object = await client.send(
      new GetObjectCommand({ Bucket: 'results', Key: `fn/failed/${job.requestId}.json` }),
    );
    expect(object.ContentType).toBe('application/json');
    expect(object.Metadata).toEqual({ 'expires-days': '7' });
    expect(JSON.parse(await object.Body!.transformToString())).toMatchObject({
      request_context: { request_id: job.requestId, condition: 'RetriesExhausted' },
      request_payload: { n: 1 },
      response_payload: { errorMessage: 'boom' },
    });
    client.destroy();
  });

  it('leaves a missing OBS bucket, an unconfigured store and a missing target function undelivered', async () => {
    await expect(
      delivery.deliver(job, { destination: 'OBS', param: { bucket: 'no-such-bucket' } }, FAILED),
    ).resolves.toBe(false);
    const unconfigured = new AsyncDestinationDelivery(
      { region: 'local', webhookTimeoutMs: 1000, streamMaxLen: 10 },
      { xadd: (async () => '1-0') as never },
      { enqueue: async () => undefined },
      { findByName: async () => null },
      { insertWaiting: async () => undefined, discardUnaccepted: async () => true },
      new ObsDestinationStore(null),
    );
    await expect(
      unconfigured.deliver(job, { destination: 'OBS', param: { bucket: 'results' } }, FAILED),
    ).resolves.toBe(false);
    await expect(
      delivery.deliver(job, { destination: 'FunctionGraph', param: { func_urn: 'gone' } }, FAILED),
    ).resolves.toBe(false);
    expect(enqueued).toHaveLength(0);
  });
});
