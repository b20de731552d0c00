import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AsyncInvokeFunctionRequest,
  CancelAsyncInvocationRequest,
  CancelAsyncInvocationRequestBody,
  DeleteFunctionAsyncInvokeConfigRequest,
  FuncAsyncDestinationConfig,
  FuncDestinationConfig,
  FunctionGraphClient,
  ListActiveAsyncInvocationsRequest,
  ListAsyncInvocationsRequest,
  ListFunctionAsyncInvokeConfigRequest,
  ShowFunctionAsyncInvokeConfigRequest,
  UpdateFunctionAsyncInvokeConfigRequest,
  UpdateFunctionAsyncInvokeConfigRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { CONTROL_EVENTS, QUEUES } from '@ofg/contracts';
import { FgsClient } from '../support/fgs-client';
import { deployFunction } from '../support/functions';
import { officialSdkClient, SdkError, sdkFailure } from '../support/sdk';
import { seedTenant, SeededTenant } from '../support/tenants';

/** Sleeps, fails or answers as the event asks. */
const WORKER = `exports.handler = async (event) => {
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event.fail) throw new Error('asked to fail ' + event.n);
  return { n: event.n };
};`;

interface Json {
  [key: string]: unknown;
}
interface AsyncRecord {
  request_id: string;
  status: string;
  error_message: string;
  start_time: string;
  end_time: string;
}
interface AsyncList {
  invocations: AsyncRecord[];
  count: number;
  next_marker: number;
}

const TERMINAL = ['SUCCESS', 'FAIL', 'DISCARD'];
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** `yyyy-MM-dd'T'HH:mm:ss` UTC. The SDK types the bounds as Date but sends a Date as an empty value while signing
 * its String() form, so a Date always fails the signature; callers pass the spec's text instead. */
function queryTime(date: Date): Date {
  return date.toISOString().slice(0, 19) as unknown as Date;
}

function destination(type: string, param: unknown): FuncDestinationConfig {
  return new FuncDestinationConfig()
    .withDestination(type)
    .withParam(typeof param === 'string' ? param : JSON.stringify(param));
}

