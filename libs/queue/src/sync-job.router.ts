import type Redis from 'ioredis';
import {
  encodeInboxEntry,
  homeKey,
  InvocationJob,
  InvocationReply,
  invokerInboxKey,
  SYNC_INBOX_KEYS,
  syncAffinityKey,
  SyncDispatchMode,
} from '@ofg/contracts';
import type { InvocationProducer } from './invocation.producer';
import { claimHome, placeHome, readLiveInvokers } from './sync-inbox';

export interface SyncRouterOptions {
  mode: SyncDispatchMode;
  /** How long a home read from Redis or learnt from a reply is trusted. */
  homeCacheMs?: number;
  /** How long a home placed by the router lasts without traffic (the invokers' INSTANCE_KEEPALIVE_MS). */
  homeTtlMs?: number;
  /** How long "no home" is trusted: another gateway's request may have made one meanwhile. */
  noHomeCacheMs?: number;
  /** How often the live invokers are read again (in the background once the first read is done). */
  liveRefreshMs?: number;
  now?: () => number;
}

/** Homes remembered at most; the oldest entries go first. */
const MAX_CACHED_HOMES = 50_000;

/**
 * Hands a sync job to the invokers. `queue`: the shared BullMQ queue. `affinity`: the inbox of the function version's
 * home invoker when it is live; else a live invoker is placed as the home by rendezvous hashing and claimed in Redis
 * (replacing a home that is gone), and only with no live invoker known does the job go to the shared inbox, claimed by
 * whoever serves it. Homes and live invokers are cached in memory: a warm call costs one LPUSH.
 */
export class SyncJobRouter {
  private readonly homes = new Map<string, { home: string | undefined; until: number }>();
  private live: Set<string> | undefined;
  private liveUntil = 0;
  private liveRead: Promise<Set<string>> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly producer: Pick<InvocationProducer, 'enqueue'>,
    private readonly options: SyncRouterOptions,
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async route(job: InvocationJob): Promise<void> {
    if (this.options.mode === 'queue') return this.producer.enqueue(job);
    const key = syncAffinityKey(job.function);
    const [home, live] = await Promise.all([this.homeOf(key), this.liveInvokers()]);
    if (home !== undefined && live.has(home)) {
      await this.redis.lpush(invokerInboxKey(home), encodeInboxEntry(job));
      return;
    }
    // No live home: place one (the same pick on every gateway) and claim it, unless another gateway just did.
    const placed = placeHome(key, live);
    if (placed !== undefined) {
      const claimed = await claimHome(this.redis, key, placed, home, this.options.homeTtlMs ?? 300_000);
      if (live.has(claimed)) {
        this.remember(key, claimed, this.options.homeCacheMs ?? 2000);
        await this.redis.lpush(invokerInboxKey(claimed), encodeInboxEntry(job));
        return;
      }
    }
    // No live invoker known: whoever serves it from the shared inbox becomes the home.
    const affinity = home === undefined ? { key } : { key, claimOver: home };
    await this.redis.lpush(SYNC_INBOX_KEYS.shared, encodeInboxEntry({ ...job, affinity }));
  }

  /** A reply of a job that claimed a home names the home: later calls go there without reading Redis. */
  learn(job: InvocationJob, reply: InvocationReply): void {
    if (this.options.mode !== 'affinity' || !reply.home) return;
    this.remember(syncAffinityKey(job.function), reply.home, this.options.homeCacheMs ?? 2000);
  }

  private async homeOf(key: string): Promise<string | undefined> {
    const cached = this.homes.get(key);
    if (cached && cached.until > this.now()) return cached.home;
    const home = (await this.redis.get(homeKey(key))) ?? undefined;
    this.remember(
      key,
      home,
      home === undefined ? (this.options.noHomeCacheMs ?? 250) : (this.options.homeCacheMs ?? 2000),
    );
    return home;
  }

  private remember(key: string, home: string | undefined, ttlMs: number): void {
    this.homes.delete(key);
    if (this.homes.size >= MAX_CACHED_HOMES) this.homes.delete(this.homes.keys().next().value as string);
    this.homes.set(key, { home, until: this.now() + ttlMs });
  }

  /**
   * The live invokers, read again once `liveRefreshMs` passed: a set up to twice that old is used while the next read
   * is under way; an older one (the gateway was idle) is not, as an invoker that left since must get no job.
   */
  private async liveInvokers(): Promise<Set<string>> {
    const refreshMs = this.options.liveRefreshMs ?? 1000;
    if (this.live && this.liveUntil > this.now()) return this.live;
    if (this.live && this.liveUntil + refreshMs <= this.now()) this.live = undefined;
    this.liveRead ??= readLiveInvokers(this.redis)
      .then((ids) => {
        this.live = new Set(ids);
        this.liveUntil = this.now() + refreshMs;
        return this.live;
      })
      .finally(() => (this.liveRead = undefined));
    if (this.live) {
      this.liveRead.catch(() => undefined);
      return this.live;
    }
    return this.liveRead;
  }
}
