import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { functionNetworkGatewayIp } from './function-network';
import { S3_STORE_CREDENTIALS, spawnS3Store } from './s3-store';
import { DIST_DIR, readStack, startApp, waitForOk, WORKSPACE, writeStack, StackInfo } from './stack-launcher';

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;

/**
 * Boots a fresh database, a flushed Redis db and the three compiled apps (dist/) as processes, waits until they are
 * ready and records how to reach them in STACK_FILE. Used by the end-to-end suite and the benchmarks.
 */
export async function startStack(
  overrides: {
    portBase?: number;
    database?: string;
    redisDb?: number;
    /** A Redis of its own (a spec that stops and restarts Redis); wins over redisDb. */
    redisUrl?: string;
    /** Added to (and overriding) the invoker's environment, e.g. pool settings a benchmark compares. */
    invokerEnv?: Record<string, string>;
    /** Added to the gateway's and the trigger service's environment (e.g. SYNC_DISPATCH a benchmark compares). */
    gatewayEnv?: Record<string, string>;
    triggerEnv?: Record<string, string>;
    /** Logs of a second stack beside the suite's; its description is then not written to STACK_FILE. */
    logDir?: string;
  } = {},
): Promise<StackInfo> {
  const pgAdminUrl = env('E2E_PG_ADMIN_URL', 'postgres://postgres@127.0.0.1:5432/postgres');
  const database = overrides.database ?? env('E2E_DATABASE', 'ofg_e2e');
  const databaseUrl = pgAdminUrl.replace(/\/[^/]*$/, `/${database}`);
  const redisUrl = overrides.redisUrl
    ? overrides.redisUrl
    : overrides.redisDb !== undefined
      ? `redis://127.0.0.1:6379/${overrides.redisDb}`
      : env('E2E_REDIS_URL', 'redis://127.0.0.1:6379/5');
  const base = overrides.portBase ?? Number(env('E2E_PORT_BASE', '18080'));
  const logDir = resolve(WORKSPACE, overrides.logDir ?? process.env['E2E_LOG_DIR'] ?? 'tmp/e2e-logs');

  const admin = new Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();

  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();

  const migrate = spawnSync(
    process.execPath,
    ['-r', join(WORKSPACE, 'tools/register-paths.js'), join(DIST_DIR, 'libs/data-access/src/migrate.js')],
    { env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migration failed: ${migrate.stdout}${migrate.stderr}`);

  // The S3-compatible store OBS destinations write to, emptied like the database.
  const s3Dir = join(WORKSPACE, process.env['E2E_S3_DIR'] ?? `tmp/e2e-s3-${base + 9}`);
  rmSync(s3Dir, { recursive: true, force: true });
  const s3 = await spawnS3Store(base + 9, s3Dir, logDir);

  const info: StackInfo = {
    gatewayUrl: `http://127.0.0.1:${base}`,
    invokerUrl: `http://127.0.0.1:${base + 1}`,
    triggerUrl: `http://127.0.0.1:${base + 2}`,
    databaseUrl,
    redisUrl,
    masterKey: randomBytes(32).toString('hex'),
    projectId: randomBytes(16).toString('hex'),
    domainId: randomBytes(16).toString('hex'),
    ak: 'E2EAK' + randomBytes(8).toString('hex').toUpperCase(),
    sk: randomBytes(20).toString('base64url'),
    user: 'e2e-admin',
    password: 'e2e-' + randomBytes(12).toString('hex'),
    invokerId: `e2e-invoker-${process.pid}`,
    functionNetwork: env('E2E_FUNCTION_NETWORK', 'ofg-functions'),
    region: 'local',
    s3: { endpoint: s3.endpoint, ...S3_STORE_CREDENTIALS },
    pids: [s3.child.pid].filter((p): p is number => typeof p === 'number'),
    logDir,
  };
  const common = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    OFG_REGION: info.region,
    OFG_MASTER_KEY: info.masterKey,
    LOG_LEVEL: env('E2E_LOG_LEVEL', 'info'),
  };
  const gateway = startApp(
    'gateway',
    {
      ...common,
      GATEWAY_PORT: String(base),
      OFG_DEFAULT_PROJECT_ID: info.projectId,
      OFG_DEFAULT_DOMAIN_ID: info.domainId,
      OFG_ADMIN_AK: info.ak,
      OFG_ADMIN_SK: info.sk,
      OFG_ADMIN_USER: info.user,
      OFG_ADMIN_PASSWORD: info.password,
      ...overrides.gatewayEnv,
    },
    logDir,
  );
  const invoker = startApp(
    'invoker',
    { ...(await invokerEnv(info, common, base + 1, info.invokerId)), ...overrides.invokerEnv },
    logDir,
  );
  const trigger = startApp(
    'trigger',
    {
      ...common,
      TRIGGER_PORT: String(base + 2),
      TIMER_RECONCILE_INTERVAL_MS: '5000',
      ...overrides.triggerEnv,
    },
    logDir,
  );
  info.pids.push(
    ...[gateway.pid, invoker.pid, trigger.pid].filter((p): p is number => typeof p === 'number'),
  );
  if (!overrides.logDir) writeStack(info);

  await waitForOk(`${info.gatewayUrl}/health/ready`, 60_000);
  await waitForOk(`${info.invokerUrl}/health/ready`, 60_000);
  await waitForOk(`${info.triggerUrl}/health/ready`, 60_000);
  return info;
}

