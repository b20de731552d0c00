import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DelayedError, Job, WaitingError, Worker } from 'bullmq';
import Redis from 'ioredis';
import { ContainerRuntime, InvocationJob, QUEUES } from '@ofg/contracts';
import { HealthRegistry } from '@ofg/observability';
import { createRedisConnection } from '@ofg/queue';
import { SyncHomes } from '../inbox/sync-homes';
import { SyncInboxConsumer } from '../inbox/sync-inbox.consumer';
import { InvokerMetrics } from '../metrics/invoker.metrics';
import { INVOKER_CONFIG, InvokerConfig } from '../config/invoker.config';
import { InvokerHealth, REDIS_CLIENT } from '../health/invoker.health';
import { InstancePoolService } from '../instances/instance-pool.service';
import { InvocationExecutor } from '../invocation/invocation.executor';
import { InvocationJobHandler } from '../invocation/invocation-job.handler';
import { InvocationRecordBuffer } from '../invocation/invocation-record.buffer';
import { BootstrapClient } from '../runtime/bootstrap.client';
import { CONTAINER_RUNTIME, isBootable } from '../runtime/container-runtime.token';

const BOOT_RETRY_MIN_MS = 250;
const BOOT_RETRY_MAX_MS = 2000;
/** How often the running worker checks the container engine; it pauses while the engine is unreachable. */
const ENGINE_CHECK_INTERVAL_MS = 2000;

/**
 * The BullMQ worker of `ofg-invocations`. It starts only once Postgres, Redis and Docker answer, pauses while Docker is
 * unreachable, and on shutdown drains in-flight jobs within DRAIN_TIMEOUT_MS before this invoker's containers are
 * removed. A job it receives while paused or stopping goes back to the queue for another invoker.
 */
