import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { databaseUrlSchema, EnvConfigError, parseEnv, redisUrlSchema } from '@ofg/contracts';

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
  worker: { concurrency: number; drainTimeoutMs: number };
  instances: { keepAliveMs: number; readyTimeoutMs: number };
  runtimeImages: Record<string, string>;
  codeCache: { dir: string; memoryBytes: number };
  docker: {
    socketPath: string;
    network: string;
    pidsLimit: number;
    tmpMb: number;
    nofile: number;
  };
}

export const INVOKER_CONFIG = Symbol('INVOKER_CONFIG');

/** Raised at boot when the environment is invalid; the message lists every bad variable. */
/** The invoker's configuration error (kept as a name main.ts can catch). */
export const InvokerConfigError = EnvConfigError;

/** Parses the environment; throws one error listing every bad variable so boot fails fast. */
export function loadInvokerConfig(env: NodeJS.ProcessEnv = process.env): InvokerConfig {
  const e = parseEnv(invokerEnvSchema, env, 'invoker');
  return {
    invokerId: e.INVOKER_ID ?? defaultInvokerId(),
    port: e.INVOKER_PORT,
    region: e.OFG_REGION,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    masterKeyHex: e.OFG_MASTER_KEY,
    functionApiEndpoint: e.FUNCTION_API_ENDPOINT?.replace(/\/+$/, ''),
    worker: { concurrency: e.WORKER_CONCURRENCY, drainTimeoutMs: e.DRAIN_TIMEOUT_MS },
    instances: { keepAliveMs: e.INSTANCE_KEEPALIVE_MS, readyTimeoutMs: e.INSTANCE_READY_TIMEOUT_MS },
    runtimeImages: { nodejs: e.RUNTIME_IMAGE_NODEJS, python: e.RUNTIME_IMAGE_PYTHON },
    codeCache: { dir: e.CODE_CACHE_DIR, memoryBytes: e.CODE_CACHE_MEMORY_MB * 1024 * 1024 },
    docker: {
      socketPath: e.DOCKER_SOCKET,
      network: e.FUNCTION_NETWORK,
      pidsLimit: e.CONTAINER_PIDS_LIMIT,
      tmpMb: e.CONTAINER_TMP_MB,
      nofile: e.CONTAINER_NOFILE,
    },
  };
}

/** hostname + pid, reduced to the characters container labels and names accept. */
function defaultInvokerId(): string {
  return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128);
}
