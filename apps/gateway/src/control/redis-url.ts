/** ioredis-style connection fields from a `redis://[user:password@]host[:port][/db]` URL (microservices' Redis transport wants them split). */
export function redisOptionsFromUrl(url: string): { host: string; port: number; username?: string; password?: string; db?: number; tls?: object } {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
