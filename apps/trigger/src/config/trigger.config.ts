import { hostname } from 'node:os';
import { z } from 'zod';
import {
  databaseUrlSchema,
  parseEnv,
  redisUrlSchema,
  SYNC_DISPATCH_MODES,
  SyncDispatchMode,
} from '@ofg/contracts';

const positiveMs = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Environment of the trigger service; validated once at boot so a bad value stops the process early. */
export const triggerConfigSchema = z.object({
  DATABASE_URL: databaseUrlSchema,
  REDIS_URL: redisUrlSchema,
  TRIGGER_PORT: z.coerce.number().int().min(0).max(65_535).default(8082),
  OFG_REGION: z.string().min(1).default('local'),
  TIMER_RECONCILE_INTERVAL_MS: positiveMs(60_000),
  SYNC_QUEUE_WAIT_MS: positiveMs(30_000),
  SYNC_DISPATCH: z.enum(SYNC_DISPATCH_MODES).default('affinity'),
  // Message and stream sources (DIS on Redis Streams, DMS and RABBITMQ on RabbitMQ).
  RABBITMQ_URL: z
    .string()
    .regex(/^amqps?:\/\/\S+$/, 'must be an amqp:// or amqps:// URL')
    .default('amqp://guest:guest@127.0.0.1:5672'),
  TRIGGER_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/)
    .optional(),
  SOURCE_RECONCILE_INTERVAL_MS: positiveMs(60_000),
  DIS_CLAIM_IDLE_MS: positiveMs(60_000),
  RABBITMQ_BATCH_WINDOW_MS: positiveMs(500),
  // MQTT and NATS triggers (extensions).
  MQTT_URL: z
    .string()
    .regex(/^(?:mqtts?|wss?|tcp):\/\/\S+$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
    .default('mqtt://127.0.0.1:1883'),
  NATS_URL: z
    .string()
    .regex(/^(?:nats|tls):\/\/\S+(?:,(?:nats|tls):\/\/\S+)*$/, 'must be nats:// URLs, comma-separated')
    .default('nats://127.0.0.1:4222'),
});

export interface TriggerConfig {
  databaseUrl: string;
  redisUrl: string;
  port: number;
  region: string;
  timerReconcileIntervalMs: number;
  syncQueueWaitMs: number;
  syncDispatch: SyncDispatchMode;
  sources: SourcesConfig;
  /** BullMQ key prefix of the timers queue; only tests change it, to isolate their keys. */
  timerQueuePrefix?: string;
}

/** How the trigger service consumes DIS, DMS and RABBITMQ triggers. */
export interface SourcesConfig {
  rabbitmqUrl: string;
  /** This replica's consumer name in DIS consumer groups (and RabbitMQ consumer tags). */
  instanceId: string;
  /** How often every source trigger is re-read from Postgres (control events apply changes at once). */
  reconcileIntervalMs: number;
  /** DIS entries delivered but unacknowledged for this long are taken over from their (presumably dead) consumer. */
  disClaimIdleMs: number;
  /** How long a RabbitMQ batch waits for more messages after its first before it is invoked. */
  rabbitmqBatchWindowMs: number;
  /** The MQTT broker of MQTT triggers. */
  mqttUrl?: string;
  /** The NATS servers of NATS triggers (comma-separated). */
  natsUrl?: string;
}

/** Nest injection token of the validated configuration. */
export const TRIGGER_CONFIG = Symbol('TRIGGER_CONFIG');

/** Parses the environment; throws one error naming every bad variable. */
export function loadTriggerConfig(env: NodeJS.ProcessEnv = process.env): TriggerConfig {
  const e = parseEnv(triggerConfigSchema, env, 'trigger service');
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    port: e.TRIGGER_PORT,
    region: e.OFG_REGION,
    timerReconcileIntervalMs: e.TIMER_RECONCILE_INTERVAL_MS,
    syncQueueWaitMs: e.SYNC_QUEUE_WAIT_MS,
    syncDispatch: e.SYNC_DISPATCH,
    sources: {
      rabbitmqUrl: e.RABBITMQ_URL,
      instanceId: e.TRIGGER_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
      reconcileIntervalMs: e.SOURCE_RECONCILE_INTERVAL_MS,
      disClaimIdleMs: e.DIS_CLAIM_IDLE_MS,
      rabbitmqBatchWindowMs: e.RABBITMQ_BATCH_WINDOW_MS,
      mqttUrl: e.MQTT_URL,
      natsUrl: e.NATS_URL,
    },
  };
}
