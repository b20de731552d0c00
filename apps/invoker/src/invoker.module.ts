import { DynamicModule, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { ContainerRuntime } from '@ofg/contracts';
import {
  AsyncInvokeConfigRepository,
  DataAccessModule,
  FunctionRepository,
  InvocationRepository,
} from '@ofg/data-access';
import { ObservabilityModule } from '@ofg/observability';
import { createRedisConnection, InvocationProducer } from '@ofg/queue';
import { SecretCipher, TokenService } from '@ofg/security';
import { FunctionEventsController } from './control/function-events.controller';
import { AsyncAbortRegistry } from './async/async-abort.registry';
import {
  ASYNC_RECONCILER_OPTIONS,
  AsyncLedgerReconciler,
  AsyncReconcilerOptions,
} from './async/async-ledger.reconciler';
import {
  ASYNC_DESTINATION_OPTIONS,
  ASYNC_DESTINATION_PRODUCER,
  ASYNC_DESTINATION_REDIS,
  AsyncDestinationDelivery,
  DEFAULT_ASYNC_DESTINATION_OPTIONS,
} from './async/async-destination.delivery';
import { AsyncEventsController } from './async/async-events.controller';
import { OBS_STORE_OPTIONS, ObsDestinationStore, ObsStoreOptions } from './async/obs-destination.store';
import { AsyncPolicyCache } from './async/async-policy';
import { CODE_CACHE_OPTIONS, CodeCacheOptions, CodePackageCache } from './code/code-package.cache';
import { INVOKER_CONFIG, InvokerConfig } from './config/invoker.config';
import { InvokerHealth, REDIS_CLIENT } from './health/invoker.health';
import { InstancePoolService, POOL_OPTIONS, PoolOptions } from './instances/instance-pool.service';
import { INSTANCE_SLOTS, InstanceSlots } from './instances/instance-slots';
import { RedisInstanceSlots } from './instances/redis-instance-slots';
import { EXECUTOR_OPTIONS, ExecutorOptions, InvocationExecutor } from './invocation/invocation.executor';
import {
  InvocationJobHandler,
  JOB_HANDLER_OPTIONS,
  REPLY_PUBLISHER,
} from './invocation/invocation-job.handler';
import {
  DEFAULT_RECORD_BUFFER_OPTIONS,
  InvocationRecordBuffer,
  RECORD_BUFFER_OPTIONS,
} from './invocation/invocation-record.buffer';
import { LtsLogStream } from './invocation/lts-log.stream';
import { RedisReplyPublisher } from './invocation/redis-reply.publisher';
import { InvokerMetrics } from './metrics/invoker.metrics';
import { SyncHomes } from './inbox/sync-homes';
import { InvocationProcessor } from './processors/invocation.processor';
import { BootstrapClient } from './runtime/bootstrap.client';
import { CONTAINER_RUNTIME } from './runtime/container-runtime.token';
import { DockerContainerRuntime } from './runtime/docker/docker.container-runtime';
import {
  AGENCY_CREDENTIALS_OPTIONS,
  AgencyCredentialsService,
  DEFAULT_AGENCY_CREDENTIALS_OPTIONS,
} from './secrets/agency-credentials.service';
import { FunctionSecretsLoader, INVOKER_CIPHER } from './secrets/function-secrets.loader';
import { ReservedInstancesEventsController } from './reserved/reserved-instances-events.controller';
import { reservedInstanceProviders } from './reserved/reserved-instances.providers';

/** Replacements for end-to-end tests (a fake engine instead of Docker). */
export interface InvokerModuleOverrides {
  containerRuntime?: ContainerRuntime;
}

/** Composition root of the invoker: BullMQ worker → executor → instance pool → container runtime. */
@Module({})
export class InvokerModule {
  static forRoot(config: InvokerConfig, overrides: InvokerModuleOverrides = {}): DynamicModule {
    const codeCache: CodeCacheOptions = {
      dir: config.codeCache.dir,
      memoryBytes: config.codeCache.memoryBytes,
    };
    const pool: PoolOptions = {
      invokerId: config.invokerId,
      keepAliveMs: config.instances.keepAliveMs,
      readyTimeoutMs: config.instances.readyTimeoutMs,
      runtimeImages: config.runtimeImages,
      apiEndpoint: config.functionApiEndpoint,
      memoryBudgetMb: config.pool.memoryBudgetMb,
      waitTimeoutMs: config.pool.waitTimeoutMs,
      prewarm: config.pool.prewarm,
    };
    const executor: ExecutorOptions = { invokerId: config.invokerId };
    return {
      module: InvokerModule,
      imports: [ObservabilityModule.forRoot('invoker'), DataAccessModule.forRoot(config.databaseUrl)],
      controllers: [FunctionEventsController, ReservedInstancesEventsController, AsyncEventsController],
      providers: [
        { provide: INVOKER_CONFIG, useValue: config },
        {
          provide: CONTAINER_RUNTIME,
          useFactory: (): ContainerRuntime =>
            overrides.containerRuntime ??
            new DockerContainerRuntime({ ...config.docker, apiEndpoint: config.functionApiEndpoint }),
        },
        {
          provide: REDIS_CLIENT,
          useFactory: (): Redis => createRedisConnection(config.redisUrl, 'blocking'),
        },
        {
          provide: REPLY_PUBLISHER,
          useFactory: (redis: Redis) => new RedisReplyPublisher(redis),
          inject: [REDIS_CLIENT],
        },
        { provide: CODE_CACHE_OPTIONS, useValue: codeCache },
        { provide: POOL_OPTIONS, useValue: pool },
        {
          provide: INSTANCE_SLOTS,
          useFactory: (): InstanceSlots =>
            new RedisInstanceSlots(
              createRedisConnection(config.redisUrl, 'producer', { enableOfflineQueue: true }),
              createRedisConnection(config.redisUrl, 'blocking'),
              { invokerId: config.invokerId, leaseTtlMs: config.pool.leaseTtlMs },
            ),
        },
        { provide: EXECUTOR_OPTIONS, useValue: executor },
        { provide: RECORD_BUFFER_OPTIONS, useValue: DEFAULT_RECORD_BUFFER_OPTIONS },
        { provide: INVOKER_CIPHER, useFactory: (): SecretCipher => new SecretCipher(config.masterKeyHex) },
        { provide: TokenService, useFactory: (): TokenService => new TokenService(config.masterKeyHex) },
        { provide: AGENCY_CREDENTIALS_OPTIONS, useValue: DEFAULT_AGENCY_CREDENTIALS_OPTIONS },
        FunctionSecretsLoader,
        AgencyCredentialsService,
        { provide: JOB_HANDLER_OPTIONS, useValue: { invokerId: config.invokerId } },
        {
          provide: AsyncPolicyCache,
          useFactory: (configs: AsyncInvokeConfigRepository) => new AsyncPolicyCache(configs),
          inject: [AsyncInvokeConfigRepository],
        },
        {
          provide: ASYNC_DESTINATION_OPTIONS,
          useValue: { ...DEFAULT_ASYNC_DESTINATION_OPTIONS, region: config.region },
        },
        {
          provide: ASYNC_DESTINATION_REDIS,
          useFactory: (): Redis => createRedisConnection(config.redisUrl, 'producer'),
        },
        {
          provide: ASYNC_DESTINATION_PRODUCER,
          useFactory: () => new InvocationProducer(createRedisConnection(config.redisUrl, 'producer')),
        },
        {
          provide: AsyncDestinationDelivery,
          useFactory: (
            options: typeof DEFAULT_ASYNC_DESTINATION_OPTIONS & { region: string },
            redis: Redis,
            producer: InvocationProducer,
            functions: FunctionRepository,
            ledger: InvocationRepository,
            obs: ObsDestinationStore,
          ) => new AsyncDestinationDelivery(options, redis, producer, functions, ledger, obs),
          inject: [
            ASYNC_DESTINATION_OPTIONS,
            ASYNC_DESTINATION_REDIS,
            ASYNC_DESTINATION_PRODUCER,
            FunctionRepository,
            InvocationRepository,
            ObsDestinationStore,
          ],
        },
        {
          provide: OBS_STORE_OPTIONS,
          useValue: config.objectStore
            ? ({
                ...config.objectStore,
                requestTimeoutMs: DEFAULT_ASYNC_DESTINATION_OPTIONS.webhookTimeoutMs,
              } satisfies ObsStoreOptions)
            : null,
        },
        ObsDestinationStore,
        AsyncAbortRegistry,
        {
          provide: ASYNC_RECONCILER_OPTIONS,
          useValue: {
            ...config.asyncRecovery,
            invokerId: config.invokerId,
            region: config.region,
            batchSize: 500,
          } satisfies AsyncReconcilerOptions,
        },
        AsyncLedgerReconciler,
        BootstrapClient,
        CodePackageCache,
        InvokerMetrics,
        InstancePoolService,
        InvocationExecutor,
        InvocationRecordBuffer,
        {
          provide: LtsLogStream,
          useFactory: (redis: Redis): LtsLogStream => new LtsLogStream(redis),
          inject: [ASYNC_DESTINATION_REDIS],
        },
        {
          provide: SyncHomes,
          // A home lasts as long as an idle instance is kept, and is refreshed by the traffic it gets.
          useFactory: (redis: Redis): SyncHomes =>
            new SyncHomes(redis, { invokerId: config.invokerId, ttlMs: config.instances.keepAliveMs }),
          inject: [REDIS_CLIENT],
        },
        InvocationJobHandler,
        InvokerHealth,
        InvocationProcessor,
        ...reservedInstanceProviders(config),
      ],
    };
  }
}
