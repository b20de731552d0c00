import {
  FuncAsyncDestinationConfig,
  FuncDestinationConfig,
  UpdateFunctionAsyncInvokeConfigRequest,
  UpdateFunctionAsyncInvokeConfigRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { disStreamKey, QUEUES } from '@ofg/contracts';
import { sdkAsync, waitFor } from '../support/async-sdk';
import { FgsClient } from '../support/fgs-client';
import { deployFunction } from '../support/functions';
import { officialSdkClient } from '../support/sdk';

/** Fails its first `failTimes` runs of one `key` (counted in the instance's /tmp), or always when `fail`. */
const WORKER = `const fs = require('fs');
exports.handler = async (event) => {
  if (event.failTimes !== undefined) {
    const file = '/tmp/runs-' + event.key;
    const runs = (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0) + 1;
    fs.writeFileSync(file, String(runs));
    if (runs <= event.failTimes) throw new Error('run ' + runs + ' fails');
    return { runs };
  }
  if (event.fail) throw new Error('always fails ' + event.n);
  return { n: event.n };
};`;

type Json = Record<string, unknown>;

describe('async execution: retries, max event age and destinations through the official SDK', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const async = sdkAsync(sdk);
  const tag = Date.now().toString(36);
  const streams = { ok: `ok-${tag}`, failed: `failed-${tag}` };
  const urns: Record<'flaky' | 'failing' | 'chain' | 'target' | 'aged', string> = {
    flaky: '',
    failing: '',
    chain: '',
    target: '',
    aged: '',
  };
  let redis: Redis;
  let queue: Queue;

  const destination = (type: string, param: unknown): FuncDestinationConfig =>
    new FuncDestinationConfig().withDestination(type).withParam(JSON.stringify(param));

  const putConfig = (urn: string, body: UpdateFunctionAsyncInvokeConfigRequestBody): Promise<unknown> =>
    sdk.updateFunctionAsyncInvokeConfig(
      new UpdateFunctionAsyncInvokeConfigRequest().withFunctionUrn(urn).withBody(body),
    );

  const invokeAsync = (urn: string, event: Json): Promise<string> => async.invoke(urn, event);
  const list = (urn: string) => async.list(urn);
  const terminal = (urn: string, requestId: string) => async.terminal(urn, requestId);

  /** The job is done (or failed) in BullMQ: no further delivery of it can happen. */
  const jobSettled = (requestId: string): Promise<string> =>
    waitFor(`job ${requestId} to settle`, async () => {
      const state = await queue.getJobState(requestId);
      return state === 'completed' || state === 'failed' ? state : undefined;
    });

  const streamRecords = async (stream: string): Promise<Json[]> =>
    (await redis.xrange(disStreamKey(http.stack.projectId, stream), '-', '+')).map(([, fields]) => {
      const at = fields.indexOf('record');
      return JSON.parse(fields[at + 1]) as Json;
    });

  beforeAll(async () => {
    redis = new Redis(http.stack.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUES.invocations, { connection: redis });
    for (const name of Object.keys(urns) as (keyof typeof urns)[])
      urns[name] = await deployFunction(http, `async-exec-${name}-${tag}`, WORKER);
    await putConfig(
      urns.flaky,
      new UpdateFunctionAsyncInvokeConfigRequestBody()
        .withMaxAsyncRetryAttempts(2)
        .withDestinationConfig(
          new FuncAsyncDestinationConfig().withOnSuccess(destination('DIS', { stream_name: streams.ok })),
        ),
    );
    await putConfig(
      urns.failing,
      new UpdateFunctionAsyncInvokeConfigRequestBody()
        .withMaxAsyncRetryAttempts(2)
        .withDestinationConfig(
          new FuncAsyncDestinationConfig().withOnFailure(destination('DIS', { stream_name: streams.failed })),
        ),
    );
    await putConfig(
      urns.chain,
      new UpdateFunctionAsyncInvokeConfigRequestBody().withDestinationConfig(
        new FuncAsyncDestinationConfig().withOnSuccess(
          destination('FunctionGraph', { func_urn: urns.target }),
        ),
      ),
    );
    await putConfig(
      urns.aged,
      new UpdateFunctionAsyncInvokeConfigRequestBody().withMaxAsyncEventAgeInSeconds(1),
    );
  });

  afterAll(async () => {
    await queue.close();
    redis.disconnect();
  });

  it('retries a function error with back-off and ends SUCCESS on the third run', async () => {
    const requestId = await invokeAsync(urns.flaky, { failTimes: 2, key: `flaky-${tag}` });

    expect(await terminal(urns.flaky, requestId)).toMatchObject({ status: 'SUCCESS', error_message: '' });
    await jobSettled(requestId);
    const records = await streamRecords(streams.ok);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      request_context: { request_id: requestId, condition: 'Success', approximate_invoke_count: 3 },
      response_payload: { runs: 3 },
    });
  });

  it('ends FAIL after 1 + max_async_retry_attempts runs and sends exactly one record to on_failure', async () => {
    const requestId = await invokeAsync(urns.failing, { fail: true });

    const record = await terminal(urns.failing, requestId);
    expect(record.status).toBe('FAIL');
    expect(record.error_message).toMatch(/always fails/);
    expect(await jobSettled(requestId)).toBe('completed');
    const records = await streamRecords(streams.failed);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      request_context: { request_id: requestId, condition: 'RetriesExhausted', approximate_invoke_count: 3 },
      response_context: { function_error: expect.stringMatching(/always fails/) },
    });
  });

  it('invokes the on_success FunctionGraph destination once with the destination record', async () => {
    const requestId = await invokeAsync(urns.chain, { hello: 'chain' });

    expect(await terminal(urns.chain, requestId)).toMatchObject({ status: 'SUCCESS' });
    await jobSettled(requestId);
    const targetRuns = await waitFor('the target to run', async () => {
      const runs = await list(urns.target);
      return runs.some((r) => r.status === 'SUCCESS') ? runs : undefined;
    });
    expect(targetRuns).toHaveLength(1);
    expect(targetRuns[0].request_id).not.toBe(requestId);
  });

  it('discards an event older than max_async_event_age_in_seconds without running it', async () => {
    await queue.pause();
    let requestId: string;
    try {
      requestId = await invokeAsync(urns.aged, { n: 0 });
      // Waiting past the 1 s max age while no worker may take the job.
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      await queue.resume();
    }

    const record = await terminal(urns.aged, requestId);
    expect(record.status).toBe('DISCARD');
    expect(record.error_message).toMatch(/max_async_event_age_in_seconds/);
  });
});
