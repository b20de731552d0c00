import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createRedisConnection } from '@ofg/queue';
import type Redis from 'ioredis';

const CONNECT_WAIT_MS = 5_000;

/**
 * The Redis connection of the replay cache and the rate limiter (REDIS_URL, which the gateway's config requires).
 * Commands fail fast while Redis is down instead of queueing, so the guard can answer at once.
 */
@Injectable()
export class FrontDoorRedis implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FrontDoorRedis.name);
  readonly client: Redis | undefined;

  constructor(redisUrl: string | undefined) {
    this.client = redisUrl ? createRedisConnection(redisUrl, 'producer') : undefined;
  }

  /** Waits (bounded) for the connection, so the first requests after boot are not refused for want of it. */
  async onModuleInit(): Promise<void> {
    if (!this.client) {
      this.logger.warn('REDIS_URL is not set: replay cache and rate limits are kept in this process only');
      return;
    }
    if (!(await waitUntilReady(this.client, CONNECT_WAIT_MS)))
      this.logger.warn(`Redis not ready after ${CONNECT_WAIT_MS} ms; signed mutations get 503 until it is`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.quit().catch(() => this.client?.disconnect());
  }
}

/** True once the connection is ready, false after `timeoutMs`. */
export function waitUntilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}
