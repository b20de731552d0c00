import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import {
  CODE_ROOT,
  CONTAINER_LABELS,
  ContainerExit,
  ContainerHandle,
  CustomImageRun,
  ContainerPids,
  ContainerRuntime,
  cpuMillicoresFor,
  FgsError,
  FunctionSnapshot,
  isRuntimeName,
  RuntimeInitRequest,
  RUNTIMES,
  StartKind,
  StartReason,
} from '@ofg/contracts';
import { CodePackageCache } from '../code/code-package.cache';
import { InvokerMetrics } from '../metrics/invoker.metrics';
import { BootstrapClient } from '../runtime/bootstrap.client';
import { CONTAINER_RUNTIME } from '../runtime/container-runtime.token';
import { FunctionSecrets, FunctionSecretsLoader } from '../secrets/function-secrets.loader';
import { Instance, instanceKey, InstanceState } from './instance';
import {
  CapacityLimit,
  InstanceCapacityError,
  InstanceInitError,
  InstanceStartError,
} from './instance.errors';
import {
  INSTANCE_SLOTS,
  InstanceSlots,
  LocalSlotBoard,
  SlotEventListener,
  slotKeyOf,
} from './instance-slots';
import { MemoryBudget } from './memory-budget';
import { PrewarmContainer, PrewarmOptions, PrewarmPool } from './prewarm-pool';

export interface PoolOptions {
  invokerId: string;
  /** How long an idle instance is kept before its container is removed. */
  keepAliveMs: number;
  /** Bound on container start → bootstrap answering /health. */
  readyTimeoutMs: number;
  /** Runtime family (RUNTIMES value) → image. */
  runtimeImages: Record<string, string>;
  /** Gateway base URL handed to function code as OFG_API_ENDPOINT. */
  apiEndpoint?: string;
  sweepIntervalMs?: number;
  now?: () => number;
  /** Sum of memory_size of the live instances and prewarmed containers this invoker may hold; none when absent. */
  memoryBudgetMb?: number;
  /** How long a request waits for a free instance slot (max instances) or memory before FSS.0429. */
  waitTimeoutMs?: number;
  /** Generic containers started ahead of demand; none when absent. */
  prewarm?: PrewarmOptions;
}

export const POOL_OPTIONS = Symbol('POOL_OPTIONS');

/** Where instance code comes from (the code package cache, or a stand-in in tests). */
export type CodeTarProvider = Pick<CodePackageCache, 'getTar'>;

/** Where the encrypted environment and the agency come from (the function row, or a stand-in in tests). */
export type SecretsProvider = Pick<FunctionSecretsLoader, 'load'>;

export interface AcquiredInstance {
  instance: Instance;
  startKind: StartKind;
  /** Why an instance was started for this request; absent when it ran warm. */
  startReason?: StartReason;
}

export interface AcquireOptions {
  /** Epoch ms after which nobody waits for the request any more: the wait for capacity ends there too. */
  deadline?: number;
}

/** Why an instance goes away; it decides the start reason of the next instance of the same key. */
export type RecycleCause = 'crash' | 'evicted' | 'retired' | 'expired' | 'handed_over' | 'other';

const HEALTH_POLL_MS = 10;
const EXIT_CHECK_EVERY_MS = 500;
const PUT_CODE_TIMEOUT_MS = 60_000;
const INIT_TIMEOUT_MS = 30_000;
const INIT_SLACK_MS = 5_000;
export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;
/** A waiting request repeats its demand this often; other invokers remember it a little longer. */
const DEMAND_REPEAT_MS = 250;
const DEMAND_MEMORY_MS = 1_000;
/** Start reasons are remembered per instance key this long (and for at most this many keys). */
const GONE_MEMORY_MS = 3_600_000;
const GONE_MAX_KEYS = 10_000;
const RESERVATION_RETRY_MS = 1_000;

/** The instance could not be admitted (no slot, no memory): the request waits and tries again. */
class CapacityBlocked extends Error {
  constructor(readonly limit: CapacityLimit) {
    super(`no capacity: ${limit}`);
  }
}

/**
 * Warm instances per (tenant, function, version, config digest). Acquires reuse an instance with spare concurrency,
 * join an instance that is already starting, or start one; so a burst never starts more containers than
 * ceil(concurrent requests / concurrentNum). A start needs a slot of the function's max instances (counted across
 * invokers) and room in this invoker's memory budget (idle instances are evicted, least recently used first); it
 * specializes a prewarmed container when one of the same image and memory is there.
 */
