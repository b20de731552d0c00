import { Logger } from '@nestjs/common';
import { FunctionSnapshot, InvokerFunctionFigures } from '@ofg/contracts';
import { aFunctionSnapshot, FakeContainerRuntime } from '@ofg/testing';
import { instanceKey } from '../instances/instance';
import { DeadInvokerSweeper } from './dead-invoker.sweeper';
import { HeartbeatResult, InvokerRegistry } from './invoker-registry';
import { ReservationPool } from './reservation-pool.port';
import { Reservation, ReservationSource } from './reservation.source';
import { ReservedInstancesReconciler } from './reserved-instances.reconciler';
import { ReservedOptions } from './reserved.options';

/** A pool that holds reserved counts in memory and counts the calls, like OpenWhisk's fake containers. */
class FakeReservationPool implements ReservationPool {
  readonly reserved = new Map<string, number>();
  readonly calls: { funcName: string; count: number }[] = [];
  failNext: Error | undefined;

  async reserve(snapshot: FunctionSnapshot, count: number): Promise<void> {
    this.calls.push({ funcName: snapshot.funcName, count });
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    if (count === 0) this.reserved.delete(instanceKey(snapshot));
    else this.reserved.set(instanceKey(snapshot), count);
  }

  reservedCount(snapshot: FunctionSnapshot): number {
    return this.reserved.get(instanceKey(snapshot)) ?? 0;
  }

  instances(): { snapshot: FunctionSnapshot; state: string; retired: boolean }[] {
    return [];
  }
}

class FakeSource implements ReservationSource {
  reservations: Reservation[] = [];
  down = false;

  async list(): Promise<Reservation[]> {
    if (this.down) throw new Error('postgres is down');
    return this.reservations;
  }
}

/** Membership shared by the fake registries of one test: who is alive, as Redis would answer. */
class FakeMembership {
  live = new Set<string>();
  dead: string[] = [];
  redisDown = false;
  readonly published = new Map<string, Record<string, InvokerFunctionFigures>>();
}

class FakeRegistry {
  left = false;

  constructor(
    private readonly membership: FakeMembership,
    readonly invokerId: string,
  ) {}

  async heartbeat(figures: Record<string, InvokerFunctionFigures>): Promise<HeartbeatResult> {
    if (this.membership.redisDown) throw new Error('redis is down');
    this.membership.live.add(this.invokerId);
    this.membership.published.set(this.invokerId, figures);
    const claimedDead = this.membership.dead;
    this.membership.dead = [];
    return { live: [...this.membership.live].sort(), claimedDead };
  }

  async leave(): Promise<void> {
    this.left = true;
    this.membership.live.delete(this.invokerId);
  }

  closed = false;

  async close(): Promise<void> {
    this.closed = true;
  }
}

const options = (invokerId: string): ReservedOptions => ({
  invokerId,
  region: 'local',
  reconcileIntervalMs: 60_000,
  heartbeatTtlMs: 60_000,
  heartbeatIntervalMs: 20_000,
  reserveConcurrency: 2,
});

function reservation(snapshot: FunctionSnapshot, count: number): Reservation {
  return { key: `${snapshot.projectId}|${snapshot.functionId}|version:latest`, count, snapshot };
}

