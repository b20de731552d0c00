import { z } from 'zod';
import { databaseUrlSchema, parseEnv, redisUrlSchema } from '@ofg/contracts';

const positiveMs = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Environment of the trigger service; validated once at boot so a bad value stops the process early. */
export const triggerConfigSchema = z.object({
  DATABASE_URL: databaseUrlSchema,
  REDIS_URL: redisUrlSchema,
  TRIGGER_PORT: z.coerce.number().int().min(0).max(65_535).default(8082),
  OFG_REGION: z.string().min(1).default('local'),
  TIMER_RECONCILE_INTERVAL_MS: positiveMs(60_000),
  SYNC_QUEUE_WAIT_MS: positiveMs(30_000),
});

export interface TriggerConfig {
  databaseUrl: string;
  redisUrl: string;
  port: number;
  region: string;
  timerReconcileIntervalMs: number;
  syncQueueWaitMs: number;
  /** BullMQ key prefix of the timers queue; only tests change it, to isolate their keys. */
  timerQueuePrefix?: string;
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
  };
}
