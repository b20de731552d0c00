import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { InstanceSlots, SlotEventListener } from './instance-slots';

export interface RedisSlotsOptions {
  invokerId: string;
  /** An invoker's share is dropped when its lease is not refreshed for this long (it died or lost Redis). */
  leaseTtlMs: number;
  /** Key and channel prefix; renaming it strands the counts of running invokers. */
  prefix?: string;
}

/** How long another invoker's demand for a function is remembered (waiters repeat it more often than this). */
const DEMAND_MEMORY_MS = 1000;
const DAY_MS = 86_400_000;

/**
 * Redis time in ms, computed inside each script so every invoker compares leases on one clock.
 * Shares of owners whose lease expired (or vanished) are deleted before counting.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[2])
if max >= 0 then
  local fields = redis.call('HGETALL', KEYS[1])
  local total = 0
  for i = 1, #fields, 2 do
    local owner = fields[i]
    local exp = redis.call('ZSCORE', KEYS[2], owner)
    if owner ~= ARGV[1] and (not exp or tonumber(exp) < now) then
      redis.call('HDEL', KEYS[1], owner)
    else
      total = total + tonumber(fields[i + 1])
    end
  end
  if total >= max then return 0 end
end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ${DAY_MS})
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
return 1
`;

const GIVE_SCRIPT = `
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return n
`;

/** Refreshes the lease; answers 0 when it had expired, so the caller writes its counts again. */
const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local exp = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if exp and tonumber(exp) >= now then return 1 end
return 0
`;

interface SlotCommands {
  ofgTakeSlot(hash: string, leases: string, owner: string, max: number, ttlMs: number): Promise<number>;
  ofgGiveSlot(hash: string, owner: string): Promise<number>;
  ofgHeartbeat(leases: string, owner: string, ttlMs: number): Promise<number>;
}

interface SlotMessage {
  type: 'demand' | 'freed';
  fn: string;
  owner: string;
}

/**
 * InstanceSlots in Redis: per function a hash owner → instances, per owner a lease in one sorted set (expiry in Redis
 * time). The owner is this invoker process (invoker id + a per-boot nonce), so a restarted invoker never inherits the
 * share of its previous run. Demand and freed slots travel on one pub/sub channel.
 */
export class RedisInstanceSlots implements InstanceSlots {
  readonly owner: string;
  private readonly logger = new Logger(RedisInstanceSlots.name);
  private readonly prefix: string;
  private readonly held = new Map<string, number>();
  private readonly demandSeen = new Map<string, number>();
  /** Functions whose count in Redis may be wrong after a failed command. */
  private readonly unsynced = new Set<string>();
  private inflight = 0;
  /** A first heartbeat finds no lease: that is a start, not a lapse. */
  private leased = false;
  private listener: SlotEventListener | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `redis` runs the scripts; `subscriber` is put in subscriber mode. Both are closed by stop(). */
  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly options: RedisSlotsOptions,
  ) {
    this.owner = `${options.invokerId}/${randomBytes(4).toString('hex')}`;
    this.prefix = options.prefix ?? 'ofg:instances';
    redis.defineCommand('ofgTakeSlot', { numberOfKeys: 2, lua: TAKE_SCRIPT });
    redis.defineCommand('ofgGiveSlot', { numberOfKeys: 1, lua: GIVE_SCRIPT });
    redis.defineCommand('ofgHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT_SCRIPT });
  }

  private get commands(): SlotCommands {
    return this.redis as unknown as SlotCommands;
  }

  private get channel(): string {
    return `${this.prefix}:events`;
  }

  private get leasesKey(): string {
    return `${this.prefix}:leases`;
  }

  private hashKey(fn: string): string {
    return `${this.prefix}:fn:${fn}`;
  }

  async tryTake(fn: string, max: number): Promise<boolean> {
    this.inflight += 1;
    try {
      const taken = await this.commands.ofgTakeSlot(
        this.hashKey(fn),
        this.leasesKey,
        this.owner,
        max,
        this.options.leaseTtlMs,
      );
      if (taken !== 1) return false;
      this.held.set(fn, (this.held.get(fn) ?? 0) + 1);
      return true;
    } catch (err) {
      // The script may have run before the connection failed: the next heartbeat writes the true count.
      this.unsynced.add(fn);
      throw err;
    } finally {
      this.inflight -= 1;
    }
  }

  async give(fn: string): Promise<void> {
    const n = (this.held.get(fn) ?? 0) - 1;
    if (n > 0) this.held.set(fn, n);
    else this.held.delete(fn);
    this.inflight += 1;
    try {
      await this.commands.ofgGiveSlot(this.hashKey(fn), this.owner);
    } catch (err) {
      this.unsynced.add(fn);
      this.logger.warn({
        msg: 'could not give an instance slot back; retrying with the heartbeat',
        fn,
        err: String(err),
      });
      return;
    } finally {
      this.inflight -= 1;
    }
    if ((this.demandSeen.get(fn) ?? 0) > Date.now()) this.publish({ type: 'freed', fn, owner: this.owner });
  }

  announceDemand(fn: string): void {
    this.publish({ type: 'demand', fn, owner: this.owner });
  }

  subscribe(listener: SlotEventListener): void {
    this.listener = listener;
  }

  async start(): Promise<void> {
    // The lease first: without it, other invokers would count this one's slots as those of a dead invoker.
    const every = Math.max(250, Math.floor(this.options.leaseTtlMs / 3));
    this.heartbeat = setInterval(() => void this.beat(), every);
    this.heartbeat.unref();
    await this.beat();
    this.subscriber.on('message', (channel: string, text: string) => this.onMessage(channel, text));
    await this.subscriber.subscribe(this.channel);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    try {
      const pipeline = this.redis.pipeline();
      for (const fn of this.held.keys()) pipeline.hdel(this.hashKey(fn), this.owner);
      pipeline.zrem(this.leasesKey, this.owner);
      await pipeline.exec();
    } catch (err) {
      // The lease expires on its own.
      this.logger.warn({ msg: 'could not give the instance slots back', err: String(err) });
    }
    this.held.clear();
    this.subscriber.disconnect();
    this.redis.disconnect();
  }

  /** Instances of `fn` this invoker holds (tests, logs). */
  heldBy(fn: string): number {
    return this.held.get(fn) ?? 0;
  }

  private async beat(): Promise<void> {
    try {
      const alive = await this.commands.ofgHeartbeat(this.leasesKey, this.owner, this.options.leaseTtlMs);
      if (alive !== 1 && this.leased) this.listener?.onLeaseLost?.();
      this.leased = true;
      // Our lease lapsed (a stall or a Redis outage) and others may have dropped our share: write all of it again.
      if (alive !== 1) for (const fn of this.held.keys()) this.unsynced.add(fn);
      // A take or give in flight would race the rewrite; the next beat does it.
      if (this.unsynced.size === 0 || this.inflight > 0) return;
      const rewrite = [...this.unsynced];
      this.unsynced.clear();
      const pipeline = this.redis.pipeline();
      for (const fn of rewrite) {
        const n = this.held.get(fn) ?? 0;
        if (n > 0) pipeline.hset(this.hashKey(fn), this.owner, n).pexpire(this.hashKey(fn), DAY_MS);
        else pipeline.hdel(this.hashKey(fn), this.owner);
      }
      const results = await pipeline.exec();
      if (results?.some(([err]) => err)) for (const fn of rewrite) this.unsynced.add(fn);
      this.logger.warn({
        msg: 'instance slot counts written again',
        functions: rewrite.length,
        leaseExpired: alive !== 1,
      });
    } catch (err) {
      this.logger.warn({ msg: 'instance slot heartbeat failed', err: String(err) });
    }
  }

  private publish(message: SlotMessage): void {
    this.redis
      .publish(this.channel, JSON.stringify(message))
      .catch((err: unknown) =>
        this.logger.warn({ msg: 'could not publish an instance slot event', err: String(err) }),
      );
  }

  private onMessage(channel: string, text: string): void {
    if (channel !== this.channel) return;
    let message: Partial<SlotMessage>;
    try {
      message = JSON.parse(text) as Partial<SlotMessage>;
    } catch {
      return;
    }
    if (typeof message.fn !== 'string' || message.owner === this.owner) return;
    if (message.type === 'demand') {
      this.demandSeen.set(message.fn, Date.now() + DEMAND_MEMORY_MS);
      if (this.demandSeen.size > 10_000) this.pruneDemand();
      this.listener?.onDemand(message.fn);
    } else if (message.type === 'freed') {
      this.listener?.onFreed(message.fn);
    }
  }

  private pruneDemand(): void {
    const now = Date.now();
    for (const [fn, until] of this.demandSeen) if (until <= now) this.demandSeen.delete(fn);
  }
}
