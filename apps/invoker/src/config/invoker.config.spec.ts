import { hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { InvokerConfigError, loadInvokerConfig } from './invoker.config';

const REQUIRED = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ofg',
  REDIS_URL: 'redis://127.0.0.1:6379',
  OFG_MASTER_KEY: 'ab'.repeat(32),
};

describe('loadInvokerConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadInvokerConfig(REQUIRED);

    expect(config).toEqual({
      invokerId: `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '-'),
      port: 8081,
      region: 'local',
      databaseUrl: REQUIRED.DATABASE_URL,
      redisUrl: REQUIRED.REDIS_URL,
      masterKeyHex: REQUIRED.OFG_MASTER_KEY,
      functionApiEndpoint: undefined,
      worker: {
        concurrency: 64,
        drainTimeoutMs: 30_000,
        lockDurationMs: 30_000,
        stalledIntervalMs: 30_000,
        syncStealAfterMs: 200,
      },
      asyncRecovery: { intervalMs: 10_000, graceMs: 30_000, maxRecoveries: 5, maxDeliveryAttempts: 5 },
      instances: { keepAliveMs: 300_000, readyTimeoutMs: 10_000 },
      pool: {
        memoryBudgetMb: Math.floor((totalmem() / (1024 * 1024)) * 0.8),
        waitTimeoutMs: 5000,
        leaseTtlMs: 15_000,
        prewarm: {
          size: 1,
          profiles: [
            { family: 'nodejs', memoryMb: 128 },
            { family: 'python', memoryMb: 128 },
          ],
          recentMs: 600_000,
        },
      },
      runtimeImages: {
        nodejs: 'openfunctiongraph/runtime-nodejs:latest',
        python: 'openfunctiongraph/runtime-python:latest',
        custom: 'openfunctiongraph/runtime-custom:latest',
        http: 'openfunctiongraph/runtime-custom:latest',
        'custom-image': 'openfunctiongraph/runtime-custom:latest',
      },
      codeCache: { dir: join(tmpdir(), 'ofg-code-cache'), memoryBytes: 256 * 1024 * 1024 },
      docker: {
        socketPath: '/var/run/docker.sock',
        network: 'ofg-functions',
        pidsLimit: 128,
        tmpMb: 512,
        nofile: 1024,
        networkGuard: 'auto',
      },
    });
  });

  it('reads every variable, treating empty strings as unset', () => {
    const config = loadInvokerConfig({
      ...REQUIRED,
      INVOKER_ID: 'invoker-a',
      INVOKER_PORT: '9000',
      WORKER_CONCURRENCY: '8',
      INSTANCE_KEEPALIVE_MS: '120000',
      FUNCTION_NETWORK: 'fn-net',
      RUNTIME_IMAGE_NODEJS: 'local/node:1',
      RUNTIME_IMAGE_PYTHON: 'local/python:1',
      RUNTIME_IMAGE_CUSTOM: 'local/custom:1',
      CODE_CACHE_DIR: '/var/cache/ofg',
      DOCKER_SOCKET: '/run/docker.sock',
      CONTAINER_PIDS_LIMIT: '256',
      CONTAINER_TMP_MB: '64',
      CONTAINER_NOFILE: '2048',
      DRAIN_TIMEOUT_MS: '5000',
      FUNCTION_API_ENDPOINT: 'http://172.19.0.1:8080/',
      OFG_REGION: '',
    });

    expect(config).toMatchObject({
      invokerId: 'invoker-a',
      port: 9000,
      region: 'local',
      worker: {
        concurrency: 8,
        drainTimeoutMs: 5000,
        lockDurationMs: 30_000,
        stalledIntervalMs: 30_000,
        syncStealAfterMs: 200,
      },
      instances: { keepAliveMs: 120_000 },
      runtimeImages: {
        nodejs: 'local/node:1',
        python: 'local/python:1',
        custom: 'local/custom:1',
        http: 'local/custom:1',
        'custom-image': 'local/custom:1',
      },
      codeCache: { dir: '/var/cache/ofg' },
      docker: { socketPath: '/run/docker.sock', network: 'fn-net', pidsLimit: 256, tmpMb: 64, nofile: 2048 },
      functionApiEndpoint: 'http://172.19.0.1:8080',
    });
  });

  it('reads the instance pool limits and the prewarm pool', () => {
    const config = loadInvokerConfig({
      ...REQUIRED,
      INVOKER_MEMORY_BUDGET_MB: '4096',
      INSTANCE_WAIT_TIMEOUT_MS: '2500',
      INSTANCE_LEASE_TTL_MS: '5000',
      PREWARM_POOL_SIZE: '0',
      PREWARM_PROFILES: 'python:256',
      PREWARM_RECENT_MS: '0',
    });

    expect(config.pool).toEqual({
      memoryBudgetMb: 4096,
      waitTimeoutMs: 2500,
      leaseTtlMs: 5000,
      prewarm: { size: 0, profiles: [{ family: 'python', memoryMb: 256 }], recentMs: 0 },
    });
    expect(loadInvokerConfig({ ...REQUIRED, INVOKER_MEMORY_BUDGET_MB: '0' }).pool.memoryBudgetMb).toBe(0);
    expect(() => loadInvokerConfig({ ...REQUIRED, PREWARM_PROFILES: 'nodejs=128' })).toThrow(
      /PREWARM_PROFILES/,
    );
    expect(() => loadInvokerConfig({ ...REQUIRED, INSTANCE_LEASE_TTL_MS: '10' })).toThrow(
      /INSTANCE_LEASE_TTL_MS/,
    );
  });

  it('requires the master key and a usable API endpoint', () => {
    expect(() => loadInvokerConfig({ ...REQUIRED, OFG_MASTER_KEY: undefined })).toThrow(/OFG_MASTER_KEY/);
    expect(() => loadInvokerConfig({ ...REQUIRED, OFG_MASTER_KEY: 'short' })).toThrow(/OFG_MASTER_KEY/);
    expect(() => loadInvokerConfig({ ...REQUIRED, FUNCTION_API_ENDPOINT: 'gateway:8080' })).toThrow(
      /FUNCTION_API_ENDPOINT/,
    );
  });

  it('takes the function network guard mode, and refuses other values', () => {
    expect(loadInvokerConfig({ ...REQUIRED, FUNCTION_NETWORK_GUARD: 'required' }).docker.networkGuard).toBe(
      'required',
    );
    expect(loadInvokerConfig({ ...REQUIRED, FUNCTION_NETWORK_GUARD: 'off' }).docker.networkGuard).toBe('off');
    expect(() => loadInvokerConfig({ ...REQUIRED, FUNCTION_NETWORK_GUARD: 'yes' })).toThrow(
      /FUNCTION_NETWORK_GUARD/,
    );
  });

  it('reads the S3-compatible store of OBS destinations, keys required with the endpoint', () => {
    const s3 = { S3_ENDPOINT: 'http://127.0.0.1:9000/', S3_ACCESS_KEY_ID: 'ak', S3_SECRET_ACCESS_KEY: 'sk' };

    expect(loadInvokerConfig(REQUIRED).objectStore).toBeUndefined();
    expect(loadInvokerConfig({ ...REQUIRED, ...s3 }).objectStore).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      accessKeyId: 'ak',
      secretAccessKey: 'sk',
    });
    expect(loadInvokerConfig({ ...REQUIRED, ...s3, S3_REGION: 'eu-1' }).objectStore?.region).toBe('eu-1');
    expect(() => loadInvokerConfig({ ...REQUIRED, ...s3, S3_SECRET_ACCESS_KEY: '' })).toThrow(
      /S3_SECRET_ACCESS_KEY are required with S3_ENDPOINT/,
    );
    expect(() => loadInvokerConfig({ ...REQUIRED, ...s3, S3_ENDPOINT: 'minio:9000' })).toThrow(/S3_ENDPOINT/);
  });

  it('fails with one readable message naming every bad variable', () => {
    const load = (): unknown =>
      loadInvokerConfig({ REDIS_URL: 'http://nope', WORKER_CONCURRENCY: 'many', INVOKER_ID: 'bad id!' });

    expect(load).toThrow(InvokerConfigError);
    expect(load).toThrow(/^invalid invoker configuration: /);
    expect(load).toThrow(/DATABASE_URL/);
    expect(load).toThrow(/REDIS_URL: must be a redis:\/\/ URL/);
    expect(load).toThrow(/WORKER_CONCURRENCY/);
    expect(load).toThrow(/INVOKER_ID/);
  });
});
