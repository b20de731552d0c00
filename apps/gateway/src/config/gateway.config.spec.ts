import { loadGatewayConfig } from './gateway.config';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ofg',
  REDIS_URL: 'redis://127.0.0.1:6379/0',
  OFG_MASTER_KEY: 'ab'.repeat(32),
};

describe('loadGatewayConfig', () => {
  it('applies the defaults', () => {
    expect(loadGatewayConfig(required)).toEqual({
      databaseUrl: required.DATABASE_URL,
      redisUrl: required.REDIS_URL,
      port: 8080,
      region: 'local',
      masterKeyHex: required.OFG_MASTER_KEY,
      syncQueueWaitMs: 30_000,
      syncDispatch: 'affinity',
      functionCacheTtlMs: 5_000,
      maxBodyBytes: 70 * 1024 * 1024,
      codeDownload: { maxBytes: 50 * 1024 * 1024, timeoutMs: 30_000 },
      apig: { baseUrl: 'http://localhost:8080', routeCacheTtlMs: 30_000 },
      pushEvents: { tokenKeyHex: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it('derives the push token key from PUSH_EVENTS_SECRET, else from the master key', () => {
    const derived = loadGatewayConfig(required).pushEvents.tokenKeyHex;
    const other = loadGatewayConfig({ ...required, OFG_MASTER_KEY: 'cd'.repeat(32) }).pushEvents.tokenKeyHex;
    const own = loadGatewayConfig({ ...required, PUSH_EVENTS_SECRET: 's'.repeat(32) }).pushEvents.tokenKeyHex;
    expect(new Set([derived, other, own, required.OFG_MASTER_KEY]).size).toBe(4);
    expect(() => loadGatewayConfig({ ...required, PUSH_EVENTS_SECRET: 'short' })).toThrow(
      /PUSH_EVENTS_SECRET/,
    );
  });

  it('reads the APIG invoke URL base without a trailing slash', () => {
    expect(loadGatewayConfig({ ...required, APIG_BASE_URL: 'https://api.example.com/' }).apig.baseUrl).toBe(
      'https://api.example.com',
    );
    expect(() => loadGatewayConfig({ ...required, APIG_BASE_URL: 'ftp://x' })).toThrow(/APIG_BASE_URL/);
  });

  it('reads overrides and treats empty strings as unset', () => {
    const config = loadGatewayConfig({
      ...required,
      GATEWAY_PORT: '9090',
      OFG_REGION: '',
      MAX_BODY_MB: '1',
      SYNC_QUEUE_WAIT_MS: '5',
      FUNCTION_CACHE_TTL_MS: '0',
    });
    expect(config).toMatchObject({
      port: 9090,
      region: 'local',
      maxBodyBytes: 1024 * 1024,
      syncQueueWaitMs: 5,
      functionCacheTtlMs: 0,
    });
  });

  it('fails naming every bad variable', () => {
    expect(() => loadGatewayConfig({ ...required, OFG_MASTER_KEY: 'short', GATEWAY_PORT: 'x' })).toThrow(
      /OFG_MASTER_KEY.*GATEWAY_PORT|GATEWAY_PORT.*OFG_MASTER_KEY/,
    );
    expect(() =>
      loadGatewayConfig({ REDIS_URL: required.REDIS_URL, OFG_MASTER_KEY: required.OFG_MASTER_KEY }),
    ).toThrow(/DATABASE_URL/);
  });
});