describe('ReservedInstancesReconciler', () => {
  beforeAll(() => Logger.overrideLogger(false));

  let membership: FakeMembership;
  let source: FakeSource;
  let runtime: FakeContainerRuntime;

  function invoker(id: string): {
    reconciler: ReservedInstancesReconciler;
    pool: FakeReservationPool;
    registry: FakeRegistry;
  } {
    const pool = new FakeReservationPool();
    const registry = new FakeRegistry(membership, id);
    const reconciler = new ReservedInstancesReconciler(
      source,
      pool,
      registry as unknown as InvokerRegistry,
      new DeadInvokerSweeper(runtime),
      options(id),
      { whenStarted: async () => undefined },
    );
    return { reconciler, pool, registry };
  }

  /** Heartbeats of every invoker first (membership settles), then a reconcile of each. */
  async function settle(...invokers: { reconciler: ReservedInstancesReconciler }[]): Promise<void> {
    for (const i of invokers) await i.reconciler.heartbeat();
    for (const i of invokers) await i.reconciler.heartbeat();
    for (const i of invokers) await i.reconciler.reconcile();
  }

  beforeEach(() => {
    membership = new FakeMembership();
    source = new FakeSource();
    runtime = new FakeContainerRuntime();
  });

  afterEach(async () => {
    await runtime.dispose();
  });

  it('splits a count of 3 over two invokers so that both hold some and the total is 3', async () => {
    const fn = aFunctionSnapshot().withName('reserved-fn').build();
    source.reservations = [reservation(fn, 3)];
    const a = invoker('inv-a');
    const b = invoker('inv-b');
    await settle(a, b);
    const shares = [a.pool.reservedCount(fn), b.pool.reservedCount(fn)];
    expect(shares.sort()).toEqual([1, 2]);
  });

  it("takes over a dead invoker's share once it drops out of the membership", async () => {
    const fn = aFunctionSnapshot().build();
    source.reservations = [reservation(fn, 3)];
    const a = invoker('inv-a');
    const b = invoker('inv-b');
    await settle(a, b);
    membership.live.delete('inv-b');
    await a.reconciler.heartbeat();
    await a.reconciler.reconcile();
    expect(a.pool.reservedCount(fn)).toBe(3);
  });

  it('sweeps the containers of a dead invoker it claimed', async () => {
    runtime.addLeftover('c-dead-1', {
      'io.openfunctiongraph.managed': 'true',
      'io.openfunctiongraph.invoker-id': 'inv-dead',
    });
    runtime.addLeftover('c-other', {
      'io.openfunctiongraph.managed': 'true',
      'io.openfunctiongraph.invoker-id': 'inv-alive',
    });
    membership.dead = ['inv-dead'];
    const a = invoker('inv-a');
    await a.reconciler.heartbeat();
    expect((await runtime.list({})).map((c) => c.id)).toEqual(['c-other']);
  });

  it('releases a reservation that went away, and publishes the reserved figures while it lasts', async () => {
    const fn = aFunctionSnapshot().build();
    source.reservations = [reservation(fn, 2)];
    const a = invoker('inv-a');
    await settle(a);
    expect(await a.reconciler.figures()).toEqual({ [fn.functionId]: { instances: 0, reserved: 2 } });
    source.reservations = [];
    await a.reconciler.reconcile();
    expect(a.pool.calls.at(-1)).toEqual({ funcName: fn.funcName, count: 0 });
    expect(a.pool.reservedCount(fn)).toBe(0);
    const calls = a.pool.calls.length;
    await a.reconciler.reconcile();
    expect(a.pool.calls.length).toBe(calls);
  });

  it('releases the old snapshot and reserves the new one when the reserved snapshot changes', async () => {
    const before = aFunctionSnapshot().withName('f').build();
    const after = { ...before, configDigest: 'another-digest' };
    source.reservations = [reservation(before, 1)];
    const a = invoker('inv-a');
    await settle(a);
    source.reservations = [reservation(after, 1)];
    await a.reconciler.reconcile();
    expect(a.pool.reservedCount(before)).toBe(0);
    expect(a.pool.reservedCount(after)).toBe(1);
  });

  it('keeps its share while Redis or Postgres is unreachable', async () => {
    const fn = aFunctionSnapshot().build();
    source.reservations = [reservation(fn, 3)];
    const a = invoker('inv-a');
    const b = invoker('inv-b');
    await settle(a, b);
    const share = a.pool.reservedCount(fn);
    membership.redisDown = true;
    source.down = true;
    await a.reconciler.heartbeat();
    await a.reconciler.reconcile();
    expect(a.pool.reservedCount(fn)).toBe(share);
    source.down = false;
    await a.reconciler.reconcile();
    expect(a.pool.reservedCount(fn)).toBe(share);
  });

  it('reserves nothing while it has never reached the membership', async () => {
    source.reservations = [reservation(aFunctionSnapshot().build(), 3)];
    membership.redisDown = true;
    const a = invoker('inv-a');
    await a.reconciler.reconcile();
    expect(a.pool.calls).toEqual([]);
  });

  it('reads the membership afresh when it reconciles, so a peer that just joined gets its part', async () => {
    const fn = aFunctionSnapshot().build();
    source.reservations = [reservation(fn, 4)];
    const a = invoker('inv-a');
    await settle(a);
    expect(a.pool.reservedCount(fn)).toBe(4);
    membership.live.add('inv-b');
    await a.reconciler.reconcile();
    expect(a.pool.reservedCount(fn)).toBe(2);
  });

  it('retries a failed reserve on the next reconcile', async () => {
    const fn = aFunctionSnapshot().build();
    const a = invoker('inv-a');
    await settle(a);
    source.reservations = [reservation(fn, 2)];
    a.pool.failNext = new Error('engine down');
    await a.reconciler.reconcile();
    expect(a.pool.reservedCount(fn)).toBe(0);
    await a.reconciler.reconcile();
    expect(a.pool.reservedCount(fn)).toBe(2);
  });

  it('coalesces reconcile requests made while one runs into one more run', async () => {
    const fn = aFunctionSnapshot().build();
    source.reservations = [reservation(fn, 1)];
    const a = invoker('inv-a');
    await settle(a);
    a.pool.calls.length = 0;
    await Promise.all([a.reconciler.reconcile(), a.reconciler.reconcile(), a.reconciler.reconcile()]);
    expect(a.pool.calls).toEqual([
      { funcName: fn.funcName, count: 1 },
      { funcName: fn.funcName, count: 1 },
    ]);
  });

  it('leaves the membership when stopped', async () => {
    const a = invoker('inv-a');
    await a.reconciler.heartbeat();
    await a.reconciler.stop();
    expect(a.registry.left).toBe(true);
    expect(membership.live.has('inv-a')).toBe(false);
  });
});
