import { RedisOptions, Transport } from '@nestjs/microservices';

/** Nest's Redis transport takes ioredis options, not a URL: split REDIS_URL (`redis[s]://[user:pass@]host[:port][/db]`). */
export function redisTransportOptions(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error(`REDIS_URL must be redis:// or rediss://, got ${url.protocol}`);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new Error(`REDIS_URL has an invalid database number "${url.pathname.slice(1)}"`);
  return {
    transport: Transport.REDIS,
    options: {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : 6379,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(db !== undefined ? { db } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      // Nest gives up after the first disconnect unless told to retry; missed events are healed by the periodic reconcile.
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryDelay: 1000,
    },
  };
}
