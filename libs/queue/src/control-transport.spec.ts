import { Transport } from '@nestjs/microservices';
import { redisTransportOptions } from './control-transport';

describe('redisTransportOptions', () => {
  it('splits a plain URL and defaults the port', () => {
    expect(redisTransportOptions('redis://127.0.0.1')).toEqual({
      transport: Transport.REDIS,
      options: { host: '127.0.0.1', port: 6379, retryAttempts: Number.MAX_SAFE_INTEGER, retryDelay: 1000 },
    });
  });

  it('keeps credentials, database and TLS', () => {
    expect(redisTransportOptions('rediss://ofg:p%40ss@redis.internal:6380/2').options).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      username: 'ofg',
      password: 'p@ss',
      db: 2,
      tls: {},
    });
    expect(redisTransportOptions('redis://:secret@[::1]:6379').options).toMatchObject({
      host: '::1',
      password: 'secret',
    });
  });

  it('rejects what ioredis could not use', () => {
    expect(() => redisTransportOptions('http://127.0.0.1:6379')).toThrow(/redis/);
    expect(() => redisTransportOptions('redis://127.0.0.1:6379/x')).toThrow(/database/);
  });
});
