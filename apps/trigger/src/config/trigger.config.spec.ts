import { hostname } from 'node:os';
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
      syncDispatch: 'affinity',
      sources: {
        rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:5672',
        instanceId: `${hostname()}-${process.pid}`,
        reconcileIntervalMs: 60_000,
        disClaimIdleMs: 60_000,
        rabbitmqBatchWindowMs: 500,
        mqttUrl: 'mqtt://127.0.0.1:1883',
        natsUrl: 'nats://127.0.0.1:4222',
      },
    });
  });

  it('reads overrides as numbers', () => {
    const config = loadTriggerConfig({
      ...required,
      TRIGGER_PORT: '9000',
      OFG_REGION: 'eu-west-0',
      TIMER_RECONCILE_INTERVAL_MS: '5000',
      SYNC_QUEUE_WAIT_MS: '1000',
      RABBITMQ_URL: 'amqp://u:p@mq:5673/vhost',
      TRIGGER_INSTANCE_ID: 'trigger-0',
      DIS_CLAIM_IDLE_MS: '3000',
      RABBITMQ_BATCH_WINDOW_MS: '50',
    });
    expect(config).toMatchObject({
      port: 9000,
      region: 'eu-west-0',
      timerReconcileIntervalMs: 5000,
      syncQueueWaitMs: 1000,
      sources: {
        rabbitmqUrl: 'amqp://u:p@mq:5673/vhost',
        instanceId: 'trigger-0',
        disClaimIdleMs: 3000,
        rabbitmqBatchWindowMs: 50,
      },
    });
  });

  it('fails naming every bad variable', () => {
    expect(() =>
      loadTriggerConfig({ REDIS_URL: required.REDIS_URL, TIMER_RECONCILE_INTERVAL_MS: '-1' }),
    ).toThrow(/DATABASE_URL.*TIMER_RECONCILE_INTERVAL_MS/);
    expect(() => loadTriggerConfig({ ...required, TRIGGER_PORT: 'http' })).toThrow(/TRIGGER_PORT/);
    expect(() => loadTriggerConfig({ ...required, RABBITMQ_URL: 'http://mq' })).toThrow(/RABBITMQ_URL/);
    expect(() => loadTriggerConfig({ ...required, MQTT_URL: 'http://broker' })).toThrow(/MQTT_URL/);
    expect(() => loadTriggerConfig({ ...required, NATS_URL: 'amqp://mq' })).toThrow(/NATS_URL/);
  });

  it('reads the MQTT and NATS servers', () => {
    const config = loadTriggerConfig({
      ...required,
      MQTT_URL: 'mqtts://mq:8883',
      NATS_URL: 'nats://a:4222,nats://b:4222',
    });
    expect(config.sources).toMatchObject({
      mqttUrl: 'mqtts://mq:8883',
      natsUrl: 'nats://a:4222,nats://b:4222',
    });
  });
});
