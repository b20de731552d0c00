import type Redis from 'ioredis';
import { homeKey, InvocationJob } from '@ofg/contracts';
import { claimHome } from '@ofg/queue';

/** Extends the home's life only while this invoker still holds it. */
const REFRESH_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

export interface SyncHomesOptions {
  invokerId: string;
  /** How long a home lasts without traffic: as long as an idle instance is kept. */
  ttlMs: number;
  now?: () => number;
}

/** Refreshes remembered at most; the oldest go first. */
const MAX_TRACKED = 50_000;

/** This invoker's claims on function versions' homes (SYNC_DISPATCH=affinity), kept alive by the traffic they get. */
export class SyncHomes {
  private readonly refreshedAt = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly options: SyncHomesOptions,
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** For a job routed to the shared inbox: become the home unless another live invoker already is. */
  async claim(affinity: NonNullable<InvocationJob['affinity']>): Promise<string> {
    const home = await claimHome(
      this.redis,
      affinity.key,
      this.options.invokerId,
      affinity.claimOver,
      this.options.ttlMs,
    );
    if (home === this.options.invokerId) this.track(affinity.key);
    return home;
  }

  /** For a job taken from this invoker's own inbox: push the home's expiry out, at most a few times per TTL. */
  refresh(key: string): void {
    const last = this.refreshedAt.get(key);
    if (last !== undefined && this.now() - last < this.options.ttlMs / 4) return;
    this.track(key);
    this.redis
      .eval(REFRESH_SCRIPT, 1, homeKey(key), this.options.invokerId, this.options.ttlMs)
      .catch(() => this.refreshedAt.delete(key));
  }

  private track(key: string): void {
    this.refreshedAt.delete(key);
    if (this.refreshedAt.size >= MAX_TRACKED)
      this.refreshedAt.delete(this.refreshedAt.keys().next().value as string);
    this.refreshedAt.set(key, this.now());
  }
}
