import Redis, { RedisOptions } from 'ioredis';

/**
 * A Redis connection for BullMQ and pub/sub. Workers and subscribers need `maxRetriesPerRequest: null`
 * (BullMQ's rule); producers fail fast instead so a Redis outage becomes a 503, not a hung request.
 */
export function createRedisConnection(
  url: string,
  role: 'producer' | 'blocking',
  extra: RedisOptions = {},
): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === 'blocking' ? null : 1,
    enableOfflineQueue: role === 'blocking',
    connectTimeout: 5000,
    ...extra,
  });
  // ioredis reconnects by itself and failed commands reject their callers; without a listener every
  // reconnect attempt during an outage would be an unhandled 'error' event.
  redis.on('error', () => undefined);
  return redis;
}
