import { Logger } from '@nestjs/common';
import { CONTAINER_LABELS, FunctionSnapshot } from '@ofg/contracts';
import { MetricsService } from '@ofg/observability';
import { aFunctionSnapshot, FakeBootstrapBehaviour, FakeContainerRuntime } from '@ofg/testing';
import { InvokerMetrics } from '../metrics/invoker.metrics';
import { BootstrapClient } from '../runtime/bootstrap.client';
import { InstanceInitError, InstanceStartError } from './instance.errors';
import { CodeTarProvider, InstancePoolService, PoolOptions } from './instance-pool.service';
import { FakeSecretsProvider } from '../secrets/testing/secrets.fakes';

const INVOKER_ID = 'test-invoker';
const KEEP_ALIVE_MS = 60_000;

class CountingCode implements CodeTarProvider {
  calls = 0;
  async getTar(): Promise<Buffer> {
    this.calls += 1;
    return Buffer.from('a tar');
  }
}

describe('InstancePoolService', () => {
  let runtime: FakeContainerRuntime;
  let bootstrap: BootstrapClient;
  let code: CountingCode;
  let metrics: InvokerMetrics;
  let pool: InstancePoolService;
  let secrets: FakeSecretsProvider;
  let clockOffset: number;

  const makePool = (
    behaviour: FakeBootstrapBehaviour = {},
    options: Partial<PoolOptions> = {},
  ): InstancePoolService => {
    runtime = new FakeContainerRuntime(behaviour);
    secrets = new FakeSecretsProvider();
    pool = new InstancePoolService(
      runtime,
      bootstrap,
      code,
      metrics,
      {
        invokerId: INVOKER_ID,
        keepAliveMs: KEEP_ALIVE_MS,
        readyTimeoutMs: 2000,
        runtimeImages: { nodejs: 'openfunctiongraph/runtime-nodejs:test' },
        now: () => Date.now() + clockOffset,
        ...options,
      },
      secrets,
    );
    return pool;
  };

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    bootstrap = new BootstrapClient();
    code = new CountingCode();
    metrics = new InvokerMetrics(new MetricsService());
    clockOffset = 0;
  });

  afterEach(async () => {
    await pool.shutdown();
    await runtime.dispose();
    bootstrap.close();
  });

  it('starts a container on the first acquire and reuses it warm after release', async () => {
    makePool();
    const snapshot = aFunctionSnapshot().withUserData({ GREETING: 'hi' }).build();

    const first = await pool.acquire(snapshot);
    expect(first.startKind).toBe('cold');
    pool.release(first.instance);
    const second = await pool.acquire(snapshot);

    expect(second.startKind).toBe('warm');
    expect(second.instance).toBe(first.instance);
    expect(runtime.startCalls).toBe(1);
    expect(code.calls).toBe(1);
    const [container] = runtime.running;
    expect(container.bootstrap.code?.toString()).toBe('a tar');
    expect(container.spec).toMatchObject({
      image: 'openfunctiongraph/runtime-nodejs:test',
      memoryMb: 128,
      cpuMillicores: 300,
    });
    expect(container.spec.labels).toMatchObject({
      [CONTAINER_LABELS.managed]: 'true',
      [CONTAINER_LABELS.invokerId]: INVOKER_ID,
      [CONTAINER_LABELS.projectId]: snapshot.projectId,
      [CONTAINER_LABELS.functionUrn]: snapshot.funcUrn,
      [CONTAINER_LABELS.version]: 'latest',
    });
    expect(container.bootstrap.initRequest).toEqual({
      handler: 'index.handler',
      env: {
        GREETING: 'hi',
        RUNTIME_PROJECT_ID: snapshot.projectId,
        RUNTIME_FUNC_NAME: 'hello',
        RUNTIME_FUNC_VERSION: 'latest',
        RUNTIME_PACKAGE: 'default',
        RUNTIME_HANDLER: 'index.handler',
        RUNTIME_TIMEOUT: '3',
        RUNTIME_USERDATA: '{"GREETING":"hi"}',
        RUNTIME_CPU: '300',
        RUNTIME_MEMORY: '128',
        RUNTIME_CODE_ROOT: '/opt/function/code',
      },
      runtime: 'Node.js20.15',
    });
  });

  it('serves up to concurrentNum requests per instance, then starts another', async () => {
    makePool();
    const snapshot = aFunctionSnapshot().withConcurrency(2).build();

    const a = await pool.acquire(snapshot);
    const b = await pool.acquire(snapshot);
    const c = await pool.acquire(snapshot);

    expect(b.instance).toBe(a.instance);
    expect(b.startKind).toBe('warm');
    expect(c.instance).not.toBe(a.instance);
    expect(c.startKind).toBe('cold');
    expect(runtime.startCalls).toBe(2);
    expect(a.instance.state).toBe('busy');
    pool.release(a.instance);
    expect(a.instance.state).toBe('busy');
    pool.release(b.instance);
    expect(a.instance.state).toBe('idle');
  });

  it('does not start duplicate containers for concurrent cold acquires', async () => {
    makePool();
    runtime.startDelayMs = 50;
    const shared = aFunctionSnapshot().withConcurrency(5).build();

    const five = await Promise.all(Array.from({ length: 5 }, () => pool.acquire(shared)));

    expect(runtime.startCalls).toBe(1);
    expect(new Set(five.map((a) => a.instance)).size).toBe(1);
    expect(five.every((a) => a.startKind === 'cold')).toBe(true);
  });

  it('starts exactly ceil(demand / concurrentNum) containers for a burst', async () => {
    makePool();
    runtime.startDelayMs = 30;
    const snapshot = aFunctionSnapshot().withConcurrency(3).build();

    const seven = await Promise.all(Array.from({ length: 7 }, () => pool.acquire(snapshot)));

    expect(runtime.startCalls).toBe(3);
    expect(new Set(seven.map((a) => a.instance)).size).toBe(3);
  });

  it('never shares an instance across tenants, versions or configurations', async () => {
    makePool();
    const base = aFunctionSnapshot().withName('same').build();
    const otherTenant = aFunctionSnapshot()
      .withName('same')
      .withProject('ffffffffffffffffffffffffffffffff')
      .build();
    const otherVersion = aFunctionSnapshot().withName('same').withVersion('v1').build();
    const otherConfig = aFunctionSnapshot().withName('same').withMemory(256).build();

    for (const s of [base, otherTenant, otherVersion, otherConfig])
      pool.release((await pool.acquire(s)).instance);

    expect(runtime.startCalls).toBe(4);
  });

  it('retires the instances of a changed function: idle ones at once, busy ones when released', async () => {
    makePool();
    const idle = aFunctionSnapshot().build();
    const busy = { ...idle, configDigest: 'an-older-configuration' };
    const other = aFunctionSnapshot().build();
    pool.release((await pool.acquire(idle)).instance);
    const held = (await pool.acquire(busy)).instance;
    pool.release((await pool.acquire(other)).instance);
    expect(runtime.running).toHaveLength(3);

    expect(await pool.retireFunction(idle.projectId, idle.functionId, false)).toBe(2);
    expect(runtime.running).toHaveLength(2);
    expect(held.hasSpareCapacity).toBe(false);
    pool.release(held);
    await new Promise((r) => setImmediate(r));
    expect(runtime.running.map((c) => c.spec.labels[CONTAINER_LABELS.functionUrn])).toEqual([other.funcUrn]);
    expect((await pool.acquire(idle)).startKind).toBe('cold');
  });

  it('keeps published versions on an update of latest, and retires them on deletion', async () => {
    makePool();
    const v1 = aFunctionSnapshot().withVersion('v1').build();
    pool.release((await pool.acquire(v1)).instance);
    expect(await pool.retireFunction(v1.projectId, v1.functionId, false)).toBe(0);
    expect(await pool.retireFunction('another-project', v1.functionId, true)).toBe(0);
    expect(await pool.retireFunction(v1.projectId, v1.functionId, true)).toBe(1);
    expect(runtime.running).toHaveLength(0);
  });

  it('removes instances idle longer than the keep-alive, and only those', async () => {
    makePool();
    const idle = aFunctionSnapshot().withName('idle').build();
    const busy = aFunctionSnapshot().withName('busy').build();
    const idleLease = await pool.acquire(idle);
    pool.release(idleLease.instance);
    await pool.acquire(busy);

    clockOffset = KEEP_ALIVE_MS - 1000;
    expect(await pool.sweepIdle()).toBe(0);
    clockOffset = KEEP_ALIVE_MS + 1000;
    expect(await pool.sweepIdle()).toBe(1);

    expect(runtime.removeCalls).toBe(1);
    expect(runtime.containers.get(idleLease.instance.handle!.id)!.removed).toBe(true);
    expect(pool.instances(busy)).toHaveLength(1);
    const again = await pool.acquire(idle);
    expect(again.startKind).toBe('cold');
  });

  it('sweeps containers of this invoker left from an earlier run, not other invokers', async () => {
    makePool();
    runtime.addLeftover('old-1', {
      [CONTAINER_LABELS.managed]: 'true',
      [CONTAINER_LABELS.invokerId]: INVOKER_ID,
    });
    runtime.addLeftover('old-2', {
      [CONTAINER_LABELS.managed]: 'true',
      [CONTAINER_LABELS.invokerId]: INVOKER_ID,
    });
    runtime.addLeftover('theirs', {
      [CONTAINER_LABELS.managed]: 'true',
      [CONTAINER_LABELS.invokerId]: 'another-invoker',
    });
    const live = await pool.acquire(aFunctionSnapshot().build());

    expect(await pool.sweepOrphans()).toBe(2);

    expect([...runtime.leftovers.keys()]).toEqual(['theirs']);
    expect(runtime.containers.get(live.instance.handle!.id)!.removed).toBe(false);
  });

  it('never sweeps the container of an instance whose start is still in flight', async () => {
    makePool();
    runtime.startDelayMs = 150;
    const acquiring = pool.acquire(aFunctionSnapshot().build());
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(runtime.creating.size).toBe(1);

    expect(await pool.sweepOrphans()).toBe(0);

    const { instance } = await acquiring;
    expect(runtime.containers.get(instance.handle!.id)!.removed).toBe(false);
  });

  it('recycles an instance: its container goes and the next acquire starts a new one', async () => {
    makePool();
    const snapshot = aFunctionSnapshot().build();
    const first = await pool.acquire(snapshot);

    await pool.recycle(first.instance, 'invocation timeout');

    expect(runtime.removeCalls).toBe(1);
    expect(first.instance.state).toBe('draining');
    const next = await pool.acquire(snapshot);
    expect(next.startKind).toBe('cold');
    expect(next.instance).not.toBe(first.instance);
  });

  it('reports a failed initializer as InstanceInitError and removes the container', async () => {
    makePool({
      init: () => ({
        ok: false,
        durationMs: 3,
        log: 'init log\n',
        error: { errorMessage: 'function initialization exception: nope', errorType: 'Error' },
      }),
    });
    const snapshot = aFunctionSnapshot().withInitializer('index.initializer', 5).build();

    const failure = pool.acquire(snapshot);

    await expect(failure).rejects.toBeInstanceOf(InstanceInitError);
    await expect(failure).rejects.toMatchObject({
      error: { errorMessage: 'function initialization exception: nope' },
      log: 'init log\n',
    });
    expect(runtime.running).toHaveLength(0);
    expect(pool.instances(snapshot)).toHaveLength(0);
    expect(runtime.containers.values().next().value!.bootstrap.initRequest).toMatchObject({
      initializer: 'index.initializer',
      initializerTimeoutMs: 5000,
    });
  });

  it('fails every waiter of a start that fails, and removes the container', async () => {
    makePool({ readyAfterMs: 60_000 }, { readyTimeoutMs: 300 });
    const snapshot = aFunctionSnapshot().withConcurrency(3).build();

    const results = await Promise.allSettled([pool.acquire(snapshot), pool.acquire(snapshot)]);

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(InstanceStartError);
    expect(runtime.startCalls).toBe(1);
    expect(runtime.running).toHaveLength(0);
  });

  it('refuses runtimes it has no image for without touching the engine', async () => {
    makePool();
    await expect(pool.acquire(aFunctionSnapshot().withRuntime('Java17').build())).rejects.toThrow(
      'runtime Java17 is not supported',
    );
    expect(runtime.startCalls).toBe(0);
  });

  it('removes every container and refuses new acquires on shutdown', async () => {
    makePool();
    const snapshots: FunctionSnapshot[] = [
      aFunctionSnapshot().withName('a').build(),
      aFunctionSnapshot().withName('b').build(),
    ];
    for (const s of snapshots) await pool.acquire(s);

    await pool.shutdown();

    expect(runtime.running).toHaveLength(0);
    await expect(pool.acquire(snapshots[0])).rejects.toBeInstanceOf(InstanceStartError);
  });

  it('counts instances by state for the ofg_instances gauge', async () => {
    makePool();
    const lease = await pool.acquire(aFunctionSnapshot().build());
    expect(await metrics.instanceCount('busy')).toBe(1);
    pool.release(lease.instance);
    expect(await metrics.instanceCount('idle')).toBe(1);
    expect(await metrics.instanceCount('busy')).toBe(0);
  });

  describe('encrypted variables and agency', () => {
    it('puts decrypted variables and the API endpoint into the init env and RUNTIME_USERDATA, never the container spec', async () => {
      makePool({}, { apiEndpoint: 'http://172.19.0.1:8080' });
      const snapshot = aFunctionSnapshot().withUserData({ GREETING: 'hi', SHARED: 'plain' }).build();
      secrets.byFunction.set(snapshot.functionId, {
        env: { SECRET_X: 's3cr3t', SHARED: 'secret wins' },
        agency: 'fgs_agency',
      });

      const { instance } = await pool.acquire(snapshot);

      const [container] = runtime.running;
      expect(container.bootstrap.initRequest?.env).toMatchObject({
        GREETING: 'hi',
        SECRET_X: 's3cr3t',
        SHARED: 'secret wins',
        OFG_API_ENDPOINT: 'http://172.19.0.1:8080',
        RUNTIME_PROJECT_ID: snapshot.projectId,
      });
      expect(JSON.parse(container.bootstrap.initRequest!.env['RUNTIME_USERDATA'])).toEqual({
        GREETING: 'hi',
        SHARED: 'secret wins',
        SECRET_X: 's3cr3t',
      });
      expect(JSON.stringify(container.spec)).not.toContain('s3cr3t');
      expect(instance.agency).toBe('fgs_agency');
    });

    it('loads them once per cold start, not per warm acquire, and lets platform variables win', async () => {
      makePool();
      const snapshot = aFunctionSnapshot().build();
      secrets.byFunction.set(snapshot.functionId, {
        env: { RUNTIME_PROJECT_ID: 'spoofed', OFG_API_ENDPOINT: 'http://evil' },
        agency: '',
      });
      const first = await pool.acquire(snapshot);
      pool.release(first.instance);
      await pool.acquire(snapshot);
      expect(secrets.loads).toBe(1);
      const env = runtime.running[0].bootstrap.initRequest!.env;
      expect(env['RUNTIME_PROJECT_ID']).toBe(snapshot.projectId);
      expect(env['OFG_API_ENDPOINT']).toBe('http://evil');
      expect(first.instance.agency).toBe('');
    });

    it('fails the start and removes the container when the secrets cannot be read', async () => {
      makePool();
      secrets.failWith = new InstanceStartError('function gone', 'FSS.1051');
      await expect(pool.acquire(aFunctionSnapshot().build())).rejects.toMatchObject({
        errorCode: 'FSS.1051',
      });
      expect(runtime.running).toHaveLength(0);
      expect([...runtime.containers.values()][0].bootstrap.initRequest).toBeUndefined();
    });
  });
});