@Injectable()
export class InstancePoolService implements OnModuleInit, OnApplicationShutdown, SlotEventListener {
  private readonly logger = new Logger(InstancePoolService.name);
  private readonly byKey = new Map<string, Instance[]>();
  private readonly now: () => number;
  private readonly slots: InstanceSlots;
  private readonly budget: MemoryBudget;
  /** Evictions under way: their memory is still committed until the container is gone, but already spoken for. */
  private readonly evicting = new Set<{ mb: number; done: Promise<unknown> }>();
  private readonly prewarm: PrewarmPool;
  private readonly waitTimeoutMs: number;
  /** Resolvers of requests waiting for capacity; any change that may free some wakes them all. */
  private readonly waiters = new Set<() => void>();
  /** Requests waiting for a slot, per slot key and instance key. */
  private readonly blocked = new Map<string, Map<string, number>>();
  /** Slot keys another invoker waits for, until when. */
  private readonly remoteDemand = new Map<string, number>();
  /** Why the last instance of a key went, for the start reason of the next one. */
  private readonly gone = new Map<string, { reason: StartReason; at: number }>();
  /** The instance key last started per function version: a different one means a new configuration. */
  private readonly lastKeyOf = new Map<string, string>();
  private readonly reservations = new Map<string, { snapshot: FunctionSnapshot; count: number }>();
  private readonly reserving = new Map<string, Promise<void>>();
  private reservationTimer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    @Inject(BootstrapClient) private readonly bootstrap: BootstrapClient,
    @Inject(CodePackageCache) private readonly code: CodeTarProvider,
    @Inject(InvokerMetrics) private readonly metrics: InvokerMetrics,
    @Inject(POOL_OPTIONS) private readonly options: PoolOptions,
    @Inject(FunctionSecretsLoader) private readonly secrets: SecretsProvider,
    @Optional() @Inject(INSTANCE_SLOTS) slots?: InstanceSlots,
  ) {
    this.now = options.now ?? Date.now;
    this.slots = slots ?? new LocalSlotBoard().view(options.invokerId);
    this.slots.subscribe(this);
    this.budget = new MemoryBudget(options.memoryBudgetMb);
    this.waitTimeoutMs = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    this.prewarm = new PrewarmPool(
      {
        invokerId: options.invokerId,
        runtime: this.runtime,
        budget: this.budget,
        startContainer: (name, image, memoryMb) =>
          this.startContainer(name, image, memoryMb, {
            [CONTAINER_LABELS.managed]: 'true',
            [CONTAINER_LABELS.invokerId]: options.invokerId,
            [CONTAINER_LABELS.pool]: 'prewarm',
          }),
        waitReady: (handle) => this.waitReady(handle),
        changed: () => this.wake(),
        now: () => this.now(),
      },
      options.prewarm ?? { size: 0, profiles: [], recentMs: 0 },
      options.runtimeImages,
    );
    this.metrics.countInstancesWith(() => this.countByState());
    this.metrics.countPrewarmedWith(() => this.prewarm.counts());
    this.metrics.measureMemoryWith(() => ({
      committedMb: this.budget.committedMb,
      budgetMb: this.budget.budgetMb,
    }));
  }

  onModuleInit(): void {
    this.startSweeper();
    // In the background: a Redis still coming up must not hold the app's boot (its health shows it).
    this.slots
      .start()
      .catch((err: unknown) => this.logger.warn({ msg: 'instance slots did not start', err: String(err) }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /** Starts the idle sweeper; it never keeps the process alive. */
  startSweeper(): void {
    if (this.sweeper) return;
    const every =
      this.options.sweepIntervalMs ??
      Math.max(1000, Math.min(30_000, Math.floor(this.options.keepAliveMs / 4)));
    this.sweeper = setInterval(() => void this.sweepIdle(), every);
    this.sweeper.unref();
  }

  /**
   * An instance with a free request slot for this snapshot, started when none exists. When the function is at its
   * max instances or the memory budget is spent, waits (bounded by the wait timeout and the deadline), then fails
   * with FSS.0429.
   */
  async acquire(snapshot: FunctionSnapshot, options: AcquireOptions = {}): Promise<AcquiredInstance> {
    if (snapshot.maxInstances === 0) {
      this.metrics.capacityRejected('disabled');
      throw new InstanceCapacityError('disabled');
    }
    const key = instanceKey(snapshot);
    const until = Math.min(this.now() + this.waitTimeoutMs, options.deadline ?? Number.POSITIVE_INFINITY);
    for (;;) {
      if (this.closed) throw new InstanceStartError('the invoker is shutting down', 'FSS.0503');
      const list = this.listFor(key);
      const warm = list
        .filter((i) => (i.state === 'idle' || i.state === 'busy') && i.hasSpareCapacity)
        // Pack requests onto the busiest instance so idle ones can expire; most recently used breaks ties.
        .sort((a, b) => b.active - a.active || b.lastUsedAt - a.lastUsedAt)[0];
      if (warm) {
        warm.lease(this.now());
        return { instance: warm, startKind: 'warm' };
      }
      const instance =
        list.find((i) => i.state === 'starting' && i.hasSpareCapacity) ??
        this.launch(snapshot, key, this.reasonFor(key, snapshot), false);
      instance.lease(this.now());
      let limit: CapacityLimit;
      try {
        await instance.ready;
        return { instance, startKind: instance.startKind, startReason: instance.startReason };
      } catch (err) {
        if (!(err instanceof CapacityBlocked)) throw err;
        limit = err.limit;
      }
      const left = until - this.now();
      if (left <= 0) {
        this.metrics.capacityRejected(limit);
        throw new InstanceCapacityError(limit);
      }
      await this.waitForCapacity(instance, limit, Math.min(left, DEMAND_REPEAT_MS));
    }
  }

  /** Gives the request slot back; the instance stays warm unless its function changed meanwhile. */
  release(instance: Instance): void {
    instance.unlease(this.now());
    instance.served += 1;
    if (instance.retired && instance.active === 0) void this.recycle(instance, 'function changed', 'retired');
    else if (instance.yielding && instance.active === 0) void this.recycle(instance, 'slot lease lapsed');
    else if (instance.active === 0) this.handOverLater(instance);
    this.wake();
  }

  /**
   * A function's code or configuration changed (or it was deleted): its instances will never be picked again
   * (their config digest is stale), so free them now instead of after the keep-alive. Busy ones finish first.
   * Updates touch only `latest`; a deletion retires every version. Reservations of the retired snapshots end.
   */
  async retireFunction(projectId: string, functionId: string, allVersions: boolean): Promise<number> {
    const affected = this.all().filter(
      (i) =>
        i.snapshot.projectId === projectId &&
        i.snapshot.functionId === functionId &&
        (allVersions || i.snapshot.version === 'latest'),
    );
    for (const i of affected) i.retired = true;
    for (const [key, r] of this.reservations) {
      const s = r.snapshot;
      if (s.projectId === projectId && s.functionId === functionId && (allVersions || s.version === 'latest'))
        this.reservations.delete(key);
    }
    await Promise.all(
      affected
        .filter((i) => i.active === 0 && i.state !== 'starting')
        .map((i) => this.recycle(i, 'function changed', 'retired')),
    );
    return affected.length;
  }

  /**
   * Keeps exactly `count` pinned, ready instances of the snapshot on this invoker: pinned ones serve requests but are
   * never idle-expired, evicted for memory or handed to another invoker. Existing instances are pinned first, the
   * rest started (each needs a slot and memory like any start). Resolves once they are ready; rejects when some
   * could not be started (those are retried in the background). `count` 0 returns them to normal idle expiry.
   */
  async reserve(snapshot: FunctionSnapshot, count: number): Promise<void> {
    const key = instanceKey(snapshot);
    const wanted = Math.max(0, Math.floor(count));
    if (wanted === 0) this.reservations.delete(key);
    else this.reservations.set(key, { snapshot, count: wanted });
    await this.reconcileReservation(key);
  }

  /** Pinned instances of the snapshot that are ready (idle or busy). */
  reservedCount(snapshot: FunctionSnapshot): number {
    return (this.byKey.get(instanceKey(snapshot)) ?? []).filter(
      (i) => i.reserved && !i.retired && (i.state === 'idle' || i.state === 'busy'),
    ).length;
  }

  /** Removes the instance and its container (timeouts, crashes, failed init, expiry, eviction). */
  async recycle(instance: Instance, reason: string, cause: RecycleCause = 'other'): Promise<void> {
    if (this.forget(instance)) this.noteGone(instance, cause);
    // A pinned instance that served goes back soon; one that failed to start waits for the sweeper's next round.
    if (instance.reserved && !instance.retired && (instance.state === 'idle' || instance.state === 'busy'))
      this.reconcileReservationsSoon();
    instance.state = 'draining';
    // Without a handle the start is still running; bringUp sees `draining` and removes the container itself.
    if (instance.bringingUp && !instance.handle) return;
    await this.dispose(instance, reason);
  }

  /** Why the instance's container stopped, if it did (OOM kills, crashes). */
  async exitOf(instance: Instance): Promise<ContainerExit | undefined> {
    if (!instance.handle) return undefined;
    try {
      return await this.runtime.inspectExit(instance.handle.id);
    } catch {
      return undefined;
    }
  }

  /** Task count and pid limit of the instance's container, when the engine reports them. */
  async pidsOf(instance: Instance): Promise<ContainerPids | undefined> {
    if (!instance.handle || !this.runtime.pids) return undefined;
    try {
      return await this.runtime.pids(instance.handle.id);
    } catch {
      return undefined;
    }
  }

  /** Removes instances idle for longer than the keep-alive; tends the prewarm pool and the reservations. */
  async sweepIdle(): Promise<number> {
    const now = this.now();
    const expired = this.all().filter(
      (i) =>
        i.state === 'idle' && i.active === 0 && !i.reserved && now - i.lastUsedAt > this.options.keepAliveMs,
    );
    await Promise.all(expired.map((i) => this.recycle(i, 'idle keep-alive expired', 'expired')));
    for (const [key, g] of this.gone) if (now - g.at > GONE_MEMORY_MS) this.gone.delete(key);
    for (const [fn, until] of this.remoteDemand) if (until <= now) this.remoteDemand.delete(fn);
    if (!this.closed) {
      await this.prewarm.maintain();
      this.reconcileReservations();
    }
    return expired.length;
  }

  /** Removes containers a previous run of this invoker left behind, then lets the prewarm pool fill. */
  async sweepOrphans(): Promise<number> {
    const mine = new Set([
      ...this.all()
        .map((i) => i.handle?.id)
        .filter((id): id is string => !!id),
      ...this.prewarm.containerIds(),
    ]);
    const found = await this.runtime.list({
      [CONTAINER_LABELS.managed]: 'true',
      [CONTAINER_LABELS.invokerId]: this.options.invokerId,
    });
    // Instances still starting have no handle yet; their instance-id label keeps the sweep off them.
    const known = new Set(this.all().map((i) => i.id));
    const orphans = found.filter(
      (c) => !mine.has(c.id) && !known.has(c.labels[CONTAINER_LABELS.instanceId] ?? ''),
    );
    await Promise.all(orphans.map((c) => this.runtime.remove(c.id)));
    if (orphans.length > 0) this.logger.log({ msg: 'removed orphan containers', count: orphans.length });
    if (!this.closed) this.prewarm.enable();
    return orphans.length;
  }

  /** Stops accepting acquires and removes every container of this invoker. */
  async shutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    if (this.reservationTimer) clearTimeout(this.reservationTimer);
    if (this.closed) return;
    this.closed = true;
    this.reservations.clear();
    this.wake();
    const instances = this.all();
    await Promise.all([
      ...instances.map((i) => this.recycle(i, 'invoker shutdown')),
      this.prewarm.shutdown(),
    ]);
    await this.sweepOrphans().catch((err: unknown) =>
      this.logger.warn({ msg: 'final container sweep failed', err: String(err) }),
    );
    await this.slots.stop();
  }

  /** Instance counts by state (metrics gauge). */
  countByState(): Record<InstanceState, number> {
    const counts: Record<InstanceState, number> = { starting: 0, idle: 0, busy: 0, draining: 0 };
    for (const i of this.all()) counts[i.state] += 1;
    return counts;
  }

  /** Instances currently held, optionally for one snapshot (tests, metrics). */
  instances(snapshot?: FunctionSnapshot): Instance[] {
    return snapshot ? [...(this.byKey.get(instanceKey(snapshot)) ?? [])] : this.all();
  }

  /** Memory held by instances and prewarmed containers, and the budget (tests, logs). */
  memory(): { committedMb: number; budgetMb: number } {
    return { committedMb: this.budget.committedMb, budgetMb: this.budget.budgetMb };
  }

  /** Prewarmed containers by state (tests, logs). */
  prewarmed(): { starting: number; ready: number } {
    return this.prewarm.counts();
  }

  /** Another invoker waits for a slot of the function: hand over an idle instance of it. */
  onDemand(fn: string): void {
    this.remoteDemand.set(fn, this.now() + DEMAND_MEMORY_MS);
    this.handOverIdle(fn, undefined);
  }

  /** Another invoker freed a slot of the function: waiting requests try again. */
  onFreed(): void {
    this.wake();
  }

  /**
   * Our share of the max-instances counts may have been given to other invokers while our lease had lapsed: capped
   * functions give their unpinned instances up (idle ones now, busy ones once released) so the cap holds again.
   */
  onLeaseLost(): void {
    const capped = this.all().filter(
      (i) => i.holdsSlot && (i.snapshot.maxInstances ?? -1) > 0 && !i.reserved && !i.retired && !i.yielding,
    );
    if (capped.length === 0) return;
    this.logger.warn({
      msg: 'instance slot lease had lapsed; giving up instances of capped functions',
      count: capped.length,
    });
    for (const i of capped) {
      if (i.state === 'idle' && i.active === 0) void this.recycle(i, 'slot lease lapsed');
      else i.yielding = true;
    }
  }

  private launch(snapshot: FunctionSnapshot, key: string, reason: StartReason, reserved: boolean): Instance {
    const instance = new Instance(
      randomBytes(6).toString('hex'),
      key,
      snapshot,
      Math.max(1, snapshot.concurrentNum),
      this.now(),
    );
    instance.startReason = reason;
    instance.reserved = reserved;
    this.listFor(key).push(instance);
    instance.bringingUp = true;
    instance.ready = this.bringUp(instance);
    // Joiners await the same promise; this keeps an unobserved rejection from crashing the process.
    instance.ready.catch(() => undefined);
    return instance;
  }

  private reasonFor(key: string, snapshot: FunctionSnapshot): StartReason {
    const live = (this.byKey.get(key) ?? []).filter((i) => i.state !== 'draining');
    if (live.some((i) => !i.retired)) return 'over_concurrency';
    if (live.length > 0) return 'new_config';
    const gone = this.gone.get(key);
    if (gone) return gone.reason;
    const last = this.lastKeyOf.get(versionKeyOf(snapshot));
    return last !== undefined && last !== key ? 'new_config' : 'no_instance';
  }

  private noteGone(instance: Instance, cause: RecycleCause): void {
    const reason: StartReason | undefined =
      cause === 'crash'
        ? 'after_crash'
        : cause === 'evicted'
          ? 'evicted'
          : cause === 'retired'
            ? 'new_config'
            : undefined;
    if (cause === 'other') return;
    this.gone.delete(instance.key);
    if (reason) this.gone.set(instance.key, { reason, at: this.now() });
    if (this.gone.size > GONE_MAX_KEYS) this.gone.delete(this.gone.keys().next().value as string);
  }

  private async bringUp(instance: Instance): Promise<void> {
    const started = this.now();
    const snapshot = instance.snapshot;
    let image: string | undefined;
    try {
      image = this.imageFor(snapshot.runtime);
      await this.admit(instance, image);
      if (this.abandoned(instance))
        throw new InstanceStartError('instance recycled while starting', 'FSS.0503');
      const admittedMs = this.now() - started;
      const tar = this.code.getTar(snapshot.projectId, snapshot.codeDigest, snapshot.dependencyDigests);
      tar.catch(() => undefined);
      // Read while the container starts; decrypted values live only in this closure and the /init body.
      const secrets = this.secrets.load(snapshot);
      secrets.catch(() => undefined);
      let containerMs = 0;
      if (instance.prewarmed) {
        try {
          instance.handle = await instance.prewarmed.ready;
          containerMs = this.now() - started;
        } catch (err) {
          // The prewarm pool removes what it started; this instance starts its own container with the same memory.
          this.logger.warn({ msg: 'prewarmed container failed; starting a new one', err: String(err) });
          instance.prewarmed = undefined;
          instance.startKind = 'cold';
        }
      }
      if (!instance.handle) {
        instance.handle = await this.startContainer(
          `ofg-${this.options.invokerId}-${instance.id}`,
          image,
          snapshot.memorySize,
          {
            [CONTAINER_LABELS.managed]: 'true',
            [CONTAINER_LABELS.invokerId]: this.options.invokerId,
            [CONTAINER_LABELS.projectId]: snapshot.projectId,
            [CONTAINER_LABELS.functionUrn]: snapshot.funcUrn,
            [CONTAINER_LABELS.version]: snapshot.version,
            [CONTAINER_LABELS.instanceId]: instance.id,
          },
          snapshot.cpu,
          snapshot.customImage,
        );
        containerMs = this.now() - started;
        if (this.abandoned(instance))
          throw new InstanceStartError('instance recycled while starting', 'FSS.0503');
        await this.waitReady(instance.handle);
      } else if (this.abandoned(instance)) {
        throw new InstanceStartError('instance recycled while starting', 'FSS.0503');
      }
      const readyMs = this.now() - started;
      await this.bootstrap.putCode(instance.endpoint, await tar, PUT_CODE_TIMEOUT_MS);
      const codeMs = this.now() - started;
      const { env: secretEnv, agency } = await secrets;
      instance.agency = agency;
      const init = await this.bootstrap.init(
        instance.endpoint,
        initRequest(snapshot, { secretEnv, apiEndpoint: this.options.apiEndpoint }),
        initTimeoutMs(snapshot),
      );
      if (!init.ok) {
        throw new InstanceInitError(
          init.error ?? { errorMessage: 'function initialization failed', errorType: 'InitializationError' },
          init.log ?? '',
        );
      }
      instance.initLog = init.log ?? '';
      instance.bringingUp = false;
      instance.markReady(this.now());
      this.lastKeyOf.set(versionKeyOf(snapshot), instance.key);
      if (this.lastKeyOf.size > GONE_MAX_KEYS)
        this.lastKeyOf.delete(this.lastKeyOf.keys().next().value as string);
      const tookMs = this.now() - started;
      this.metrics.instanceStarted(instance.startKind, instance.startReason, tookMs);
      // Cumulative milliseconds at the end of each phase, to see where starts go.
      const phases = { admittedMs, containerMs, readyMs, codeMs, initMs: tookMs };
      this.logger.log({
        msg: 'instance started',
        instance: instance.id,
        container: instance.handle.id,
        funcUrn: snapshot.funcUrn,
        startKind: instance.startKind,
        startReason: instance.startReason,
        tookMs,
        phases,
      });
    } catch (err) {
      instance.bringingUp = false;
      if (err instanceof CapacityBlocked) {
        await this.recycle(instance, `no capacity (${err.limit})`);
        throw err;
      }
      await this.recycle(instance, 'start failed', instance.handle ? 'crash' : 'other');
      if (err instanceof InstanceInitError || err instanceof InstanceStartError) throw err;
      if (err instanceof FgsError) throw new InstanceStartError(err.message, err.code, { cause: err });
      throw new InstanceStartError(
        `could not start an instance: ${err instanceof Error ? err.message : String(err)}`,
        'FSS.0500',
        { cause: err },
      );
    } finally {
      // A container started for lack of a prewarmed one: keep this (image, memory) prewarmed for a while.
      if (image && instance.handle && instance.startKind === 'cold' && this.prewarmable(snapshot))
        this.prewarm.noteStart(image, snapshot.memorySize);
      if (!this.closed) this.prewarm.refill();
    }
  }

  /**
   * Takes a slot of the function's max instances, then a prewarmed container or memory (evicting idle containers,
   * least recently used first). Throws CapacityBlocked when either is not available; what was taken is given back
   * when the instance is disposed.
   */
  private async admit(instance: Instance, image: string): Promise<void> {
    const snapshot = instance.snapshot;
    let taken: boolean;
    try {
      taken = await this.slots.tryTake(instance.slotKey, snapshot.maxInstances ?? -1);
    } catch (err) {
      throw new InstanceStartError(`instance slots are unavailable: ${String(err)}`, 'FSS.0503', {
        cause: err,
      });
    }
    if (!taken) throw new CapacityBlocked('max_instances');
    instance.holdsSlot = true;
    if (this.abandoned(instance)) return;
    const prewarmed = this.prewarmable(snapshot) ? this.prewarm.take(image, snapshot.memorySize) : undefined;
    if (prewarmed) {
      instance.prewarmed = prewarmed;
      instance.memoryMb = prewarmed.memoryMb;
      instance.startKind = 'prewarm';
      return;
    }
    const overBudget = !this.budget.fits(snapshot.memorySize);
    const victims = this.victimsFor(snapshot.memorySize);
    if (!victims) throw new CapacityBlocked('memory');
    this.budget.commit(snapshot.memorySize);
    instance.memoryMb = snapshot.memorySize;
    if (!overBudget) return;
    // Counted on by this admission: evictions other admissions started, and its own.
    const inFlight = [...this.evicting].map((e) => e.done);
    if (victims.length > 0) this.metrics.evicted(victims.length);
    for (const v of victims) {
      const eviction = { mb: v.memoryMb, done: Promise.resolve() as Promise<unknown> };
      eviction.done = (
        v instanceof Instance
          ? this.recycle(v, 'evicted for memory', 'evicted')
          : this.prewarm.discard(v, 'evicted for memory')
      ).finally(() => this.evicting.delete(eviction));
      this.evicting.add(eviction);
      inFlight.push(eviction.done);
    }
    // The new container starts only once the evicted ones are gone, so the budget holds on the host too.
    await Promise.all(inFlight.map((p) => p.catch(() => undefined)));
  }

  /** Idle containers whose removal makes room for `mb` more: prewarmed ones first, then instances by last use. */
  private victimsFor(mb: number): (Instance | PrewarmContainer)[] | undefined {
    // Memory of containers being evicted is about to come back: concurrent admissions must not evict for it again.
    let shortfall = this.budget.shortfall(mb);
    for (const eviction of this.evicting) shortfall -= eviction.mb;
    if (shortfall <= 0) return [];
    const idle = this.all()
      .filter((i) => i.state === 'idle' && i.active === 0 && !i.reserved && !i.bringingUp && i.memoryMb > 0)
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    const victims: (Instance | PrewarmContainer)[] = [];
    for (const candidate of [...this.prewarm.evictable(), ...idle]) {
      victims.push(candidate);
      shortfall -= candidate.memoryMb;
      if (shortfall <= 0) return victims;
    }
    return undefined;
  }

  /** The instance was recycled (or the pool closed) while it was being started. */
  private abandoned(instance: Instance): boolean {
    return instance.state === 'draining' || this.closed;
  }

  /** A prewarmed container fits when the instance's CPU is the one its memory gives (the spec's formula). */
  private prewarmable(snapshot: FunctionSnapshot): boolean {
    // A container-image function runs its own image: a generic runtime container cannot become it.
    return !snapshot.customImage && snapshot.cpu === cpuMillicoresFor(snapshot.memorySize);
  }

  /** Removes the container once, then gives the slot and the memory back and wakes waiting requests. */
  private dispose(instance: Instance, reason: string): Promise<void> {
    instance.disposal ??= (async () => {
      if (instance.handle) {
        this.logger.log({
          msg: 'recycling instance',
          instance: instance.id,
          container: instance.handle.id,
          funcUrn: instance.snapshot.funcUrn,
          reason,
        });
        try {
          await this.runtime.remove(instance.handle.id);
        } catch (err) {
          this.logger.warn({
            msg: 'container removal failed',
            container: instance.handle.id,
            err: String(err),
          });
        }
      }
      if (instance.memoryMb > 0) {
        this.budget.free(instance.memoryMb);
        instance.memoryMb = 0;
      }
      if (instance.holdsSlot) {
        instance.holdsSlot = false;
        await this.slots
          .give(instance.slotKey)
          .catch((err: unknown) => this.logger.warn({ msg: 'could not give a slot back', err: String(err) }));
      }
      this.wake();
    })();
    return instance.disposal;
  }

  /** Waits until something that may free capacity happens (or `ms` pass); asks for a slot while it waits. */
  private async waitForCapacity(instance: Instance, limit: CapacityLimit, ms: number): Promise<void> {
    if (limit !== 'max_instances') return this.waitForChange(ms);
    const perKey = this.blocked.get(instance.slotKey) ?? new Map<string, number>();
    this.blocked.set(instance.slotKey, perKey);
    perKey.set(instance.key, (perKey.get(instance.key) ?? 0) + 1);
    try {
      this.slots.announceDemand(instance.slotKey);
      this.handOverIdle(instance.slotKey, instance.key);
      await this.waitForChange(ms);
    } finally {
      const n = (perKey.get(instance.key) ?? 1) - 1;
      if (n > 0) perKey.set(instance.key, n);
      else perKey.delete(instance.key);
      if (perKey.size === 0) this.blocked.delete(instance.slotKey);
    }
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiters) resolve();
  }

  /** Recycles one idle, unpinned instance of the function (of another key than `exceptKey`) to free its slot. */
  private handOverIdle(slotKey: string, exceptKey: string | undefined): boolean {
    const idle = this.all()
      .filter(
        (i) =>
          i.slotKey === slotKey &&
          i.key !== exceptKey &&
          i.state === 'idle' &&
          i.active === 0 &&
          !i.reserved &&
          !i.bringingUp,
      )
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
    if (!idle) return false;
    this.metrics.handedOver();
    void this.recycle(idle, 'handed over to a request waiting for a slot', 'handed_over');
    return true;
  }

  /** An instance just went idle: when others wait for its function's slot, it goes (after local waiters had it). */
  private handOverLater(instance: Instance): void {
    if (instance.reserved || !this.awaited(instance)) return;
    setImmediate(() => {
      if (instance.state !== 'idle' || instance.active > 0 || instance.reserved || !this.awaited(instance))
        return;
      this.metrics.handedOver();
      void this.recycle(instance, 'handed over to a request waiting for a slot', 'handed_over');
    });
  }

  /** Another invoker, or a request here for another version or configuration, waits for this function's slot. */
  private awaited(instance: Instance): boolean {
    if ((this.remoteDemand.get(instance.slotKey) ?? 0) > this.now()) return true;
    for (const key of this.blocked.get(instance.slotKey)?.keys() ?? []) if (key !== instance.key) return true;
    return false;
  }

  private reconcileReservationsSoon(): void {
    if (this.closed || this.reservationTimer) return;
    this.reservationTimer = setTimeout(() => this.reconcileReservations(), RESERVATION_RETRY_MS);
    this.reservationTimer.unref();
  }

  /** Tops every reservation up to its count (in the background; failures are retried later). */
  private reconcileReservations(): void {
    clearTimeout(this.reservationTimer);
    this.reservationTimer = undefined;
    for (const key of this.reservations.keys()) {
      this.reconcileReservation(key).catch((err: unknown) =>
        this.logger.warn({ msg: 'could not restore reserved instances', key, err: String(err) }),
      );
    }
  }

  /** Runs one reconciliation of a key at a time, in call order. */
  private reconcileReservation(key: string): Promise<void> {
    const previous = this.reserving.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.applyReservation(key));
    this.reserving.set(key, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.reserving.get(key) === next) this.reserving.delete(key);
      });
    return next;
  }

  private async applyReservation(key: string): Promise<void> {
    if (this.closed) return;
    const reservation = this.reservations.get(key);
    const wanted = reservation?.count ?? 0;
    const live = (this.byKey.get(key) ?? []).filter((i) => i.state !== 'draining' && !i.retired);
    const pinned = live.filter((i) => i.reserved);
    if (pinned.length >= wanted) {
      // Released ones age out like any idle instance, from now.
      const surplus = [...pinned].sort((a, b) => a.active - b.active).slice(0, pinned.length - wanted);
      for (const i of surplus) {
        i.reserved = false;
        i.lastUsedAt = this.now();
      }
    } else if (reservation) {
      let missing = wanted - pinned.length;
      for (const i of live) {
        if (missing === 0) break;
        if (i.reserved) continue;
        i.reserved = true;
        missing -= 1;
      }
      for (; missing > 0; missing -= 1) this.launch(reservation.snapshot, key, 'reserved', true);
    }
    const starting = (this.byKey.get(key) ?? []).filter((i) => i.reserved && i.state === 'starting');
    const results = await Promise.allSettled(starting.map((i) => i.ready));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      this.reconcileReservationsSoon();
      const reason: unknown = failed.reason;
      throw reason instanceof CapacityBlocked ? new InstanceCapacityError(reason.limit) : reason;
    }
  }

  private startContainer(
    name: string,
    image: string,
    memoryMb: number,
    labels: Record<string, string>,
    cpuMillicores = cpuMillicoresFor(memoryMb),
    customImage?: CustomImageRun,
  ): Promise<ContainerHandle> {
    return this.runtime.start({
      name,
      image,
      memoryMb,
      cpuMillicores,
      labels,
      ...(customImage ? { customImage } : {}),
    });
  }

  /** Polls the bootstrap until it is ready; fails fast when the container already exited. */
  private async waitReady(handle: ContainerHandle): Promise<void> {
    const deadline = this.now() + this.options.readyTimeoutMs;
    let nextExitCheck = this.now() + EXIT_CHECK_EVERY_MS;
    while (this.now() < deadline) {
      if (await this.bootstrap.isReady(handle.endpoint, Math.min(1000, Math.max(1, deadline - this.now()))))
        return;
      if (this.now() >= nextExitCheck) {
        nextExitCheck = this.now() + EXIT_CHECK_EVERY_MS;
        const exit = await this.runtime.inspectExit(handle.id).catch(() => undefined);
        if (exit)
          throw new InstanceStartError(
            `the runtime container exited during start (exit code ${exit.exitCode ?? 'unknown'})`,
          );
      }
      await sleep(HEALTH_POLL_MS);
    }
    throw new InstanceStartError(`the runtime did not become ready within ${this.options.readyTimeoutMs} ms`);
  }

  private imageFor(runtime: string): string {
    const family = isRuntimeName(runtime) ? RUNTIMES[runtime] : undefined;
    const image = family ? this.options.runtimeImages[family] : undefined;
    if (!image)
      throw new InstanceStartError(`runtime ${runtime} is not supported by this invoker`, 'FSS.1005');
    return image;
  }

  private listFor(key: string): Instance[] {
    let list = this.byKey.get(key);
    if (!list) {
      list = [];
      this.byKey.set(key, list);
    }
    return list;
  }

  /** Takes the instance out of the pool; false when it was not in it any more. */
  private forget(instance: Instance): boolean {
    const list = this.byKey.get(instance.key);
    if (!list) return false;
    const at = list.indexOf(instance);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.byKey.delete(instance.key);
    return at >= 0;
  }

  private all(): Instance[] {
    return [...this.byKey.values()].flat();
  }
}

