import { Logger } from '@nestjs/common';
import { CONTAINER_LABELS, FunctionSnapshot } from '@ofg/contracts';
import { MetricsService } from '@ofg/observability';
import { aFunctionSnapshot, FakeBootstrapBehaviour, FakeContainerRuntime } from '@ofg/testing';
import { InvokerMetrics } from '../metrics/invoker.metrics';
import { BootstrapClient } from '../runtime/bootstrap.client';
import { FakeSecretsProvider } from '../secrets/testing/secrets.fakes';
import { InstanceCapacityError } from './instance.errors';
import { InstancePoolService, PoolOptions } from './instance-pool.service';
import { LocalSlotBoard, slotKeyOf } from './instance-slots';

const KEEP_ALIVE_MS = 60_000;
const PREWARM_NODE_128 = { size: 1, profiles: [{ family: 'nodejs', memoryMb: 128 }], recentMs: 0 };

/** One invoker: its own engine, pool and metrics; invokers of one test share a slot board. */
interface TestInvoker {
  id: string;
  runtime: FakeContainerRuntime;
  pool: InstancePoolService;
  metrics: MetricsService;
}

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('InstancePoolService limits, prewarm pool and reservations', () => {
  let board: LocalSlotBoard;
  let invokers: TestInvoker[];
  let bootstrap: BootstrapClient;
  let clockOffset: number;

  const invoker = (
    options: Partial<PoolOptions> = {},
    behaviour: FakeBootstrapBehaviour = {},
    id = `inv-${invokers.length + 1}`,
  ): TestInvoker => {
    const runtime = new FakeContainerRuntime(behaviour);
    const metrics = new MetricsService();
    const pool = new InstancePoolService(
      runtime,
      bootstrap,
      { getTar: async () => Buffer.from('a tar') },
      new InvokerMetrics(metrics),
      {
        invokerId: id,
        keepAliveMs: KEEP_ALIVE_MS,
        readyTimeoutMs: 2000,
        runtimeImages: { nodejs: 'runtime-nodejs:test', python: 'runtime-python:test' },
        waitTimeoutMs: 200,
        now: () => Date.now() + clockOffset,
        ...options,
      },
      new FakeSecretsProvider(),
      board.view(id),
    );
    const created = { id, runtime, pool, metrics };
    invokers.push(created);
    return created;
  };

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    board = new LocalSlotBoard();
    invokers = [];
    bootstrap = new BootstrapClient();
    clockOffset = 0;
  });

  afterEach(async () => {
    for (const i of invokers) await i.pool.shutdown();
    for (const i of invokers) await i.runtime.dispose();
    bootstrap.close();
  });

  describe('max instances across invokers', () => {
    it('refuses a start beyond max instances on another invoker with FSS.0429 after the wait bound', async () => {
      const a = invoker();
      const b = invoker();
      const fn = aFunctionSnapshot().withMaxInstances(1).build();
      await a.pool.acquire(fn);

      const refused = b.pool.acquire(fn);

      await expect(refused).rejects.toBeInstanceOf(InstanceCapacityError);
      await expect(refused).rejects.toMatchObject({
        errorCode: 'FSS.0429',
        limit: 'max_instances',
        message: 'the function reached its maximum instances',
      });
      expect(b.runtime.startCalls).toBe(0);
      expect(board.total(slotKeyOf(fn))).toBe(1);
      const text = (await b.metrics.render()).body;
      expect(text).toMatch(/ofg_instance_capacity_rejections_total\{limit="max_instances"\} 1/);
    });

    it('packs concurrent_num requests per instance and refuses the one beyond max instances × concurrent_num', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().withMaxInstances(2).withConcurrency(3).build();

      const six = await Promise.all(Array.from({ length: 6 }, () => a.pool.acquire(fn)));

      expect(new Set(six.map((x) => x.instance)).size).toBe(2);
      expect(a.runtime.startCalls).toBe(2);
      await expect(a.pool.acquire(fn)).rejects.toMatchObject({ limit: 'max_instances' });
    });

    it('gives a waiting request the slot when a busy instance on another invoker is released', async () => {
      const a = invoker({ waitTimeoutMs: 5000 });
      const b = invoker({ waitTimeoutMs: 5000 });
      const fn = aFunctionSnapshot().withMaxInstances(1).build();
      const held = await a.pool.acquire(fn);

      const waiting = b.pool.acquire(fn);
      await new Promise((r) => setTimeout(r, 50));
      expect(b.runtime.startCalls).toBe(0);
      a.pool.release(held.instance);
      const got = await waiting;

      expect(got).toMatchObject({ startKind: 'cold', startReason: 'no_instance' });
      expect(a.runtime.running).toHaveLength(0);
      expect(b.runtime.running).toHaveLength(1);
      expect(board.total(slotKeyOf(fn))).toBe(1);
      expect((await a.metrics.render()).body).toMatch(
        /ofg_instance_evictions_total\{reason="handed_over"\} 1/,
      );
    });

    it('hands an idle instance over to another invoker at once instead of letting its request wait', async () => {
      const a = invoker({ waitTimeoutMs: 5000 });
      const b = invoker({ waitTimeoutMs: 5000 });
      const fn = aFunctionSnapshot().withMaxInstances(1).build();
      a.pool.release((await a.pool.acquire(fn)).instance);

      const got = await b.pool.acquire(fn);

      expect(got.startKind).toBe('cold');
      expect(a.runtime.running).toHaveLength(0);
      expect(b.runtime.running).toHaveLength(1);
    });

    it('gives the slot of an idle instance of another version of the function to a waiting request', async () => {
      const a = invoker({ waitTimeoutMs: 5000 });
      const v1 = aFunctionSnapshot().withMaxInstances(1).withVersion('v1').build();
      const latest = { ...v1, version: 'latest', configDigest: 'latest-digest' };
      a.pool.release((await a.pool.acquire(v1)).instance);

      const got = await a.pool.acquire(latest);

      expect(got).toMatchObject({ startKind: 'cold', startReason: 'no_instance' });
      expect(a.pool.instances(v1)).toHaveLength(0);
      expect(a.runtime.running).toHaveLength(1);
    });

    it('never hands over a reserved instance', async () => {
      const a = invoker();
      const b = invoker();
      const fn = aFunctionSnapshot().withMaxInstances(1).build();
      await a.pool.reserve(fn, 1);

      await expect(b.pool.acquire(fn)).rejects.toMatchObject({ limit: 'max_instances' });
      expect(a.pool.reservedCount(fn)).toBe(1);
      expect(a.runtime.running).toHaveLength(1);
    });

    it('gives up its instances of capped functions when its slot lease had lapsed', async () => {
      const a = invoker();
      const capped = aFunctionSnapshot().withName('capped').withMaxInstances(2).build();
      const open = aFunctionSnapshot().withName('open').build();
      const idle = await a.pool.acquire(capped);
      const busy = await a.pool.acquire(capped);
      a.pool.release(idle.instance);
      a.pool.release((await a.pool.acquire(open)).instance);

      a.pool.onLeaseLost();
      await tick();

      expect(a.pool.instances(capped)).toEqual([busy.instance]);
      expect(busy.instance.hasSpareCapacity).toBe(false);
      expect(a.pool.instances(open)).toHaveLength(1);
      a.pool.release(busy.instance);
      await tick();
      expect(a.pool.instances(capped)).toHaveLength(0);
      expect(board.total(slotKeyOf(capped))).toBe(0);
    });

    it('refuses a disabled function (max instances 0) without touching the engine', async () => {
      const a = invoker({ waitTimeoutMs: 5000 });
      const refused = a.pool.acquire(aFunctionSnapshot().withMaxInstances(0).build());

      await expect(refused).rejects.toMatchObject({
        errorCode: 'FSS.0429',
        limit: 'disabled',
        message: 'Function Disabled',
      });
      expect(a.runtime.startCalls).toBe(0);
    });

    it('stops waiting at the deadline of a sync request', async () => {
      const a = invoker({ waitTimeoutMs: 60_000 });
      const fn = aFunctionSnapshot().withMaxInstances(1).build();
      await a.pool.acquire(fn);

      await expect(a.pool.acquire(fn, { deadline: Date.now() + 50 })).rejects.toMatchObject({
        limit: 'max_instances',
      });
    });

    it('gives its slots back when instances go, and all of them on shutdown', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().withMaxInstances(3).build();
      const [x] = await Promise.all([a.pool.acquire(fn), a.pool.acquire(fn)]);
      expect(board.total(slotKeyOf(fn))).toBe(2);

      await a.pool.recycle(x.instance, 'invocation timeout', 'crash');
      expect(board.total(slotKeyOf(fn))).toBe(1);
      await a.pool.shutdown();
      expect(board.total(slotKeyOf(fn))).toBe(0);
    });

    it('gives the slot back when the start fails', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().withMaxInstances(1).build();
      a.runtime.failNextStart = new Error('engine hiccup');

      await expect(a.pool.acquire(fn)).rejects.toThrow('engine hiccup');
      expect(board.total(slotKeyOf(fn))).toBe(0);
      expect((await a.pool.acquire(fn)).startReason).toBe('no_instance');
    });
  });

  describe('memory budget', () => {
    it('evicts the least recently used idle instance, never a busy or reserved one', async () => {
      const a = invoker({ memoryBudgetMb: 512 });
      const [reserved, lru, recent, busy, fresh] = ['r', 'lru', 'recent', 'busy', 'fresh'].map((n) =>
        aFunctionSnapshot().withName(n).build(),
      );
      await a.pool.reserve(reserved, 1);
      clockOffset = 10;
      a.pool.release((await a.pool.acquire(lru)).instance);
      clockOffset = 20;
      a.pool.release((await a.pool.acquire(recent)).instance);
      clockOffset = 30;
      await a.pool.acquire(busy);
      expect(a.pool.memory().committedMb).toBe(512);

      clockOffset = 40;
      const got = await a.pool.acquire(fresh);

      expect(got.startKind).toBe('cold');
      expect(a.pool.instances(lru)).toHaveLength(0);
      expect(a.pool.instances(recent)).toHaveLength(1);
      expect(a.pool.instances(busy)).toHaveLength(1);
      expect(a.pool.reservedCount(reserved)).toBe(1);
      expect(a.runtime.running).toHaveLength(4);
      expect(a.pool.memory().committedMb).toBe(512);
      expect((await a.pool.acquire(lru)).startReason).toBe('evicted');
      expect(a.pool.instances(recent)).toHaveLength(0);
    });

    it('removes the evicted container before it starts the new one', async () => {
      const a = invoker({ memoryBudgetMb: 256 });
      const big = aFunctionSnapshot().withName('big').withMemory(256).build();
      const next = aFunctionSnapshot().withName('next').withMemory(256).build();
      a.pool.release((await a.pool.acquire(big)).instance);
      const removed: number[] = [];
      const remove = a.runtime.remove.bind(a.runtime);
      a.runtime.remove = async (id) => {
        await remove(id);
        removed.push(a.runtime.startCalls);
      };

      await a.pool.acquire(next);

      expect(removed).toEqual([1]);
      expect(a.runtime.startCalls).toBe(2);
    });

    it('evicts one instance per concurrent admission, not again for memory already being freed', async () => {
      const a = invoker({ memoryBudgetMb: 1024 });
      const idle = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) =>
        aFunctionSnapshot().withName(n).build(),
      );
      for (const [i, fn] of idle.entries()) {
        clockOffset = i;
        a.pool.release((await a.pool.acquire(fn)).instance);
      }
      // A slow engine: the evicted containers stay committed while four new instances are admitted at once.
      const remove = a.runtime.remove.bind(a.runtime);
      a.runtime.remove = async (id) => {
        await new Promise((r) => setTimeout(r, 50));
        await remove(id);
      };

      const fresh = ['i', 'j', 'k', 'l'].map((n) => aFunctionSnapshot().withName(n).build());
      const got = await Promise.all(fresh.map((fn) => a.pool.acquire(fn)));

      expect(got.map((g) => g.startReason)).toEqual(Array(4).fill('no_instance'));
      // The four least recently used go; the other four stay warm.
      expect(a.runtime.removeCalls).toBe(4);
      expect(a.runtime.running).toHaveLength(8);
      expect(idle.map((fn) => a.pool.instances(fn).length)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
      expect(a.pool.memory().committedMb).toBe(1024);
      expect((await a.metrics.render()).body).toMatch(/ofg_instance_evictions_total\{reason="memory"\} 4/);
    });

    it('waits for memory, then refuses with FSS.0429 when nothing can be evicted', async () => {
      const a = invoker({ memoryBudgetMb: 256 });
      await a.pool.acquire(aFunctionSnapshot().withName('one').build());
      await a.pool.acquire(aFunctionSnapshot().withName('two').build());

      await expect(a.pool.acquire(aFunctionSnapshot().withName('three').build())).rejects.toMatchObject({
        errorCode: 'FSS.0429',
        limit: 'memory',
      });
      expect(a.runtime.startCalls).toBe(2);
    });

    it('starts a waiting request once a busy instance is released and can be evicted', async () => {
      const a = invoker({ memoryBudgetMb: 128, waitTimeoutMs: 5000 });
      const first = aFunctionSnapshot().withName('first').build();
      const held = await a.pool.acquire(first);

      const waiting = a.pool.acquire(aFunctionSnapshot().withName('second').build());
      await new Promise((r) => setTimeout(r, 30));
      a.pool.release(held.instance);

      expect((await waiting).startKind).toBe('cold');
      expect(a.pool.instances(first)).toHaveLength(0);
      expect(a.runtime.running).toHaveLength(1);
      expect((await a.metrics.render()).body).toMatch(/ofg_instance_evictions_total\{reason="memory"\} 1/);
    });

    it('refuses a function larger than the whole budget', async () => {
      const a = invoker({ memoryBudgetMb: 256 });
      await expect(a.pool.acquire(aFunctionSnapshot().withMemory(512).build())).rejects.toMatchObject({
        limit: 'memory',
      });
    });
  });

  describe('prewarm pool', () => {
    it('specializes a prewarmed container with code and init instead of starting one, then refills', async () => {
      const a = invoker({ prewarm: PREWARM_NODE_128 });
      await a.pool.sweepOrphans();
      await until(() => a.pool.prewarmed().ready === 1, 'a ready prewarmed container');
      const [generic] = a.runtime.running;
      expect(generic.spec.labels).toEqual({
        [CONTAINER_LABELS.managed]: 'true',
        [CONTAINER_LABELS.invokerId]: a.id,
        [CONTAINER_LABELS.pool]: 'prewarm',
      });
      expect(generic.spec.env).toBeUndefined();
      expect(generic.bootstrap.code).toBeUndefined();
      const fn = aFunctionSnapshot().withUserData({ TENANT_SECRET: 'x' }).build();

      const got = await a.pool.acquire(fn);

      expect(got).toMatchObject({ startKind: 'prewarm', startReason: 'no_instance' });
      expect(got.instance.handle!.id).toBe(generic.id);
      expect(generic.bootstrap.code?.toString()).toBe('a tar');
      expect(generic.bootstrap.initRequest?.env['TENANT_SECRET']).toBe('x');
      await until(() => a.pool.prewarmed().ready === 1, 'the pool refilled');
      expect(a.runtime.startCalls).toBe(2);
      const text = (await a.metrics.render()).body;
      expect(text).toMatch(/ofg_instance_starts_total\{kind="prewarm",reason="no_instance"\} 1/);
      expect(text).toMatch(/ofg_prewarmed_containers\{state="ready"\} 1/);
    });

    it('never gives a specialized container to another function, even after it is recycled', async () => {
      const a = invoker({ prewarm: PREWARM_NODE_128 });
      await a.pool.sweepOrphans();
      await until(() => a.pool.prewarmed().ready === 1, 'a ready prewarmed container');
      const first = await a.pool.acquire(aFunctionSnapshot().withName('first').build());
      const firstContainer = first.instance.handle!.id;
      await a.pool.recycle(first.instance, 'invocation timeout', 'crash');
      await until(() => a.pool.prewarmed().ready === 1, 'the pool refilled');

      const second = await a.pool.acquire(aFunctionSnapshot().withName('second').build());

      expect(second.startKind).toBe('prewarm');
      expect(second.instance.handle!.id).not.toBe(firstContainer);
      expect(a.runtime.containers.get(firstContainer)!.removed).toBe(true);
    });

    it('starts cold for another memory size, and keeps that size prewarmed when it was used recently', async () => {
      const a = invoker({ prewarm: { ...PREWARM_NODE_128, recentMs: 60_000 } });
      await a.pool.sweepOrphans();
      await until(() => a.pool.prewarmed().ready === 1, 'a ready prewarmed container');
      const big = aFunctionSnapshot().withName('big').withMemory(256).build();

      expect((await a.pool.acquire(big)).startKind).toBe('cold');
      await until(() => a.pool.prewarmed().ready === 2, 'a 256 MB prewarmed container');
      expect(a.runtime.running.filter((c) => c.spec.memoryMb === 256)).toHaveLength(2);

      const other = aFunctionSnapshot().withName('other').withMemory(256).build();
      expect((await a.pool.acquire(other)).startKind).toBe('prewarm');
    });

    it('counts prewarmed containers against the budget, fills only free memory, and evicts them first', async () => {
      const a = invoker({ memoryBudgetMb: 256, prewarm: { ...PREWARM_NODE_128, size: 3 } });
      await a.pool.sweepOrphans();
      await until(() => a.pool.prewarmed().ready === 2, 'two ready prewarmed containers');
      expect(a.runtime.startCalls).toBe(2);
      expect(a.pool.memory().committedMb).toBe(256);

      const python = aFunctionSnapshot().withRuntime('Python3.9').build();
      const got = await a.pool.acquire(python);

      expect(got.startKind).toBe('cold');
      expect(a.pool.prewarmed()).toEqual({ starting: 0, ready: 1 });
      expect(a.pool.memory().committedMb).toBe(256);
    });

    it('leaves its prewarmed containers alone when it sweeps orphans', async () => {
      const a = invoker({ prewarm: PREWARM_NODE_128 });
      await a.pool.sweepOrphans();
      await until(() => a.pool.prewarmed().ready === 1, 'a ready prewarmed container');

      expect(await a.pool.sweepOrphans()).toBe(0);
      expect(a.runtime.running).toHaveLength(1);
    });

    it('starts a container of its own when the prewarmed one it took fails', async () => {
      const a = invoker({ prewarm: PREWARM_NODE_128, readyTimeoutMs: 300 }, { readyAfterMs: 60_000 });
      await a.pool.sweepOrphans();
      expect(a.pool.prewarmed().starting).toBe(1);
      a.runtime.behaviour = {};

      const got = await a.pool.acquire(aFunctionSnapshot().build());

      expect(got.startKind).toBe('cold');
      expect(got.instance.handle!.id).not.toBe([...a.runtime.containers.keys()][0]);
    });

    it('prewarms nothing before the orphan sweep, with size 0, or when nothing fits the budget', async () => {
      const before = invoker({ prewarm: PREWARM_NODE_128 });
      const disabled = invoker({ prewarm: { ...PREWARM_NODE_128, size: 0 } });
      const tiny = invoker({ prewarm: PREWARM_NODE_128, memoryBudgetMb: 64 });
      await tick();
      expect(before.runtime.startCalls).toBe(0);
      await disabled.pool.sweepOrphans();
      await tiny.pool.sweepOrphans();
      await tick();
      expect(disabled.runtime.startCalls).toBe(0);
      expect(tiny.runtime.startCalls).toBe(0);
    });

    it('removes prewarmed containers on shutdown', async () => {
      const a = invoker({ prewarm: PREWARM_NODE_128 });
      await a.pool.sweepOrphans();
      await until(() => a.pool.prewarmed().ready === 1, 'a ready prewarmed container');

      await a.pool.shutdown();

      expect(a.runtime.running).toHaveLength(0);
      expect(a.pool.memory().committedMb).toBe(0);
    });
  });

  describe('start kinds and reasons', () => {
    it('records no instance, over concurrency, after a crash and a new configuration', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().build();

      const first = await a.pool.acquire(fn);
      const second = await a.pool.acquire(fn);
      expect(first).toMatchObject({ startKind: 'cold', startReason: 'no_instance' });
      expect(second).toMatchObject({ startKind: 'cold', startReason: 'over_concurrency' });
      a.pool.release(first.instance);
      const warm = await a.pool.acquire(fn);
      expect(warm.startKind).toBe('warm');
      expect(warm.startReason).toBeUndefined();

      await a.pool.recycle(first.instance, 'runtime exited', 'crash');
      await a.pool.recycle(second.instance, 'runtime exited', 'crash');
      expect((await a.pool.acquire(fn)).startReason).toBe('after_crash');

      // A configuration change seen before (or without) its control event.
      const changed: FunctionSnapshot = { ...fn, configDigest: 'changed' };
      expect((await a.pool.acquire(changed)).startReason).toBe('new_config');
      await a.pool.retireFunction(fn.projectId, fn.functionId, false);
      expect((await a.pool.acquire(changed)).startReason).toBe('new_config');
    });

    it('starts with no_instance again after an instance expired', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().build();
      const first = await a.pool.acquire(fn);
      await a.pool.recycle(first.instance, 'runtime exited', 'crash');
      a.pool.release((await a.pool.acquire(fn)).instance);
      clockOffset = KEEP_ALIVE_MS + 1000;
      await a.pool.sweepIdle();

      expect((await a.pool.acquire(fn)).startReason).toBe('no_instance');
      const text = (await a.metrics.render()).body;
      expect(text).toMatch(/ofg_instance_starts_total\{kind="cold",reason="after_crash"\} 1/);
      expect(text).toMatch(/ofg_instance_starts_total\{kind="cold",reason="no_instance"\} 2/);
    });
  });

  describe('reserve', () => {
    it('keeps exactly count pinned, ready instances that never expire, and releases them with 0', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().build();

      await a.pool.reserve(fn, 2);

      expect(a.pool.reservedCount(fn)).toBe(2);
      expect(a.runtime.startCalls).toBe(2);
      clockOffset = KEEP_ALIVE_MS * 3;
      expect(await a.pool.sweepIdle()).toBe(0);
      expect(a.runtime.running).toHaveLength(2);

      await a.pool.reserve(fn, 1);
      expect(a.pool.reservedCount(fn)).toBe(1);
      expect(a.runtime.running).toHaveLength(2);
      clockOffset += KEEP_ALIVE_MS + 1000;
      expect(await a.pool.sweepIdle()).toBe(1);

      await a.pool.reserve(fn, 0);
      expect(a.pool.reservedCount(fn)).toBe(0);
      expect(a.runtime.running).toHaveLength(1);
      clockOffset += KEEP_ALIVE_MS + 1000;
      expect(await a.pool.sweepIdle()).toBe(1);
      expect(a.runtime.running).toHaveLength(0);
    });

    it('pins instances it already has before starting new ones, and serves requests on them', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().build();
      a.pool.release((await a.pool.acquire(fn)).instance);

      await a.pool.reserve(fn, 1);

      expect(a.runtime.startCalls).toBe(1);
      expect(await a.pool.acquire(fn)).toMatchObject({ startKind: 'warm' });
    });

    it('replaces a reserved instance that went away', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().build();
      await a.pool.reserve(fn, 1);
      const [pinned] = a.pool.instances(fn);

      await a.pool.recycle(pinned, 'runtime exited', 'crash');
      expect(a.pool.reservedCount(fn)).toBe(0);
      await a.pool.sweepIdle();
      await until(() => a.pool.reservedCount(fn) === 1, 'a replacement');

      expect(a.runtime.startCalls).toBe(2);
    });

    it('rejects with FSS.0429 when max instances leaves no room, and keeps what it could start', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().withMaxInstances(1).build();

      await expect(a.pool.reserve(fn, 2)).rejects.toMatchObject({
        errorCode: 'FSS.0429',
        limit: 'max_instances',
      });
      expect(a.pool.reservedCount(fn)).toBe(1);
    });

    it('ends the reservations of a deleted function', async () => {
      const a = invoker();
      const fn = aFunctionSnapshot().build();
      await a.pool.reserve(fn, 1);

      await a.pool.retireFunction(fn.projectId, fn.functionId, true);
      await a.pool.sweepIdle();
      await tick();

      expect(a.pool.reservedCount(fn)).toBe(0);
      expect(a.runtime.running).toHaveLength(0);
      expect(a.runtime.startCalls).toBe(1);
    });
  });
});