type CommonEnv = Record<string, string>;

/** Environment of an invoker of this stack; extra invokers differ only in port and id. */
async function invokerEnv(
  info: StackInfo,
  common: CommonEnv,
  port: number,
  invokerId: string,
): Promise<CommonEnv> {
  const gatewayPort = new URL(info.gatewayUrl).port;
  return {
    ...common,
    INVOKER_PORT: String(port),
    INVOKER_ID: invokerId,
    FUNCTION_NETWORK: info.functionNetwork,
    // Function code calls the gateway (agency tokens, temporary credentials) through the function network's bridge.
    FUNCTION_API_ENDPOINT: `http://${await functionNetworkGatewayIp(info.functionNetwork)}:${gatewayPort}`,
    INSTANCE_KEEPALIVE_MS: '120000',
    // Specs find a function's containers by its labels, which a specialized prewarmed container lacks.
    PREWARM_POOL_SIZE: '0',
    // A killed invoker's jobs come back within seconds, not a minute; every invoker of a queue must agree, as the
    // stalled check is shared (its Redis guard key lives as long as the interval of whoever ran it last).
    WORKER_LOCK_DURATION_MS: '6000',
    WORKER_STALLED_INTERVAL_MS: '3000',
    // The ledger reconciler acts within seconds; its grace stays above the 5 s bound of one webhook delivery.
    ASYNC_RECONCILE_INTERVAL_MS: '1000',
    ASYNC_RECONCILE_GRACE_MS: '6000',
    ...(info.s3 && {
      S3_ENDPOINT: info.s3.endpoint,
      S3_ACCESS_KEY_ID: info.s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: info.s3.secretAccessKey,
    }),
  };
}

export interface ExtraInvoker {
  invokerId: string;
  url: string;
  pid: number;
}

/**
 * Starts one more invoker against a running stack (scale-out tests), ready when this resolves. Its pid and id are
 * recorded in the stack file so stopStack terminates it and removes its containers.
 */
export async function startExtraInvoker(
  stack: StackInfo,
  suffix: string,
  port: number,
  extraEnv: Record<string, string> = {},
): Promise<ExtraInvoker> {
  const invokerId = `${stack.invokerId}-${suffix}`;
  const common: CommonEnv = {
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    OFG_REGION: stack.region,
    OFG_MASTER_KEY: stack.masterKey,
    LOG_LEVEL: env('E2E_LOG_LEVEL', 'info'),
  };
  const child = startApp(
    `invoker-${suffix}`,
    { ...(await invokerEnv(stack, common, port, invokerId)), ...extraEnv },
    stack.logDir,
    'invoker',
  );
  if (typeof child.pid !== 'number') throw new Error(`invoker ${invokerId} did not start`);
  const current = readStack();
  current.pids.push(child.pid);
  current.extraInvokerIds = [...(current.extraInvokerIds ?? []), invokerId];
  writeStack(current);
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/health/ready`, 60_000);
  return { invokerId, url, pid: child.pid };
}
