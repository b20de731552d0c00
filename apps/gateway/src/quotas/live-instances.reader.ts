import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { INVOKER_REGISTRY_KEYS, invokerFiguresKey } from '@ofg/contracts';

/** Instances the live invokers run for a set of functions, from the figures they publish with their heartbeat. */
@Injectable()
export class LiveInstancesReader implements OnApplicationShutdown {
  constructor(private readonly redis: Redis) {}

  async instancesOf(functionIds: readonly string[]): Promise<number> {
    if (functionIds.length === 0) return 0;
    // Redis time, like the invokers' heartbeats, so clocks of the hosts do not matter.
    const [seconds, micros] = await this.redis.time();
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const live = await this.redis.zrangebyscore(INVOKER_REGISTRY_KEYS.members, nowMs, '+inf');
    if (live.length === 0) return 0;
    const answers = await this.redis
      .pipeline(live.map((id) => ['hmget', invokerFiguresKey(id), ...functionIds]))
      .exec();
    let total = 0;
    for (const [err, values] of answers ?? []) {
      if (err || !Array.isArray(values)) continue;
      for (const raw of values) total += instancesIn(raw);
    }
    return total;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** A missing or malformed entry (another version of the invoker) counts as no instances. */
export function instancesIn(raw: unknown): number {
  if (typeof raw !== 'string') return 0;
  try {
    const n = (JSON.parse(raw) as { instances?: unknown }).instances;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}
