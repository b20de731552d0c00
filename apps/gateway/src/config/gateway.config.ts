import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import {
  databaseUrlSchema,
  parseEnv,
  redisUrlSchema,
  SYNC_DISPATCH_MODES,
  SyncDispatchMode,
} from '@ofg/contracts';

const MB = 1024 * 1024;

/** Environment of the gateway, validated at boot (units in the names). */
export const gatewayEnvSchema = z.object({
  DATABASE_URL: databaseUrlSchema,
  REDIS_URL: redisUrlSchema,
  GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  OFG_REGION: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9-]+$/)
    .default('local'),
  OFG_MASTER_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters (openssl rand -hex 32)'),
  SYNC_QUEUE_WAIT_MS: z.coerce.number().int().min(0).default(30_000),
  // affinity: sync jobs go to the inbox of the invoker holding the function's warm instances; queue: shared BullMQ.
  SYNC_DISPATCH: z.enum(SYNC_DISPATCH_MODES).default('affinity'),
  FUNCTION_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5_000),
  MAX_BODY_MB: z.coerce.number().positive().max(1024).default(70),
  CODE_DOWNLOAD_MAX_MB: z.coerce.number().positive().max(1024).default(50),
  CODE_DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Base of APIG trigger invoke URLs as clients reach this gateway; default http://localhost:<GATEWAY_PORT>. */
  APIG_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  APIG_ROUTE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000),
  /** Secret the push tokens of OBS and EVENTGRID endpoints derive from; default derived from OFG_MASTER_KEY. */
  PUSH_EVENTS_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
});
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

/** The gateway's settings, grouped by concern. */
export interface GatewayConfig {
  databaseUrl: string;
  redisUrl: string;
  port: number;
  region: string;
  masterKeyHex: string;
  syncQueueWaitMs: number;
  syncDispatch: SyncDispatchMode;
  /** How long an invocation may use a cached function lookup; changes also evict it through control events. */
  functionCacheTtlMs: number;
  maxBodyBytes: number;
  codeDownload: { maxBytes: number; timeoutMs: number };
  /** APIG triggers: the invoke URL base, and how long a project's APIs are cached (changes also evict them). */
  apig: { baseUrl: string; routeCacheTtlMs: number };
  /** OBS notifications and EVENTGRID CloudEvents pushed to the gateway: the key each project's push token is an HMAC of. */
  pushEvents: { tokenKeyHex: string };
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Parses the environment; throws one error listing every bad variable so boot fails fast. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnv(gatewayEnvSchema, env, 'gateway');
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    port: e.GATEWAY_PORT,
    region: e.OFG_REGION,
    masterKeyHex: e.OFG_MASTER_KEY,
    syncQueueWaitMs: e.SYNC_QUEUE_WAIT_MS,
    syncDispatch: e.SYNC_DISPATCH,
    functionCacheTtlMs: e.FUNCTION_CACHE_TTL_MS,
    maxBodyBytes: Math.floor(e.MAX_BODY_MB * MB),
    codeDownload: {
      maxBytes: Math.floor(e.CODE_DOWNLOAD_MAX_MB * MB),
      timeoutMs: e.CODE_DOWNLOAD_TIMEOUT_MS,
    },
    apig: {
      baseUrl: e.APIG_BASE_URL ?? `http://localhost:${e.GATEWAY_PORT}`,
      routeCacheTtlMs: e.APIG_ROUTE_CACHE_TTL_MS,
    },
    pushEvents: { tokenKeyHex: pushTokenKeyHex(e.PUSH_EVENTS_SECRET, e.OFG_MASTER_KEY) },
  };
}

/** A dedicated secret, or a key derived from the master key so it never doubles as an encryption key. */
function pushTokenKeyHex(secret: string | undefined, masterKeyHex: string): string {
  if (secret !== undefined) return createHash('sha256').update(secret, 'utf8').digest('hex');
  return createHmac('sha256', Buffer.from(masterKeyHex, 'hex')).update('ofg-push-events-v1').digest('hex');
}
