import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { QUEUES, TimerTickJob } from '@ofg/contracts';
import { createRedisConnection } from '@ofg/queue';

/** Name of every job the timer schedulers produce. */
export const TIMER_TICK_JOB_NAME = 'tick';

/** The timers queue on a connection of its own, which it closes with itself (BullMQ leaves supplied connections open). */
export class TimerQueue extends Queue<TimerTickJob> {
  private readonly ownConnection: Redis;

  constructor(redisUrl: string, prefix?: string) {
    const connection = createRedisConnection(redisUrl, 'producer');
    super(QUEUES.timers, { connection, ...(prefix ? { prefix } : {}) });
    this.ownConnection = connection;
  }

  /** Readiness probe: fails fast when Redis is unreachable (the connection does not queue commands offline). */
  async ping(): Promise<void> {
    await this.ownConnection.ping();
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      this.ownConnection.disconnect();
    }
  }
}
