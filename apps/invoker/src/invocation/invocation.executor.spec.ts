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
import { InstancePoolService, PoolOptions } from '../instances/instance-pool.service';
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

  const setup = (behaviour: FakeBootstrapBehaviour = {}, poolOptions: Partial<PoolOptions> = {}): void => {
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
        ...poolOptions,
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
      startReason: 'no_instance',
      invokerId: 'inv-1',
    });
    expect(warm).toMatchObject({ outcome: 'success', result: '{"n":2}', startKind: 'warm' });
    expect(warm).not.toHaveProperty('startReason');
    expect(runtime.startCalls).toBe(1);
    const sent = runtime.running[0].bootstrap.invokeRequests[0];
    expect(sent).toEqual({ requestId: job.requestId, event: '{"name":"x"}', timeoutMs: 3000 });
    const body = (await metrics.render()).body;
    expect(body).toMatch(/ofg_invocations_total\{outcome="success",start_kind="cold"\} 1/);
    expect(body).toMatch(/ofg_invocations_total\{outcome="success",start_kind="warm"\} 1/);
    expect(body).toMatch(/ofg_cold_starts_total 1/);
    expect(body).toMatch(/ofg_invoker_starts_total\{kind="cold",reason="no_instance"\} 1/);
    expect(body).toMatch(/ofg_invoker_starts_total\{kind="warm",reason="none"\} 1/);
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

  it('recycles an instance a function error left at its pid limit (a fork bomb), and serves the next call anew', async () => {
    setup();
    const error = {
      errorMessage: '[Errno 11] Resource temporarily unavailable',
      errorType: 'BlockingIOError',
    };
    scripts['bomb'] = () => {
      runtime.pidsInUse = { current: 127, limit: 128 };
      return { status: 'error', error, log: 'forking\n', durationMs: 5, memoryUsedMb: 20 };
    };
    const snapshot = aFunctionSnapshot().build();

    const reply = await executor.execute(anInvocationJob(snapshot).withEvent({ do: 'bomb' }).build());

    expect(reply).toMatchObject({ outcome: 'function_error', log: 'forking\n' });
    expect(JSON.parse(reply!.result)).toEqual(error);
    await executor.settled();
    expect(runtime.removeCalls).toBe(1);
    runtime.pidsInUse = undefined;
    expect(await executor.execute(anInvocationJob(snapshot).build())).toMatchObject({
      outcome: 'success',
      startKind: 'cold',
    });
  });

  it('keeps an instance after a function error that left pids to spare', async () => {
    setup();
    runtime.pidsInUse = { current: 20, limit: 128 };
    scripts['fail'] = () => ({
      status: 'error',
      error: { errorMessage: 'no', errorType: 'Error' },
      log: '',
      durationMs: 1,
      memoryUsedMb: 10,
    });
    const snapshot = aFunctionSnapshot().build();

    const failed = await executor.execute(anInvocationJob(snapshot).withEvent({ do: 'fail' }).build());
    expect(failed).toMatchObject({ outcome: 'function_error' });
    expect(await executor.execute(anInvocationJob(snapshot).build())).toMatchObject({
      outcome: 'success',
      startKind: 'warm',
    });
    expect(runtime.removeCalls).toBe(0);
  });

  it('reports a bootstrap that fails at the pid limit as a process limit function error and recycles it', async () => {
    setup();
    scripts['starved'] = async (_req, b) => {
      runtime.pidsInUse = { current: 128, limit: 128 };
      await b.close();
      return never();
    };

    const reply = await executor.execute(anInvocationJob().withEvent({ do: 'starved' }).build());

    expect(reply).toMatchObject({ outcome: 'function_error' });
    expect(JSON.parse(reply!.result)).toEqual({
      errorMessage: 'runtime process limit exceeded',
      errorType: 'ProcessLimitError',
    });
    await executor.settled();
    expect(runtime.removeCalls).toBe(1);
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

  it('answers FSS.0429 with the FunctionGraph error body when the function is at its max instances', async () => {
    setup({}, { waitTimeoutMs: 50 });
    scripts['hold'] = never;
    const snapshot = aFunctionSnapshot().withMaxInstances(1).build();
    void executor.execute(anInvocationJob(snapshot).withEvent({ do: 'hold' }).build());
    await new Promise((r) => setTimeout(r, 50));

    const reply = await executor.execute(anInvocationJob(snapshot).build());

    expect(reply).toMatchObject({ outcome: 'platform_error', errorCode: 'FSS.0429' });
    expect(JSON.parse(reply!.result)).toMatchObject({
      error_code: 'FSS.0429',
      error_msg: 'the function reached its maximum instances',
      errorMessage: 'the function reached its maximum instances',
    });
    expect(runtime.startCalls).toBe(1);
  });

  it('refuses a disabled function with FSS.0429 without starting anything', async () => {
    setup();
    const reply = await executor.execute(
      anInvocationJob(aFunctionSnapshot().withMaxInstances(0).build()).build(),
    );

    expect(reply).toMatchObject({ outcome: 'platform_error', errorCode: 'FSS.0429' });
    expect(JSON.parse(reply!.result)).toMatchObject({ error_msg: 'Function Disabled' });
    expect(runtime.startCalls).toBe(0);
  });

  it('replies why the instance was started: after a crash, the next start says so', async () => {
    setup();
    const snapshot = aFunctionSnapshot().build();
    scripts['exit'] = async (_req, b) => {
      await runtime.crash(containerOf(b));
      return never();
    };
    expect(await executor.execute(anInvocationJob(snapshot).withEvent({ do: 'exit' }).build())).toMatchObject(
      {
        startKind: 'cold',
        startReason: 'no_instance',
      },
    );
    await executor.settled();

    expect(await executor.execute(anInvocationJob(snapshot).build())).toMatchObject({
      outcome: 'success',
      startKind: 'cold',
      startReason: 'after_crash',
    });
  });

  it('replies prewarm when a prewarmed container was specialized, with the initializer log', async () => {
    setup(
      { init: () => ({ ok: true, durationMs: 1, log: 'init ran\n' }) },
      { prewarm: { size: 1, profiles: [{ family: 'nodejs', memoryMb: 128 }], recentMs: 0 } },
    );
    await pool.sweepOrphans();
    while (pool.prewarmed().ready < 1) await new Promise((r) => setTimeout(r, 5));

    const reply = await executor.execute(anInvocationJob(aFunctionSnapshot().build()).build());

    expect(reply).toMatchObject({ outcome: 'success', startKind: 'prewarm', startReason: 'no_instance' });
    expect(reply!.log.startsWith('init ran\n')).toBe(true);
    expect((await metrics.render()).body).toMatch(
      /ofg_invoker_starts_total\{kind="prewarm",reason="no_instance"\} 1/,
    );
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
    expect(reply!.log).toMatch(/^\[log truncated: \d+ bytes dropped\]\n/);
  });
});

describe('capLog', () => {
  it('leaves short logs alone', () => {
    expect(capLog('short')).toBe('short');
  });

  it('keeps the tail of a long log behind a marker that counts the dropped bytes', () => {
    const log = 'a'.repeat(MAX_LOG_BYTES) + 'tail';
    const capped = capLog(log);
    const dropped = Number(/^\[log truncated: (\d+) bytes dropped\]\n/.exec(capped)?.[1]);
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(MAX_LOG_BYTES);
    expect(capped.endsWith('atail')).toBe(true);
    expect(dropped + Buffer.byteLength(capped.slice(capped.indexOf('\n') + 1))).toBe(Buffer.byteLength(log));
  });
});
