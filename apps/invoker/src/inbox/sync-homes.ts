import type Redis from 'ioredis';
import { homeKey, InvocationJob } from '@ofg/contracts';

/** Becomes the home unless a live one holds it; answers the home after the claim. */
const CLAIM_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if (not current) or current == ARGV[1] or current == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  return ARGV[1]
end
return current`;

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
    const home = (await this.redis.eval(
      CLAIM_SCRIPT,
      1,
      homeKey(affinity.key),
      this.options.invokerId,
      affinity.claimOver ?? '',
      this.options.ttlMs,
    )) as string;
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