@Injectable()
export class InvocationProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InvocationProcessor.name);
  private worker: Worker<InvocationJob> | undefined;
  private inbox: SyncInboxConsumer | undefined;
  private workerConnection: Redis | undefined;
  private booting: Promise<void> = Promise.resolve();
  private stopping = false;
  private wake: (() => void) | undefined;
  /** Why the worker is paused (the engine is unreachable), or undefined while it runs. */
  private engineDown: string | undefined;
  private engineWatch: NodeJS.Timeout | undefined;
  private engineCheck: Promise<void> = Promise.resolve();

  constructor(
    @Inject(INVOKER_CONFIG) private readonly config: InvokerConfig,
    @Inject(InvocationJobHandler) private readonly handler: InvocationJobHandler,
    @Inject(InvokerHealth) private readonly health: InvokerHealth,
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
    @Inject(InstancePoolService) private readonly pool: InstancePoolService,
    @Inject(InvocationExecutor) private readonly executor: InvocationExecutor,
    @Inject(InvocationRecordBuffer) private readonly records: InvocationRecordBuffer,
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    @Inject(BootstrapClient) private readonly bootstrap: BootstrapClient,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(SyncHomes) private readonly homes: SyncHomes,
    @Inject(InvokerMetrics) private readonly metrics: InvokerMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.registry.register('worker', async () => {
      if (this.stopping) throw new Error('the invoker is shutting down');
      if (!this.worker?.isRunning()) throw new Error('the invocation worker has not started');
      if (this.engineDown) throw new Error(`paused: ${this.engineDown}`);
    });
    // Boot in the background so /health answers (not ready) while dependencies come up.
    this.booting = this.startWhenReady().catch((err: unknown) =>
      this.logger.error({ msg: 'invocation worker failed to start', err: String(err) }),
    );
  }

  /** True once the worker pulls jobs. */
  get running(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  /** Resolves when the boot sequence finished (worker running, or shutdown began). */
  whenStarted(): Promise<void> {
    return this.booting;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // The sync inbox stops taking jobs at once (readiness drops now); what is queued in it goes to the shared inbox.
    const inboxDrained = this.inbox?.stop(this.config.worker.drainTimeoutMs);
    this.wake?.();
    clearInterval(this.engineWatch);
    await this.engineCheck;
    const started = Date.now();
    this.logger.log({
      msg: 'draining the invocation worker',
      drainTimeoutMs: this.config.worker.drainTimeoutMs,
    });
    await this.booting;
    if (this.worker) {
      const closing = this.worker.close();
      const drained = await within(closing, this.config.worker.drainTimeoutMs);
      if (!drained) {
        this.logger.warn({
          msg: 'drain deadline passed; closing the worker with jobs still active',
          drainTimeoutMs: this.config.worker.drainTimeoutMs,
        });
        await this.worker.close(true).catch(() => undefined);
      }
    }
    if (inboxDrained && !(await inboxDrained))
      this.logger.warn({ msg: 'drain deadline passed with sync inbox jobs still running' });
    const drainedMs = Date.now() - started;
    await this.records.flush();
    await this.executor.settled();
    await this.pool.shutdown();
    this.logger.log({ msg: 'invoker drained', drainedMs, tookMs: Date.now() - started });
    this.bootstrap.close();
    this.workerConnection?.disconnect();
    this.redis.disconnect();
  }

  private async startWhenReady(): Promise<void> {
    let delay = BOOT_RETRY_MIN_MS;
    while (!this.stopping) {
      const failing = await this.health.failing();
      if (failing.length === 0) {
        try {
          if (isBootable(this.runtime)) await this.runtime.prepare();
          await this.pool.sweepOrphans();
          break;
        } catch (err) {
          this.logger.warn({ msg: 'invoker boot step failed, retrying', err: String(err) });
        }
      } else {
        this.logger.warn({ msg: 'waiting for dependencies before starting the worker', failing });
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, delay).unref();
      });
      delay = Math.min(delay * 2, BOOT_RETRY_MAX_MS);
    }
    if (this.stopping) return;
    this.workerConnection = createRedisConnection(this.config.redisUrl, 'blocking');
    this.worker = new Worker<InvocationJob>(QUEUES.invocations, (job, token) => this.process(job, token), {
      connection: this.workerConnection,
      concurrency: this.config.worker.concurrency,
      lockDuration: this.config.worker.lockDurationMs,
      stalledInterval: this.config.worker.stalledIntervalMs,
      autorun: true,
    });
    this.worker.on('error', (err) => this.logger.error({ msg: 'invocation worker error', err: String(err) }));
    this.worker.on('failed', (job, err) =>
      this.logger.warn({
        msg: 'invocation job failed',
        requestId: job?.data.requestId,
        jobId: job?.id,
        attemptsMade: job?.attemptsMade,
        err: err.message,
      }),
    );
    this.inbox = new SyncInboxConsumer(
      createRedisConnection(this.config.redisUrl, 'blocking'),
      this.redis,
      this.homes,
      {
        serve: (job) => this.serveInboxJob(job),
        taken: (source) => this.metrics.syncInboxJob(source),
        warn: (msg, fields) => this.logger.warn({ msg, ...fields }),
      },
      {
        invokerId: this.config.invokerId,
        capacity: this.config.worker.concurrency,
        stealAfterMs: this.config.worker.syncStealAfterMs,
      },
    );
    this.inbox.start();
    this.logger.log({
      msg: 'invocation worker started',
      queue: QUEUES.invocations,
      concurrency: this.config.worker.concurrency,
      invokerId: this.config.invokerId,
    });
    this.engineWatch = setInterval(() => {
      this.engineCheck = this.checkEngine();
    }, ENGINE_CHECK_INTERVAL_MS);
    this.engineWatch.unref();
  }

  /** Pauses the worker while the engine is unreachable; on recovery prepares the network again and resumes. */
  private async checkEngine(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.stopping) return;
    const failing = await this.health.engineFailing();
    if (failing && !this.engineDown) {
      this.engineDown = `the container engine is unreachable (${failing})`;
      // Jobs in flight finish or fail on their own; no new ones are taken.
      this.inbox?.pause();
      await worker.pause(true);
      this.logger.error({ msg: 'container engine unreachable: invocation worker paused', err: failing });
    } else if (!failing && this.engineDown) {
      try {
        if (isBootable(this.runtime)) await this.runtime.prepare();
      } catch (err) {
        this.logger.warn({
          msg: 'container engine is back but preparing it failed; still paused',
          err: String(err),
        });
        return;
      }
      this.engineDown = undefined;
      if (!this.stopping) {
        worker.resume();
        this.inbox?.resume();
      }
      this.logger.log({ msg: 'container engine reachable again: invocation worker resumed' });
    }
  }

  /** A job of the sync fast path: run once, replied to on the gateway's channel, never retried. */
  private async serveInboxJob(job: InvocationJob): Promise<void> {
    if (job.invokeType !== 'sync') {
      this.logger.warn({ msg: 'ignored a non-sync job found in a sync inbox', requestId: job.requestId });
      return;
    }
    await this.handler.handle(job, { attempt: 1, isLastAttempt: true });
  }

  private async process(job: Job<InvocationJob>, token?: string): Promise<void> {
    // A blocking fetch that was already waiting can still deliver a job after pause() or close(): hand it back.
    if ((this.stopping || this.engineDown) && token) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    // attemptsStarted also grows on stalled re-deliveries, which attemptsMade does not count; fencing needs both.
    // A job the reconciler re-enqueued starts its counters again, above the ledger row's attempt (attemptBase).
    const data = job.data;
    const attempt = (data.attemptBase ?? 0) + Math.max(job.attemptsMade + 1, job.attemptsStarted);
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const next = await this.handler.handle(job.data, {
      attempt,
      isLastAttempt,
      functionRetries: data.functionRetries ?? 0,
      platformRetries: job.attemptsMade,
    });
    if (next && token) {
      // A function-error retry keeps jobId = request_id: the same job goes back delayed, its count in its data.
      await job.updateData({ ...data, functionRetries: next.functionRetries });
      await job.moveToDelayed(Date.now() + next.retryInMs, token);
      throw new DelayedError();
    }
  }
}

/** True when `work` settled within `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
