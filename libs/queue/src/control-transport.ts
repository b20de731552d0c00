import { INestApplication, Logger } from '@nestjs/common';
import { RedisOptions, Transport } from '@nestjs/microservices';
import Redis from 'ioredis';

/** ioredis connection fields from `redis[s]://[user:pass@]host[:port][/db]`: Nest's Redis transport wants them split. */
export function redisOptionsFromUrl(redisUrl: string): NonNullable<RedisOptions['options']> {
  const url = new URL(redisUrl);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new Error(`REDIS_URL must be redis:// or rediss://, got ${url.protocol}`);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db))
    throw new Error(`REDIS_URL has an invalid database number "${url.pathname.slice(1)}"`);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Listener options for control events; Nest gives up after the first disconnect unless told to retry. */
export function redisTransportOptions(redisUrl: string): RedisOptions {
  return {
    transport: Transport.REDIS,
    options: { ...redisOptionsFromUrl(redisUrl), retryAttempts: Number.MAX_SAFE_INTEGER, retryDelay: 1000 },
  };
}

/** Resolves once Redis answers PING (Nest's Redis listener never subscribes if its first connect fails). */
export async function waitForRedis(redisUrl: string, timeoutMs = 60_000): Promise<void> {
  const logger = new Logger('RedisBoot');
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 2000,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (Date.now() >= deadline) throw new Error(`Redis unreachable for ${timeoutMs} ms: ${reason}`);
      logger.warn(`waiting for Redis before listening for control events: ${reason}`);
    } finally {
      probe.disconnect();
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(250 * 2 ** attempt, 5000, Math.max(0, deadline - Date.now()))),
    );
  }
}

/** Attaches and starts the control-event listener of an app; closes the app when Redis never answers. */
export async function listenForControlEvents(app: INestApplication, redisUrl: string): Promise<void> {
  app.connectMicroservice(redisTransportOptions(redisUrl));
  try {
    await waitForRedis(redisUrl);
    await app.startAllMicroservices();
  } catch (err) {
    await app.close();
    throw err;
  }
}