function versionKeyOf(snapshot: FunctionSnapshot): string {
  return `${slotKeyOf(snapshot)}|${snapshot.version}`;
}

/** What the init request adds to the snapshot: decrypted variables and where the platform API is. */
export interface InitExtras {
  secretEnv?: FunctionSecrets['env'];
  apiEndpoint?: string;
}

/**
 * RUNTIME_* variables (spec §5.4) plus the function's own environment, plain and decrypted (decrypted wins on a clash,
 * and both are in RUNTIME_USERDATA so context.getUserData sees them, as on FunctionGraph); platform variables win.
 */
export function initRequest(snapshot: FunctionSnapshot, extras: InitExtras = {}): RuntimeInitRequest {
  const userData = { ...snapshot.userData, ...extras.secretEnv };
  const env: Record<string, string> = {
    ...userData,
    ...(extras.apiEndpoint ? { OFG_API_ENDPOINT: extras.apiEndpoint } : {}),
    RUNTIME_PROJECT_ID: snapshot.projectId,
    RUNTIME_FUNC_NAME: snapshot.funcName,
    RUNTIME_FUNC_VERSION: snapshot.version,
    RUNTIME_PACKAGE: snapshot.package,
    RUNTIME_HANDLER: snapshot.handler,
    RUNTIME_TIMEOUT: String(snapshot.timeoutS),
    RUNTIME_USERDATA: JSON.stringify(userData),
    RUNTIME_CPU: String(snapshot.cpu),
    RUNTIME_MEMORY: String(snapshot.memorySize),
    RUNTIME_CODE_ROOT: CODE_ROOT,
  };
  return {
    handler: snapshot.handler,
    runtime: snapshot.runtime,
    initializer: snapshot.initializerHandler,
    initializerTimeoutMs: snapshot.initializerHandler
      ? (snapshot.initializerTimeoutS ?? 3) * 1000
      : undefined,
    env,
  };
}

function initTimeoutMs(snapshot: FunctionSnapshot): number {
  return snapshot.initializerHandler
    ? (snapshot.initializerTimeoutS ?? 3) * 1000 + INIT_SLACK_MS
    : INIT_TIMEOUT_MS;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
