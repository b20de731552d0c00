import { z } from 'zod';
import { databaseUrlSchema, parseEnv, redisUrlSchema } from '@ofg/contracts';

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
  FUNCTION_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5_000),
  MAX_BODY_MB: z.coerce.number().positive().max(1024).default(70),
  CODE_DOWNLOAD_MAX_MB: z.coerce.number().positive().max(1024).default(50),
  CODE_DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
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
  /** How long an invocation may use a cached function lookup; changes also evict it through control events. */
  functionCacheTtlMs: number;
  maxBodyBytes: number;
  codeDownload: { maxBytes: number; timeoutMs: number };
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
    functionCacheTtlMs: e.FUNCTION_CACHE_TTL_MS,
    maxBodyBytes: Math.floor(e.MAX_BODY_MB * MB),
    codeDownload: {
      maxBytes: Math.floor(e.CODE_DOWNLOAD_MAX_MB * MB),
      timeoutMs: e.CODE_DOWNLOAD_TIMEOUT_MS,
    },
  };
}