describe('async notification config and async requests through the official SDK', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const tag = Date.now().toString(36);
  const names = { worker: `async-worker-${tag}`, next: `async-next-${tag}` };
  let workerUrn: string;
  let nextUrn: string;
  let other: SeededTenant;
  let otherSdk: FunctionGraphClient;
  let otherUrn: string;
  let eventNo = 0;

  const put = (urn: string, body: UpdateFunctionAsyncInvokeConfigRequestBody) =>
    sdk.updateFunctionAsyncInvokeConfig(
      new UpdateFunctionAsyncInvokeConfigRequest().withFunctionUrn(urn).withBody(body),
    ) as unknown as Promise<Json>;
  const show = (urn: string) =>
    sdk.showFunctionAsyncInvokeConfig(
      new ShowFunctionAsyncInvokeConfigRequest().withFunctionUrn(urn),
    ) as unknown as Promise<Json>;
  const listInvocations = (req: ListAsyncInvocationsRequest) =>
    sdk.listAsyncInvocations(req.withFunctionUrn(workerUrn)) as unknown as Promise<AsyncList>;

  /** Every event differs, so that no two signed calls are byte-identical (replay protection). */
  async function invokeAsync(event: Json): Promise<string> {
    const res = (await sdk.asyncInvokeFunction(
      new AsyncInvokeFunctionRequest()
        .withFunctionUrn(workerUrn)
        .withBody({ ...event, n: ++eventNo } as unknown as Record<string, object>),
    )) as unknown as { request_id: string };
    return res.request_id;
  }

  /** Polls the async request list until the request reaches one of `statuses`. */
  async function waitForStatus(
    requestId: string,
    statuses: string[],
    timeoutMs = 60_000,
  ): Promise<AsyncRecord> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const list = await listInvocations(new ListAsyncInvocationsRequest().withRequestId(requestId));
      const record = list.invocations.find((r) => r.request_id === requestId);
      if (record && statuses.includes(record.status)) return record;
      if (Date.now() > until)
        throw new Error(`${requestId} did not reach ${statuses.join('/')}: ${JSON.stringify(record)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  beforeAll(async () => {
    workerUrn = await deployFunction(http, names.worker, WORKER, { timeout: 30 });
    nextUrn = await deployFunction(http, names.next, WORKER);
    other = await seedTenant('async');
    otherSdk = officialSdkClient({ ...http.stack, ak: other.ak, sk: other.sk, projectId: other.projectId });
    otherUrn = await deployFunction(other.http, `async-other-${tag}`, WORKER);
  });

  describe('config', () => {
    it('puts, shows, lists, replaces and deletes the latest config', async () => {
      const body = new UpdateFunctionAsyncInvokeConfigRequestBody()
        .withMaxAsyncEventAgeInSeconds(120)
        .withMaxAsyncRetryAttempts(2)
        .withEnableAsyncStatusLog(true)
        .withDestinationConfig(
          new FuncAsyncDestinationConfig()
            .withOnSuccess(destination('FunctionGraph', { func_urn: nextUrn }))
            .withOnFailure(destination('DIS', { stream_name: 'failures' })),
        );
      const stored = await put(workerUrn, body);
      expect(stored).toMatchObject({
        func_urn: workerUrn,
        max_async_event_age_in_seconds: 120,
        max_async_retry_attempts: 2,
        enable_async_status_log: true,
        destination_config: {
          on_success: { destination: 'FunctionGraph', param: JSON.stringify({ func_urn: nextUrn }) },
          on_failure: { destination: 'DIS', param: JSON.stringify({ stream_name: 'failures' }) },
        },
      });
      expect(String(stored['created_time'])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
      expect(stored['last_modified']).toBe(stored['created_time']);

      const shown = await show(workerUrn.replace(/:latest$/, ''));
      expect(wireBody(shown)).toEqual(wireBody(stored));

      const listed = (await sdk.listFunctionAsyncInvokeConfig(
        new ListFunctionAsyncInvokeConfigRequest().withFunctionUrn(workerUrn),
      )) as unknown as { async_invoke_configs: Json[]; count: number; page_info: Json };
      expect(listed.count).toBe(1);
      expect(listed.async_invoke_configs.map((c) => c['func_urn'])).toEqual([workerUrn]);
      expect(listed.page_info).toEqual({ next_marker: 1, previous_marker: 0, current_count: 1 });

      const replaced = await put(
        workerUrn,
        new UpdateFunctionAsyncInvokeConfigRequestBody().withMaxAsyncRetryAttempts(0),
      );
      expect(replaced).toMatchObject({
        max_async_event_age_in_seconds: 3600,
        max_async_retry_attempts: 0,
        enable_async_status_log: false,
        destination_config: {},
        created_time: stored['created_time'],
      });

      await sdk.deleteFunctionAsyncInvokeConfig(
        new DeleteFunctionAsyncInvokeConfigRequest().withFunctionUrn(workerUrn),
      );
      const gone = await sdkFailure(show(workerUrn));
      expect([gone.httpStatusCode, gone.errorCode]).toEqual([404, 'FSS.0404']);
      const again = await sdkFailure(
        // Another spelling of the URN: a byte-identical signed DELETE within the second would be a replay.
        sdk.deleteFunctionAsyncInvokeConfig(
          new DeleteFunctionAsyncInvokeConfigRequest().withFunctionUrn(workerUrn.replace(/:latest$/, '')),
        ),
      );
      expect([again.httpStatusCode, again.errorCode]).toEqual([404, 'FSS.0404']);
      const empty = (await sdk.listFunctionAsyncInvokeConfig(
        new ListFunctionAsyncInvokeConfigRequest().withFunctionUrn(workerUrn).withLimit('0'),
      )) as unknown as { async_invoke_configs: Json[]; count: number };
      expect([empty.async_invoke_configs, empty.count]).toEqual([[], 0]);
    });

    it.each([
      ['OBS', { bucket: 'fgs-invoke', prefix: '/function1/', expires: 1 }],
      ['SMN', () => ({ topic_urn: `urn:smn:${http.stack.region}:${http.stack.projectId}:async-results` })],
      ['WEBHOOK', { url: 'http://127.0.0.1:9/async-hook' }],
    ])('stores an %s destination', async (type, param) => {
      const value = typeof param === 'function' ? param() : param;
      const stored = await put(
        nextUrn,
        new UpdateFunctionAsyncInvokeConfigRequestBody().withDestinationConfig(
          new FuncAsyncDestinationConfig().withOnFailure(destination(type, value)),
        ),
      );
      expect(stored['destination_config']).toEqual({
        on_failure: { destination: type, param: JSON.stringify(value) },
      });
    });

    const badBodies: [string, () => UpdateFunctionAsyncInvokeConfigRequestBody, string][] = [
      [
        'an event age of 0',
        () => new UpdateFunctionAsyncInvokeConfigRequestBody().withMaxAsyncEventAgeInSeconds(0),
        'max_async_event_age_in_seconds',
      ],
      [
        'an event age over a day',
        () => new UpdateFunctionAsyncInvokeConfigRequestBody().withMaxAsyncEventAgeInSeconds(86_401),
        'max_async_event_age_in_seconds',
      ],
      [
        '4 retries',
        () => new UpdateFunctionAsyncInvokeConfigRequestBody().withMaxAsyncRetryAttempts(4),
        'max_async_retry_attempts',
      ],
      ['an unknown destination type', () => withDestination('KAFKA', { topic: 'x' }), 'destination'],
      ['a param that is no JSON', () => withDestination('DIS', 'stream_name=x'), 'JSON'],
      ['a param missing its key', () => withDestination('OBS', { prefix: '/x' }), 'bucket'],
      [
        'an unknown destination function',
        () => withDestination('FunctionGraph', { func_urn: http.urn(`missing-${tag}`) }),
        'no such function',
      ],
      [
        "another tenant's function",
        () => withDestination('FunctionGraph', { func_urn: otherUrn }),
        'no such function',
      ],
      [
        'the function itself',
        () => withDestination('FunctionGraph', { func_urn: workerUrn }),
        'own destination',
      ],
      [
        "another project's SMN topic",
        () => withDestination('SMN', { topic_urn: `urn:smn:${http.stack.region}:${other.projectId}:t` }),
        'this project',
      ],
    ];
    function withDestination(type: string, param: unknown): UpdateFunctionAsyncInvokeConfigRequestBody {
      return new UpdateFunctionAsyncInvokeConfigRequestBody().withDestinationConfig(
        new FuncAsyncDestinationConfig().withOnSuccess(destination(type, param)),
      );
    }

    it.each(badBodies)('refuses %s with 400 FSS.0400 and stores nothing', async (_label, body, message) => {
      const err = await sdkFailure(put(workerUrn, body()));
      expect([err.httpStatusCode, err.errorCode]).toEqual([400, 'FSS.0400']);
      expect(err.errorMsg).toContain(message);
      const none = await sdkFailure(show(workerUrn));
      expect(none.httpStatusCode).toBe(404);
    });

    it.each([
      ['an unknown function', 'FSS.1051', () => http.urn(`missing-${tag}`)],
      ['an unknown version', 'FSS.1052', () => http.urn(names.worker, '3')],
      ['an unknown alias', 'FSS.1053', () => http.urn(names.worker, '!dev')],
      ["another tenant's function", 'FSS.1051', () => otherUrn],
    ])('answers %s with 404 %s on every config operation', async (_label, code, urn) => {
      const target = urn();
      const body = new UpdateFunctionAsyncInvokeConfigRequestBody().withMaxAsyncRetryAttempts(1);
      const failures: SdkError[] = [
        await sdkFailure(put(target, body)),
        await sdkFailure(show(target)),
        await sdkFailure(
          sdk.deleteFunctionAsyncInvokeConfig(
            new DeleteFunctionAsyncInvokeConfigRequest().withFunctionUrn(target),
          ),
        ),
        await sdkFailure(
          sdk.listFunctionAsyncInvokeConfig(
            new ListFunctionAsyncInvokeConfigRequest().withFunctionUrn(target),
          ),
        ),
        await sdkFailure(sdk.listAsyncInvocations(new ListAsyncInvocationsRequest().withFunctionUrn(target))),
      ];
      expect(failures.map((f) => [f.httpStatusCode, f.errorCode])).toEqual(Array(5).fill([404, code]));
    });

    it("keeps another tenant's config out of reach", async () => {
      await put(
        workerUrn,
        new UpdateFunctionAsyncInvokeConfigRequestBody().withMaxAsyncEventAgeInSeconds(77),
      );
      const foreign = await sdkFailure(
        otherSdk.showFunctionAsyncInvokeConfig(
          new ShowFunctionAsyncInvokeConfigRequest().withFunctionUrn(workerUrn),
        ),
      );
      expect([foreign.httpStatusCode, foreign.errorCode]).toEqual([404, 'FSS.1051']);
      const own = await sdkFailure(
        otherSdk.showFunctionAsyncInvokeConfig(
          new ShowFunctionAsyncInvokeConfigRequest().withFunctionUrn(otherUrn),
        ),
      );
      expect([own.httpStatusCode, own.errorCode]).toEqual([404, 'FSS.0404']);
      expect(await show(workerUrn)).toMatchObject({ max_async_event_age_in_seconds: 77 });
      await sdk.deleteFunctionAsyncInvokeConfig(
        new DeleteFunctionAsyncInvokeConfigRequest().withFunctionUrn(`default:${names.worker}`),
      );
    });

    it('refuses a negative list limit with 400 FSS.1001', async () => {
      const err = await sdkFailure(
        sdk.listFunctionAsyncInvokeConfig(
          new ListFunctionAsyncInvokeConfigRequest().withFunctionUrn(workerUrn).withLimit('-1'),
        ),
      );
      expect([err.httpStatusCode, err.errorCode]).toEqual([400, 'FSS.1001']);
    });
  });

  describe('async requests', () => {
    it('lists real async invocations with their terminal states, filters and paging', async () => {
      const begin = new Date(Date.now() - 2000);
      const ok = [await invokeAsync({}), await invokeAsync({}), await invokeAsync({})];
      const failed = await invokeAsync({ fail: true });
      for (const id of ok)
        expect(await waitForStatus(id, TERMINAL)).toMatchObject({ status: 'SUCCESS', error_message: '' });
      const failure = await waitForStatus(failed, TERMINAL);
      expect(failure).toMatchObject({ status: 'FAIL' });
      expect(failure.error_message).toContain('asked to fail');
      expect(failure.start_time).toMatch(TIME);
      expect(failure.end_time).toMatch(TIME);

      const all = await listInvocations(
        new ListAsyncInvocationsRequest().withQueryBeginTime(queryTime(begin)),
      );
      expect(all.invocations.map((r) => r.request_id).sort()).toEqual([...ok, failed].sort());
      expect([all.count, all.next_marker]).toEqual([4, 4]);

      const successes = await listInvocations(new ListAsyncInvocationsRequest().withStatus('SUCCESS'));
      expect(successes.invocations.map((r) => r.request_id).sort()).toEqual([...ok].sort());
      const failures = await listInvocations(new ListAsyncInvocationsRequest().withStatus('FAIL'));
      expect(failures.invocations.map((r) => r.request_id)).toEqual([failed]);

      const first = await listInvocations(new ListAsyncInvocationsRequest().withLimit('3'));
      const rest = await listInvocations(
        new ListAsyncInvocationsRequest().withMarker(String(first.next_marker)).withLimit('3'),
      );
      expect([
        first.invocations.length,
        first.next_marker,
        rest.invocations.length,
        rest.next_marker,
      ]).toEqual([3, 3, 1, 4]);
      expect(new Set([...first.invocations, ...rest.invocations].map((r) => r.request_id)).size).toBe(4);

      const before = await listInvocations(
        new ListAsyncInvocationsRequest()
          .withQueryBeginTime(queryTime(new Date(begin.getTime() - 7_200_000)))
          .withQueryEndTime(queryTime(new Date(begin.getTime() - 3_600_000))),
      );
      expect([before.invocations, before.count]).toEqual([[], 0]);

      const active = (await sdk.listActiveAsyncInvocations(
        new ListActiveAsyncInvocationsRequest().withFunctionUrn(workerUrn).withRequests(ok.join(',')),
      )) as unknown as AsyncList;
      expect([active.invocations, active.count]).toEqual([[], 0]);
    });

    it.each([
      ['an unknown status', (r: ListAsyncInvocationsRequest) => r.withStatus('DONE')],
      ['a malformed request id', (r: ListAsyncInvocationsRequest) => r.withRequestId('not-a-request')],
      ['a negative limit', (r: ListAsyncInvocationsRequest) => r.withLimit('-5')],
      [
        'a malformed begin time',
        (r: ListAsyncInvocationsRequest) => r.withQueryBeginTime('yesterday' as unknown as Date),
      ],
      [
        'a window that ends before it begins',
        (r: ListAsyncInvocationsRequest) =>
          r
            .withQueryBeginTime(queryTime(new Date()))
            .withQueryEndTime(queryTime(new Date(Date.now() - 60_000))),
      ],
    ])('refuses %s with 400 FSS.1001', async (_label, build) => {
      const err = await sdkFailure(listInvocations(build(new ListAsyncInvocationsRequest())));
      expect([err.httpStatusCode, err.errorCode]).toEqual([400, 'FSS.1001']);
    });

    it('stops a WAIT request: DISCARD at once and its job removed from the queue', async () => {
      const connection = new Redis(http.stack.redisUrl, { maxRetriesPerRequest: null });
      const queue = new Queue(QUEUES.invocations, { connection });
      let requestId = '';
      // Paused, the invokers take no job, so the request stays WAIT until it is stopped.
      await queue.pause();
      try {
        requestId = await invokeAsync({});
        const active = (await sdk.listActiveAsyncInvocations(
          new ListActiveAsyncInvocationsRequest().withFunctionUrn(workerUrn).withRequests(requestId),
        )) as unknown as AsyncList;
        expect(active.invocations.map((r) => [r.request_id, r.status, r.end_time])).toEqual([
          [requestId, 'WAIT', ''],
        ]);
        expect(await queue.getJob(requestId)).toBeDefined();

        await sdk.cancelAsyncInvocation(
          new CancelAsyncInvocationRequest()
            .withFunctionUrn(workerUrn)
            .withBody(new CancelAsyncInvocationRequestBody().withRequestId(requestId)),
        );
        expect(await queue.getJob(requestId)).toBeUndefined();
      } finally {
        await queue.resume();
        await queue.close();
        await connection.quit();
      }
      const record = await waitForStatus(requestId, TERMINAL, 1);
      expect(record).toMatchObject({ status: 'DISCARD', error_message: 'function invocated canceled' });
      expect(record.end_time).toMatch(TIME);

      const twice = await sdkFailure(
        sdk.cancelAsyncInvocation(
          new CancelAsyncInvocationRequest()
            .withFunctionUrn(workerUrn)
            .withBody(new CancelAsyncInvocationRequestBody().withRequestId(requestId).withType('force')),
        ),
      );
      expect([twice.httpStatusCode, twice.errorCode]).toEqual([400, 'FSS.0400']);
      expect(twice.errorMsg).toContain('already ended with DISCARD');
    });

    it('stops a RUNNING request: DISCARD at once, an abort event for its invoker, the late result fenced out', async () => {
      const subscriber = new Redis(http.stack.redisUrl);
      const aborts: Json[] = [];
      await subscriber.subscribe(CONTROL_EVENTS.invocationAbort);
      subscriber.on('message', (_channel, message: string) => aborts.push(JSON.parse(message) as Json));
      try {
        const requestId = await invokeAsync({ sleepMs: 6000 });
        const running = await waitForStatus(requestId, ['RUNNING', ...TERMINAL]);
        expect(running.status).toBe('RUNNING');

        await sdk.cancelAsyncInvocation(
          new CancelAsyncInvocationRequest()
            .withFunctionUrn(workerUrn)
            .withBody(new CancelAsyncInvocationRequestBody().withRequestId(requestId).withType('force')),
        );
        expect(await waitForStatus(requestId, TERMINAL, 1)).toMatchObject({
          status: 'DISCARD',
          error_message: 'function invocated canceled',
        });
        await waitFor(() => aborts.length > 0, 'the abort event');
        expect(aborts[0]).toMatchObject({
          data: {
            requestId,
            projectId: http.stack.projectId,
            invokerId: http.stack.invokerId,
            attempt: 1,
            type: 'force',
          },
        });

        // The invoker kills the instance and drops the result; nothing may replace DISCARD.
        // Earlier specs may have restarted the stack's invoker under another log file name (invoker-*.log).
        const logs = readdirSync(http.stack.logDir)
          .filter((f) => f.startsWith('invoker'))
          .map((f) => join(http.stack.logDir, f));
        await waitFor(
          () => logs.some((log) => lineOf(log, requestId) !== ''),
          'the invoker to drop the late result',
        );
        expect(await waitForStatus(requestId, TERMINAL, 1)).toMatchObject({ status: 'DISCARD' });
      } finally {
        await subscriber.quit();
      }
    });

    it.each([
      ['an unknown request id', 400, 'FSS.0400', { request_id: '0b0c7f4e-1a2b-4c3d-8e9f-001122334455' }],
      ['a malformed request id', 400, 'FSS.0400', { request_id: 'abc' }],
      ['no request id', 400, 'FSS.0400', {}],
      [
        'an unknown type',
        400,
        'FSS.0400',
        { request_id: '0b0c7f4e-1a2b-4c3d-8e9f-001122334456', type: 'kill' },
      ],
    ])('refuses to stop %s with %s %s', async (_label, status, code, body) => {
      const res = await http.request<Json>('POST', http.fnPath(workerUrn, '/cancel'), { body });
      expect([res.status, res.json['error_code']]).toEqual([status, code]);
    });

    it('refuses to stop a finished request, or one of another tenant', async () => {
      const done = await invokeAsync({});
      await waitForStatus(done, TERMINAL);
      const finished = await sdkFailure(
        sdk.cancelAsyncInvocation(
          new CancelAsyncInvocationRequest()
            .withFunctionUrn(workerUrn)
            .withBody(new CancelAsyncInvocationRequestBody().withRequestId(done)),
        ),
      );
      expect([finished.httpStatusCode, finished.errorCode]).toEqual([400, 'FSS.0400']);
      expect(finished.errorMsg).toContain('already ended with SUCCESS');
      const foreign = await sdkFailure(
        otherSdk.cancelAsyncInvocation(
          new CancelAsyncInvocationRequest()
            .withFunctionUrn(workerUrn)
            .withBody(new CancelAsyncInvocationRequestBody().withRequestId(done)),
        ),
      );
      expect([foreign.httpStatusCode, foreign.errorCode]).toEqual([404, 'FSS.1051']);
      const ownFunction = await sdkFailure(
        otherSdk.cancelAsyncInvocation(
          new CancelAsyncInvocationRequest()
            .withFunctionUrn(otherUrn)
            .withBody(new CancelAsyncInvocationRequestBody().withRequestId(done).withType('recursive')),
        ),
      );
      expect([ownFunction.httpStatusCode, ownFunction.errorCode]).toEqual([400, 'FSS.0400']);
      expect(ownFunction.errorMsg).toBe('Invalid RequestId');
      const foreignList = (await otherSdk.listAsyncInvocations(
        new ListAsyncInvocationsRequest().withFunctionUrn(otherUrn).withRequestId(done),
      )) as unknown as AsyncList;
      expect(foreignList.invocations).toEqual([]);
    });
  });
});

/** The answer without the status code the SDK adds to it. */
function wireBody(answer: Json): Json {
  return Object.fromEntries(Object.entries(answer).filter(([key]) => key !== 'httpStatusCode'));
}

/** The invoker's log line that mentions `requestId` and a dropped result, or ''. */
function lineOf(file: string, requestId: string): string {
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .find((line) => line.includes(requestId) && line.includes('result dropped')) ?? ''
  );
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
