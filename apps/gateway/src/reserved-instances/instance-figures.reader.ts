import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { INVOKER_REGISTRY_KEYS, invokerFiguresKey, InvokerFunctionFigures } from '@ofg/contracts';

/** Live instance figures of a function, summed over the invokers whose heartbeat has not expired. */
@Injectable()
export class InstanceFiguresReader implements OnApplicationShutdown {
  constructor(private readonly redis: Redis) {}

  async figuresOf(functionId: string): Promise<InvokerFunctionFigures> {
    // Redis time, like the invokers' heartbeats, so clocks of the hosts do not matter.
    const [seconds, micros] = await this.redis.time();
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const live = await this.redis.zrangebyscore(INVOKER_REGISTRY_KEYS.members, nowMs, '+inf');
    const total: InvokerFunctionFigures = { instances: 0, reserved: 0 };
    if (live.length === 0) return total;
    const answers = await this.redis
      .pipeline(live.map((id) => ['hget', invokerFiguresKey(id), functionId]))
      .exec();
    for (const [err, raw] of answers ?? []) {
      if (err || typeof raw !== 'string') continue;
      const figures = parseFigures(raw);
      total.instances += figures.instances;
      total.reserved += figures.reserved;
    }
    return total;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** A malformed entry (another version of the invoker) counts as nothing rather than failing the report. */
export function parseFigures(raw: string): InvokerFunctionFigures {
  try {
    const v = JSON.parse(raw) as Partial<InvokerFunctionFigures>;
    const n = (x: unknown): number => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : 0);
    return { instances: n(v.instances), reserved: n(v.reserved) };
  } catch {
    return { instances: 0, reserved: 0 };
  }
}
