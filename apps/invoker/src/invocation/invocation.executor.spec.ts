import { Logger } from '@nestjs/common';
import { RuntimeInvokeRequest, RuntimeInvokeResponse } from '@ofg/contracts';
import { MetricsService } from '@ofg/observability';
import {
  aFunctionSnapshot,
  anInvocationJob,
  FakeBootstrapBehaviour,
  FakeBootstrapServer,
  FakeContainerRuntime,
} from '@ofg/testing';
import { InstancePoolService } from '../instances/instance-pool.service';
import { InvokerMetrics } from '../metrics/invoker.metrics';
import { BootstrapClient } from '../runtime/bootstrap.client';
import { capLog, InvocationExecutor, MAX_LOG_BYTES } from './invocation.executor';
import { FakeCredentialsProvider, FakeSecretsProvider } from '../secrets/testing/secrets.fakes';

type Script = (
  req: RuntimeInvokeRequest,
  bootstrap: FakeBootstrapServer,
) => RuntimeInvokeResponse | Promise<RuntimeInvokeResponse>;

const ok = (req: RuntimeInvokeRequest): RuntimeInvokeResponse => ({
  status: 'success',
  result: req.event,
  log: `log of ${req.requestId}\n`,
  durationMs: 12.3,
  memoryUsedMb: 42,
});
const never = (): Promise<RuntimeInvokeResponse> => new Promise<RuntimeInvokeResponse>(() => undefined);

