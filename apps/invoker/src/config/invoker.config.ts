import { hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { databaseUrlSchema, EnvConfigError, parseEnv, redisUrlSchema } from '@ofg/contracts';
import { NETWORK_GUARD_MODES, NetworkGuardMode } from '../runtime/docker/function-network.guard';
import { parsePrewarmProfiles, PrewarmOptions } from '../instances/prewarm-pool';

/** Environment of the invoker, validated at boot (units in the names). */
export const invokerEnvSchema = z.object({
  DATABASE_URL: databaseUrlSchema,
  REDIS_URL: redisUrlSchema,
  INVOKER_ID: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_.-]+$/, 'may only contain letters, digits, "_", "." and "-"')
    .optional(),
  INVOKER_PORT: z.coerce.number().int().min(1).max(65535).default(8081),
  OFG_REGION: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9-]+$/)
    .default('local'),
  // Decrypts encrypted environment variables and seals temporary credentials; must equal the gateway's.
  OFG_MASTER_KEY: z
    .string()
    .regex(
      /^[0-9a-fA-F]{64}$/,
      'must be 64 hexadecimal characters, the same as the gateway (openssl rand -hex 32)',
    ),
  // Base URL of the gateway as seen from function containers, handed to them as OFG_API_ENDPOINT.
  FUNCTION_API_ENDPOINT: z
    .string()
    .max(512)
    .regex(
      /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
      'must be an http(s):// base URL, e.g. http://172.19.0.1:8080',
    )
    .optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(64),
  INSTANCE_KEEPALIVE_MS: z.coerce.number().int().min(1000).default(300_000),
  FUNCTION_NETWORK: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a Docker network name')
    .default('ofg-functions'),
  RUNTIME_IMAGE_NODEJS: z.string().min(1).default('openfunctiongraph/runtime-nodejs:latest'),
  RUNTIME_IMAGE_PYTHON: z.string().min(1).default('openfunctiongraph/runtime-python:latest'),
  // Custom runtimes, HTTP functions, and the agent mounted into container-image functions (runtimes/custom).
  RUNTIME_IMAGE_CUSTOM: z.string().min(1).default('openfunctiongraph/runtime-custom:latest'),
  CODE_CACHE_DIR: z.string().min(1).default(join(tmpdir(), 'ofg-code-cache')),
  CODE_CACHE_MEMORY_MB: z.coerce
    .number()
    .int()
    .min(0)
    .max(64 * 1024)
    .default(256),
  DOCKER_SOCKET: z.string().min(1).default('/var/run/docker.sock'),
  CONTAINER_PIDS_LIMIT: z.coerce.number().int().min(16).max(65_536).default(128),
  CONTAINER_TMP_MB: z.coerce
    .number()
    .int()
    .min(1)
    .max(64 * 1024)
    .default(512),
  CONTAINER_NOFILE: z.coerce.number().int().min(64).max(1_048_576).default(1024),
  INSTANCE_READY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  // BullMQ job lock and stalled check: a killed invoker's jobs are re-delivered within about their sum.
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  // Sync fast path: a job this old in a busy or stalled peer's inbox is taken by an invoker with room for it (a cold
  // start there, so not before the home had a fair chance on a loaded machine).
  SYNC_STEAL_AFTER_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  // Async ledger reconciler (one invoker at a time): lost jobs re-enqueued, pending destinations retried; 0 = off.
  ASYNC_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  ASYNC_RECONCILE_GRACE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  ASYNC_MAX_RECOVERIES: z.coerce.number().int().min(0).max(100).default(5),
  ASYNC_DESTINATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  // Sum of memory_size of live instances and prewarmed containers; unset: 80% of the host's memory, 0: no budget.
  INVOKER_MEMORY_BUDGET_MB: z.coerce.number().int().min(0).optional(),
  // How long a request waits for a free instance slot (max instances) or memory before FSS.0429.
  INSTANCE_WAIT_TIMEOUT_MS: z.coerce.number().int().min(0).max(900_000).default(5_000),
  // An invoker's share of the max-instances counts in Redis expires this long after it stops refreshing it.
  INSTANCE_LEASE_TTL_MS: z.coerce.number().int().min(1_000).max(600_000).default(15_000),
  // Generic containers kept per prewarm profile; 0 disables prewarming.
  PREWARM_POOL_SIZE: z.coerce.number().int().min(0).max(100).default(1),
  // <runtime family>:<memory MB>, comma-separated.
  PREWARM_PROFILES: z
    .string()
    .default('nodejs:128,python:128')
    .superRefine((value, ctx) => {
      try {
        parsePrewarmProfiles(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      }
    }),
  // A (runtime, memory) started cold within this window is prewarmed too; 0: the configured profiles only.
  PREWARM_RECENT_MS: z.coerce.number().int().min(0).default(600_000),
  // Host firewall of the function network (iptables): auto = when possible, else a warning; required = or no start.
  FUNCTION_NETWORK_GUARD: z.enum(NETWORK_GUARD_MODES).default('auto'),
  // S3-compatible store that OBS async destinations write to (path-style); unset: OBS destinations are not delivered.
  S3_ENDPOINT: z
    .string()
    .max(512)
    .regex(/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/, 'must be an http(s):// URL, e.g. http://127.0.0.1:9000')
    .optional(),
  S3_REGION: z.string().min(1).max(64).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).max(256).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).max(256).optional(),
});
export type InvokerEnv = z.infer<typeof invokerEnvSchema>;

