import { DEFAULT_AUTH_OPTIONS, authOptionsFromEnv, replayWindowMs } from './auth.options';

describe('authOptionsFromEnv', () => {
  it('defaults to 1000 requests/s per caller with a burst of 2000 and replay protection on', () => {
    expect(authOptionsFromEnv({})).toMatchObject({
      rateLimitPerSecond: 1000,
      rateLimitBurst: 2000,
      replayProtection: true,
      maxSignedBodyBytes: 12 * 1024 * 1024,
    });
    expect(replayWindowMs(DEFAULT_AUTH_OPTIONS)).toBe(30 * 60_000);
  });

  it('reads the rate, the burst (twice the rate unless set) and the replay switch', () => {
    expect(authOptionsFromEnv({ RATE_LIMIT_PER_SECOND: '5' })).toMatchObject({
      rateLimitPerSecond: 5,
      rateLimitBurst: 10,
    });
    expect(
      authOptionsFromEnv({ RATE_LIMIT_PER_SECOND: '5', RATE_LIMIT_BURST: '7', REPLAY_PROTECTION: 'off' }),
    ).toMatchObject({ rateLimitPerSecond: 5, rateLimitBurst: 7, replayProtection: false });
    expect(authOptionsFromEnv({ RATE_LIMIT_PER_SECOND: '0', REPLAY_PROTECTION: 'ON' })).toMatchObject({
      rateLimitPerSecond: 0,
      replayProtection: true,
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => authOptionsFromEnv({ RATE_LIMIT_PER_SECOND: 'fast' })).toThrow(/RATE_LIMIT_PER_SECOND/);
    expect(() => authOptionsFromEnv({ RATE_LIMIT_PER_SECOND: '-1' })).toThrow(/RATE_LIMIT_PER_SECOND/);
    expect(() => authOptionsFromEnv({ RATE_LIMIT_BURST: '0' })).toThrow(/RATE_LIMIT_BURST/);
    expect(() => authOptionsFromEnv({ REPLAY_PROTECTION: 'maybe' })).toThrow(/REPLAY_PROTECTION/);
  });
});