describe('InvocationExecutor', () => {
  let runtime: FakeContainerRuntime;
  let bootstrap: BootstrapClient;
  let metrics: MetricsService;
  let pool: InstancePoolService;
  let executor: InvocationExecutor;
  let secrets: FakeSecretsProvider;
  let credentials: FakeCredentialsProvider;
  /** Per-event behaviour: the event's `do` field picks the script. */
  let scripts: Record<string, Script>;

  beforeAll(() => Logger.overrideLogger(false));

  const setup = (behaviour: FakeBootstrapBehaviour = {}): void => {
    secrets = new FakeSecretsProvider();
    credentials = new FakeCredentialsProvider();
    runtime = new FakeContainerRuntime({
      invoke: (req, b) => {
        const action = (JSON.parse(req.event) as { do?: string }).do ?? 'ok';
        return (scripts[action] ?? ok)(req, b);
      },
      ...behaviour,
    });
    bootstrap = new BootstrapClient();
    metrics = new MetricsService();
    const invokerMetrics = new InvokerMetrics(metrics);
    pool = new InstancePoolService(
      runtime,
      bootstrap,
      { getTar: async () => Buffer.from('tar') },
      invokerMetrics,
      {
        invokerId: 'inv-1',
        keepAliveMs: 60_000,
        readyTimeoutMs: 2000,
        runtimeImages: { nodejs: 'img' },
      },
      secrets,
    );
    executor = new InvocationExecutor(
      pool,
      bootstrap,
      invokerMetrics,
      { invokerId: 'inv-1', exitWaitMs: 300 },
      credentials,
    );
  };

  beforeEach(() => {
    scripts = {};
  });

  afterEach(async () => {
    await executor.settled();
    await pool.shutdown();
    await runtime.dispose();
    bootstrap.close();
  });

  const containerOf = (b: FakeBootstrapServer): string =>
    [...runtime.containers.values()].find((c) => c.bootstrap === b)!.id;

  it('runs a job cold, then warm, and replies with the result and metering', async () => {
    setup();
    const snapshot = aFunctionSnapshot().withMemory(256).build();
    const job = anInvocationJob(snapshot).withEvent({ name: 'x' }).build();

    const cold = await executor.execute(job);
    const warm = await executor.execute(anInvocationJob(snapshot).withEvent({ n: 2 }).build());

    expect(cold).toEqual({
      requestId: job.requestId,
      outcome: 'success',
      result: '{"name":"x"}',
      log: `log of ${job.requestId}\n`,
      durationMs: 12.3,
      billingDurationMs: 13,
      memorySizeMb: 256,
      memoryUsedMb: 42,
      startKind: 'cold',
      invokerId: 'inv-1',
    });
    expect(warm).toMatchObject({ outcome: 'success', result: '{"n":2}', startKind: 'warm' });
    expect(runtime.startCalls).toBe(1);
    const sent = runtime.running[0].bootstrap.invokeRequests[0];
    expect(sent).toEqual({ requestId: job.requestId, event: '{"name":"x"}', timeoutMs: 3000 });
    const body = (await metrics.render()).body;
    expect(body).toMatch(/ofg_invocations_total\{outcome="success",start_kind="cold"\} 1/);
    expect(body).toMatch(/ofg_invocations_total\{outcome="success",start_kind="warm"\} 1/);
    expect(body).toMatch(/ofg_cold_starts_total 1/);
  });

  it('returns a handler error as function_error with the error object as result', async () => {
    setup();
    const error = {
      errorMessage: 'function invocation exception, error: boom',
      errorType: 'TypeError',
      stackTrace: ['at x'],
    };
    scripts['fail'] = () => ({ status: 'error', error, log: 'failing\n', durationMs: 2, memoryUsedMb: 30 });

    const reply = await executor.execute(anInvocationJob().withEvent({ do: 'fail' }).build());

    expect(reply).toMatchObject({
      outcome: 'function_error',
      log: 'failing\n',
      durationMs: 2,
      memoryUsedMb: 30,
    });
    expect(JSON.parse(reply!.result)).toEqual(error);
    expect(runtime.removeCalls).toBe(0);
  });

  it('cuts a handler at its timeout, recycles the instance, and serves the next call', async () => {
    setup();
    scripts['hang'] = never;
    const snapshot = aFunctionSnapshot().withTimeout(1).build();

    const started = Date.now();
    const reply = await executor.execute(anInvocationJob(snapshot).withEvent({ do: 'hang' }).build());
    const elapsed = Date.now() - started;

    expect(reply).toMatchObject({ outcome: 'timeout', durationMs: 1000, billingDurationMs: 1000 });
    expect(reply!.result).toBe(
      '{"errorMessage":"function invocation timeout after 1s","errorType":"TimeoutError"}',
    );
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(1600);
    await executor.settled();
    expect(runtime.removeCalls).toBe(1);

    const next = await executor.execute(anInvocationJob(snapshot).withEvent({ after: true }).build());
    expect(next).toMatchObject({ outcome: 'success', startKind: 'cold', result: '{"after":true}' });
    expect(runtime.startCalls).toBe(2);
  });

  it('reports an OOM-killed container as OutOfMemoryError and recycles it', async () => {
    setup();
    scripts['oom'] = (_req, b) => {
      void runtime.crash(containerOf(b), { oomKilled: true, exitCode: 137 });
      return never();
    };

    const reply = await executor.execute(anInvocationJob().withEvent({ do: 'oom' }).build());

    expect(reply).toMatchObject({ outcome: 'function_error', memorySizeMb: 128 });
    expect(reply!.result).toBe(
      '{"errorMessage":"runtime memory limit exceeded","errorType":"OutOfMemoryError"}',
    );
    await executor.settled();
    expect(runtime.removeCalls).toBe(1);
  });

  it('reports a runtime that exited mid-request as a function error', async () => {
    setup();
    scripts['exit'] = (_req, b) => {
      void runtime.crash(containerOf(b), { oomKilled: false, exitCode: 3 });
      return never();
    };

    const reply = await executor.execute(anInvocationJob().withEvent({ do: 'exit' }).build());

    expect(reply).toMatchObject({ outcome: 'function_error' });
    expect(JSON.parse(reply!.result)).toEqual({
      errorMessage: 'runtime process exited unexpectedly (exit code 3)',
      errorType: 'RuntimeExitError',
    });
  });

  it('reports a connection failure of a live container as platform_error FSS.0500 and recycles it', async () => {
    setup();
    scripts['drop'] = async (_req, b) => {
      await b.close();
      return never();
    };
    const snapshot = aFunctionSnapshot().build();

    const reply = await executor.execute(anInvocationJob(snapshot).withEvent({ do: 'drop' }).build());

    expect(reply).toMatchObject({ outcome: 'platform_error', errorCode: 'FSS.0500' });
    await executor.settled();
    expect(runtime.removeCalls).toBe(1);
    expect(await executor.execute(anInvocationJob(snapshot).build())).toMatchObject({
      outcome: 'success',
      startKind: 'cold',
    });
  });

  it('moves a request to a new instance when an idle warm one died in the meantime', async () => {
    setup();
    const snapshot = aFunctionSnapshot().build();
    await executor.execute(anInvocationJob(snapshot).build());
    await runtime.crash(runtime.running[0].id, { oomKilled: false, exitCode: 1 });

    const reply = await executor.execute(anInvocationJob(snapshot).withEvent({ again: 1 }).build());

    expect(reply).toMatchObject({ outcome: 'success', startKind: 'cold', result: '{"again":1}' });
    expect(runtime.startCalls).toBe(2);
    await executor.settled();
    expect(runtime.running.filter((c) => !c.exit)).toHaveLength(1);
  });

  it('refuses a job whose function belongs to another tenant, without starting anything', async () => {
    setup();
    const job = anInvocationJob(aFunctionSnapshot().withProject('b'.repeat(32)).build())
      .forProject('a'.repeat(32))
      .build();

    const reply = await executor.execute(job);

    expect(reply).toMatchObject({ outcome: 'platform_error', errorCode: 'FSS.0403' });
    expect(runtime.startCalls).toBe(0);
  });

  it('drops a sync job whose caller stopped waiting', async () => {
    setup();
    const reply = await executor.execute(
      anInvocationJob()
        .withDeadline(Date.now() - 1)
        .build(),
    );
    expect(reply).toBeNull();
    expect(runtime.startCalls).toBe(0);
  });

  it('runs an async job regardless of deadlines', async () => {
    setup();
    const reply = await executor.execute(anInvocationJob().async().build());
    expect(reply).toMatchObject({ outcome: 'success' });
  });

  it('turns a failed initializer into function_error with the init error and log, and recycles', async () => {
    setup({
      init: () => ({
        ok: false,
        durationMs: 1,
        log: 'init says no\n',
        error: { errorMessage: 'function initialization exception: cannot initialise', errorType: 'Error' },
      }),
    });
    const snapshot = aFunctionSnapshot().withInitializer('index.initializer').build();

    const reply = await executor.execute(anInvocationJob(snapshot).build());

    expect(reply).toMatchObject({ outcome: 'function_error', log: 'init says no\n', startKind: 'cold' });
    expect(JSON.parse(reply!.result)).toMatchObject({
      errorMessage: 'function initialization exception: cannot initialise',
    });
    expect(runtime.running).toHaveLength(0);
  });

  it('puts the initializer log in front of the first invocation log only', async () => {
    setup({ init: () => ({ ok: true, durationMs: 1, log: 'init ran\n' }) });
    const snapshot = aFunctionSnapshot().build();

    const first = await executor.execute(
      anInvocationJob(snapshot).withRequestId('11111111-1111-1111-1111-111111111111').build(),
    );
    const second = await executor.execute(
      anInvocationJob(snapshot).withRequestId('22222222-2222-2222-2222-222222222222').build(),
    );

    expect(first!.log).toBe('init ran\nlog of 11111111-1111-1111-1111-111111111111\n');
    expect(second!.log).toBe('log of 22222222-2222-2222-2222-222222222222\n');
  });

  it('reports a platform error when no instance can be started', async () => {
    setup();
    runtime.failNextStart = new Error('No such image: img');

    const reply = await executor.execute(anInvocationJob().build());

    expect(reply).toMatchObject({ outcome: 'platform_error', errorCode: 'FSS.0500', startKind: 'cold' });
    expect(JSON.parse(reply!.result).errorMessage).toMatch(/No such image/);
  });

  it('passes temporary credentials only to functions with an agency', async () => {
    setup();
    const withAgency = aFunctionSnapshot().withName('agent').build();
    secrets.byFunction.set(withAgency.functionId, { env: {}, agency: 'fgs_agency' });
    const without = aFunctionSnapshot().withName('plain').build();

    await executor.execute(anInvocationJob(withAgency).build());
    await executor.execute(anInvocationJob(without).build());

    const sent = (name: string): RuntimeInvokeRequest =>
      runtime.running.find((c) => c.spec.labels['io.openfunctiongraph.function-urn'].endsWith(`:${name}`))!
        .bootstrap.invokeRequests[0];
    expect(sent('agent').credentials).toEqual({
      accessKey: 'AK1',
      secretKey: 'SK1',
      securityToken: 'ST1',
      authToken: 'TOKEN1',
    });
    expect(sent('plain').credentials).toBeUndefined();
    expect(credentials.calls).toEqual([{ functionId: withAgency.functionId, agency: 'fgs_agency' }]);
  });

  it('does not run a function with an agency when its credentials cannot be issued', async () => {
    setup();
    const snapshot = aFunctionSnapshot().build();
    secrets.byFunction.set(snapshot.functionId, { env: {}, agency: 'fgs_agency' });
    credentials.failWith = new Error('database down');

    const reply = await executor.execute(anInvocationJob(snapshot).build());

    expect(reply).toMatchObject({ outcome: 'platform_error', errorCode: 'FSS.0503' });
    expect(reply!.result).not.toContain('database down');
    expect(runtime.running[0].bootstrap.invokeRequests).toHaveLength(0);
    // The instance is given back and serves the next call once issuing works again.
    credentials.failWith = undefined;
    expect(await executor.execute(anInvocationJob(snapshot).build())).toMatchObject({
      outcome: 'success',
      startKind: 'warm',
    });
  });

  it('caps the log at 1 MB, keeping its tail', async () => {
    setup();
    const big = 'é'.repeat(MAX_LOG_BYTES) + 'THE END';
    scripts['chatty'] = () => ({ status: 'success', result: 'ok', log: big, durationMs: 1, memoryUsedMb: 1 });

    const reply = await executor.execute(anInvocationJob().withEvent({ do: 'chatty' }).build());

    expect(Buffer.byteLength(reply!.log)).toBeLessThanOrEqual(MAX_LOG_BYTES);
    expect(reply!.log.endsWith('éTHE END')).toBe(true);
    expect(reply!.log.includes('\uFFFD')).toBe(false);
  });
});

describe('capLog', () => {
  it('leaves short logs alone', () => {
    expect(capLog('short')).toBe('short');
  });
});