/** The invoker's settings, grouped by concern. */
export interface InvokerConfig {
  invokerId: string;
  port: number;
  region: string;
  databaseUrl: string;
  redisUrl: string;
  masterKeyHex: string;
  /** Gateway base URL for function code (no trailing slash); undefined when not configured. */
  functionApiEndpoint?: string;
  worker: {
    concurrency: number;
    drainTimeoutMs: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    syncStealAfterMs: number;
  };
  asyncRecovery: { intervalMs: number; graceMs: number; maxRecoveries: number; maxDeliveryAttempts: number };
  instances: { keepAliveMs: number; readyTimeoutMs: number };
  /** Max instances across invokers, memory budget and prewarm pool of the instance pool. */
  pool: { memoryBudgetMb?: number; waitTimeoutMs: number; leaseTtlMs: number; prewarm: PrewarmOptions };
  runtimeImages: Record<string, string>;
  codeCache: { dir: string; memoryBytes: number };
  /** S3-compatible store of OBS destinations; undefined when S3_ENDPOINT is unset. */
  objectStore?: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  docker: {
    socketPath: string;
    network: string;
    pidsLimit: number;
    tmpMb: number;
    nofile: number;
    networkGuard: NetworkGuardMode;
  };
}

export const INVOKER_CONFIG = Symbol('INVOKER_CONFIG');

/** Raised at boot when the environment is invalid; the message lists every bad variable. */
/** The invoker's configuration error (kept as a name main.ts can catch). */
export const InvokerConfigError = EnvConfigError;

/** Parses the environment; throws one error listing every bad variable so boot fails fast. */
export function loadInvokerConfig(env: NodeJS.ProcessEnv = process.env): InvokerConfig {
  const e = parseEnv(invokerEnvSchema, env, 'invoker');
  if (e.S3_ENDPOINT && !(e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY)) {
    throw new InvokerConfigError(
      'invalid invoker configuration: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required with S3_ENDPOINT',
    );
  }
  return {
    invokerId: e.INVOKER_ID ?? defaultInvokerId(),
    port: e.INVOKER_PORT,
    region: e.OFG_REGION,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    masterKeyHex: e.OFG_MASTER_KEY,
    functionApiEndpoint: e.FUNCTION_API_ENDPOINT?.replace(/\/+$/, ''),
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
      syncStealAfterMs: e.SYNC_STEAL_AFTER_MS,
      lockDurationMs: e.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
    },
    asyncRecovery: {
      intervalMs: e.ASYNC_RECONCILE_INTERVAL_MS,
      graceMs: e.ASYNC_RECONCILE_GRACE_MS,
      maxRecoveries: e.ASYNC_MAX_RECOVERIES,
      maxDeliveryAttempts: e.ASYNC_DESTINATION_MAX_ATTEMPTS,
    },
    instances: { keepAliveMs: e.INSTANCE_KEEPALIVE_MS, readyTimeoutMs: e.INSTANCE_READY_TIMEOUT_MS },
    pool: {
      memoryBudgetMb: e.INVOKER_MEMORY_BUDGET_MB ?? Math.floor((totalmem() / (1024 * 1024)) * 0.8),
      waitTimeoutMs: e.INSTANCE_WAIT_TIMEOUT_MS,
      leaseTtlMs: e.INSTANCE_LEASE_TTL_MS,
      prewarm: {
        size: e.PREWARM_POOL_SIZE,
        profiles: parsePrewarmProfiles(e.PREWARM_PROFILES),
        recentMs: e.PREWARM_RECENT_MS,
      },
    },
    runtimeImages: {
      nodejs: e.RUNTIME_IMAGE_NODEJS,
      python: e.RUNTIME_IMAGE_PYTHON,
      custom: e.RUNTIME_IMAGE_CUSTOM,
      http: e.RUNTIME_IMAGE_CUSTOM,
      'custom-image': e.RUNTIME_IMAGE_CUSTOM,
    },
    codeCache: { dir: e.CODE_CACHE_DIR, memoryBytes: e.CODE_CACHE_MEMORY_MB * 1024 * 1024 },
    objectStore: e.S3_ENDPOINT
      ? {
          endpoint: e.S3_ENDPOINT.replace(/\/+$/, ''),
          region: e.S3_REGION,
          accessKeyId: e.S3_ACCESS_KEY_ID ?? '',
          secretAccessKey: e.S3_SECRET_ACCESS_KEY ?? '',
        }
      : undefined,
    docker: {
      socketPath: e.DOCKER_SOCKET,
      network: e.FUNCTION_NETWORK,
      pidsLimit: e.CONTAINER_PIDS_LIMIT,
      tmpMb: e.CONTAINER_TMP_MB,
      nofile: e.CONTAINER_NOFILE,
      networkGuard: e.FUNCTION_NETWORK_GUARD,
    },
  };
}

/** hostname + pid, reduced to the characters container labels and names accept. */
function defaultInvokerId(): string {
  return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128);
}
