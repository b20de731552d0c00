import { loadTriggerConfig } from './trigger.config';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('loadTriggerConfig', () => {
  it('applies the defaults', () => {
    expect(loadTriggerConfig(required)).toEqual({
      databaseUrl: required.DATABASE_URL,
      redisUrl: required.REDIS_URL,
      port: 8082,
      region: 'local',
      timerReconcileIntervalMs: 60_000,
      syncQueueWaitMs: 30_000,
    });
  });

  it('reads overrides as numbers', () => {
    const config = loadTriggerConfig({
      ...required,
      TRIGGER_PORT: '9000',
      OFG_REGION: 'eu-west-0',
      TIMER_RECONCILE_INTERVAL_MS: '5000',
      SYNC_QUEUE_WAIT_MS: '1000',
    });
    expect(config).toMatchObject({
      port: 9000,
      region: 'eu-west-0',
      timerReconcileIntervalMs: 5000,
      syncQueueWaitMs: 1000,
    });
  });

  it('fails naming every bad variable', () => {
    expect(() =>
      loadTriggerConfig({ REDIS_URL: required.REDIS_URL, TIMER_RECONCILE_INTERVAL_MS: '-1' }),
    ).toThrow(/DATABASE_URL.*TIMER_RECONCILE_INTERVAL_MS/);
    expect(() => loadTriggerConfig({ ...required, TRIGGER_PORT: 'http' })).toThrow(/TRIGGER_PORT/);
  });
});
