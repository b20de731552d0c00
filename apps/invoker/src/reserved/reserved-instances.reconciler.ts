import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { FunctionSnapshot, InvokerFunctionFigures } from '@ofg/contracts';
import { instanceKey } from '../instances/instance';
import { DeadInvokerSweeper } from './dead-invoker.sweeper';
import { InvokerRegistry } from './invoker-registry';
import { INVOKER_BOOT, InvokerBoot, RESERVATION_POOL, ReservationPool } from './reservation-pool.port';
import { RESERVATION_SOURCE, ReservationSource } from './reservation.source';
import { reservedShare } from './reserved-share';
import { RESERVED_OPTIONS, ReservedOptions } from './reserved.options';

/**
 * Keeps this invoker's share of every reservation. Each invoker heartbeats into the Redis membership, splits each
 * reservation's count over the live members the same way (reserved-share.ts), and asks its pool for exactly its
 * share, so the ready reserved instances add up to the count. It reconciles when a reservation changes (control
 * event), when the membership changes (a peer joined, left or died) and every reconcile interval.
 */
@Injectable()
export class ReservedInstancesReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReservedInstancesReconciler.name);
  /** Live invoker ids from the last heartbeat; undefined until one succeeded (nothing is reserved before). */
  private live: string[] | undefined;
  /** Snapshots this invoker holds a non-zero share of, by instance key, so they can be released later. */
  private readonly held = new Map<string, FunctionSnapshot>();
  private running: Promise<void> | undefined;
  private rerun = false;
  private closed = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(RESERVATION_SOURCE) private readonly source: ReservationSource,
    @Inject(RESERVATION_POOL) private readonly pool: ReservationPool,
    @Inject(InvokerRegistry) private readonly registry: InvokerRegistry,
    @Inject(DeadInvokerSweeper) private readonly sweeper: DeadInvokerSweeper,
    @Inject(RESERVED_OPTIONS) private readonly options: ReservedOptions,
    @Inject(INVOKER_BOOT) private readonly boot: InvokerBoot,
  ) {}

  /** Joins the membership before the invoker reports ready, so peers count it from the first reconcile on. */
  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts the heartbeat and the periodic reconcile (neither keeps the process alive); resolves after the first beat. */
  async start(): Promise<void> {
    if (this.timers.length > 0 || this.closed) return;
    const beat = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs);
    const reconcile = setInterval(() => void this.reconcile(), this.options.reconcileIntervalMs);
    beat.unref();
    reconcile.unref();
    this.timers = [beat, reconcile];
    // Bounded: with Redis away the invoker still boots and joins at a later beat.
    await Promise.race([this.heartbeat(), new Promise((r) => setTimeout(r, FIRST_BEAT_WAIT_MS).unref())]);
  }

  /** Stops the timers and leaves the membership, so the peers take this invoker's share over at once. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // Bounded: a reserve waiting for a container start must not hold the shutdown.
    await Promise.race([
      this.running?.catch(() => undefined),
      new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref()),
    ]);
    await this.registry
      .leave()
      .catch((err: unknown) =>
        this.logger.warn({ msg: 'could not leave the invoker membership', err: String(err) }),
      );
    await this.registry.close();
  }

  /** One heartbeat: renew the membership, publish figures, sweep claimed dead peers, reconcile on a change. */
  async heartbeat(): Promise<void> {
    if (await this.beat()) void this.reconcile();
  }

  /** Renews the membership and reads it; true when the live members changed. Never throws. */
  private async beat(): Promise<boolean> {
    if (this.closed) return false;
    let result;
    try {
      result = await this.registry.heartbeat(await this.figures());
    } catch (err) {
      // The last known membership stays in force: every invoker keeps its share while Redis is away.
      this.logger.warn({ msg: 'invoker heartbeat failed', err: String(err) });
      return false;
    }
    const changed = !sameMembers(this.live, result.live);
    this.live = result.live;
    for (const dead of result.claimedDead) {
      try {
        await this.sweeper.sweep(dead);
      } catch (err) {
        this.logger.warn({ msg: 'could not sweep a dead invoker', dead, err: String(err) });
      }
    }
    if (changed) this.logger.log({ msg: 'invoker membership changed', live: result.live });
    return changed;
  }

  /** Runs a reconcile, or joins the running one and makes it run once more (changes during it are not lost). */
  reconcile(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.rerun = false;
        await this.reconcileOnce();
      } while (this.rerun && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Live figures per function id: every instance of this invoker, and its reserved ones. */
  async figures(): Promise<Record<string, InvokerFunctionFigures>> {
    const out: Record<string, InvokerFunctionFigures> = {};
    const entry = (functionId: string): InvokerFunctionFigures =>
      (out[functionId] ??= { instances: 0, reserved: 0 });
    for (const i of this.pool.instances()) {
      if (i.retired || i.state === 'draining') continue;
      entry(i.snapshot.functionId).instances += 1;
    }
    for (const snapshot of this.held.values()) {
      entry(snapshot.functionId).reserved += await this.pool.reservedCount(snapshot);
    }
    return out;
  }

  private async reconcileOnce(): Promise<void> {
    // The boot sweep removes this invoker's containers it does not know yet, so no reserved start may precede it.
    await this.boot.whenStarted();
    if (this.closed) return;
    // Fresh membership, so a reservation change right after a peer joined is split over it too.
    await this.beat();
    const live = this.live;
    if (!live) return;
    let reservations;
    try {
      reservations = await this.source.list();
    } catch (err) {
      this.logger.warn({ msg: 'could not read the reservations', err: String(err) });
      return;
    }
    const self = this.options.invokerId;
    const desired = new Map<string, { snapshot: FunctionSnapshot; share: number }>();
    for (const r of reservations) {
      desired.set(instanceKey(r.snapshot), {
        snapshot: r.snapshot,
        share: reservedShare(r.key, r.count, live, self),
      });
    }
    // Reservations that went away (count 0, function deleted, snapshot replaced) are released.
    for (const [key, snapshot] of this.held) if (!desired.has(key)) desired.set(key, { snapshot, share: 0 });

    await forEachLimited(
      [...desired],
      this.options.reserveConcurrency,
      async ([key, { snapshot, share }]) => {
        if (this.closed) return;
        if (share === 0 && !this.held.has(key)) return;
        try {
          await this.pool.reserve(snapshot, share);
          if (share > 0) this.held.set(key, snapshot);
          else this.held.delete(key);
        } catch (err) {
          // Remembered either way, so a later reconcile retries the top-up or the release.
          this.held.set(key, snapshot);
          this.logger.warn({ msg: 'reserve failed', funcUrn: snapshot.funcUrn, share, err: String(err) });
        }
      },
    );
  }
}

const FIRST_BEAT_WAIT_MS = 5_000;
const STOP_WAIT_MS = 5_000;

function sameMembers(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((id, i) => id === b[i]);
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(lanes);
}
