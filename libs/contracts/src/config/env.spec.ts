import { z } from 'zod';
import { databaseUrlSchema, EnvConfigError, parseEnv, redisUrlSchema } from './env';

const schema = z.object({
  DATABASE_URL: databaseUrlSchema,
  REDIS_URL: redisUrlSchema,
  PORT: z.coerce.number().int().default(8080),
});

describe('parseEnv', () => {
  it('applies defaults and treats empty strings as unset', () => {
    expect(
      parseEnv(schema, { DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://r:6379/0', PORT: '' }, 'app'),
    ).toEqual({
      DATABASE_URL: 'postgres://db/x',
      REDIS_URL: 'redis://r:6379/0',
      PORT: 8080,
    });
  });

  it('names every bad variable in one EnvConfigError', () => {
    const load = (): unknown => parseEnv(schema, { DATABASE_URL: 'mysql://db', PORT: 'x' }, 'gateway');
    expect(load).toThrow(EnvConfigError);
    expect(load).toThrow(/invalid gateway configuration: .*DATABASE_URL.*REDIS_URL.*PORT/);
  });
});
