import { Logger } from '@nestjs/common';
import { FunctionEntity, InvocationEntity } from '@ofg/data-access';
import { InvocationJob } from '@ofg/contracts';
import { aFunctionSnapshot, anInvocationJob } from '@ofg/testing';
import {
  AsyncDestinationDelivery,
  AsyncTermination,
  destinationRequestId,
} from './async-destination.delivery';

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
  const job = anInvocationJob(aFunctionSnapshot().withProject('p1').build())
    .forProject('p1')
    .async()
    .withEvent({ n: 1 })
    .build();

  beforeAll(() => Logger.overrideLogger(false));

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
      { insertWaiting: async (row) => void waiting.push(row) },
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
    const record = JSON.parse(xadds[0][xadds[0].length - 1] as string);
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

  it('leaves OBS and a missing target function undelivered', async () => {
    await expect(
      delivery.deliver(job, { destination: 'OBS', param: { bucket: 'results' } }, FAILED),
    ).resolves.toBe(false);
    await expect(
      delivery.deliver(job, { destination: 'FunctionGraph', param: { func_urn: 'gone' } }, FAILED),
    ).resolves.toBe(false);
    expect(enqueued).toHaveLength(0);
  });
});
