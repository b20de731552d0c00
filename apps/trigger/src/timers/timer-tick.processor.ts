import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import Redis from 'ioredis';
import { QUEUES, TimerTickJob } from '@ofg/contracts';
import { createRedisConnection } from '@ofg/queue';
import type { TickOutcome, TimerTick } from './timer-firing.service';

/** What the processor hands each parsed tick to (TimerFiringService in the app, a recorder in tests). */
export interface TimerTickHandler {
  fire(tick: TimerTick): Promise<TickOutcome>;
}

export interface TimerTickProcessorOptions {
  redisUrl: string;
  /** BullMQ key prefix; tests isolate themselves with it. */
  prefix?: string;
  concurrency?: number;
  /** How long close() lets running ticks finish before abandoning them to BullMQ's stall recovery. */
  drainTimeoutMs?: number;
}

const SCHEDULER_JOB_ID = /^repeat:(.+):(\d+)$/;

/**
 * The tick a timer job stands for. Scheduler job ids are `repeat:<trigger id>:<scheduled epoch ms>`,
 * the one place BullMQ keeps the scheduled (not the actual) time.
 */
export function parseTimerTick(
  job: Pick<Job<TimerTickJob>, 'id' | 'data' | 'timestamp' | 'opts'>,
): TimerTick | undefined {
  const { triggerId, projectId } = job.data ?? {};
  if (typeof triggerId !== 'string' || !triggerId || typeof projectId !== 'string' || !projectId)
    return undefined;
  const match = SCHEDULER_JOB_ID.exec(job.id ?? '');
  const scheduledAt =
    match && match[1] === triggerId ? Number(match[2]) : job.timestamp + (job.opts.delay ?? 0);
  return Number.isFinite(scheduledAt) ? { triggerId, projectId, scheduledAt } : undefined;
}

/** The BullMQ worker of the timers queue; started by the lifecycle once Postgres and Redis are reachable. */
export class TimerTickProcessor {
  private readonly logger = new Logger(TimerTickProcessor.name);
  private worker?: Worker<TimerTickJob, TickOutcome>;
  private connection?: Redis;

  constructor(
    private readonly handler: TimerTickHandler,
    private readonly options: TimerTickProcessorOptions,
  ) {}

  get running(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  start(): void {
    if (this.worker) return;
    this.connection = createRedisConnection(this.options.redisUrl, 'blocking');
    this.worker = new Worker<TimerTickJob, TickOutcome>(QUEUES.timers, (job) => this.process(job), {
      connection: this.connection,
      concurrency: this.options.concurrency ?? 16,
      ...(this.options.prefix ? { prefix: this.options.prefix } : {}),
    });
    this.worker.on('error', (err) => this.logger.error({ err }, 'timer worker error'));
    this.worker.on('failed', (job, err) =>
      this.logger.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'timer tick failed'),
    );
  }

  /** Parse, hand over, return: the rules live in the handler. */
  async process(job: Job<TimerTickJob>): Promise<TickOutcome> {
    const tick = parseTimerTick(job);
    if (!tick) throw new UnrecoverableError(`malformed timer tick ${job.id}`);
    return this.handler.fire(tick);
  }

  /** Stops taking ticks and waits (bounded) for the running ones. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.drainTimeoutMs ?? 10_000);
    });
    try {
      if ((await Promise.race([worker.close().then(() => 'closed' as const), deadline])) === 'timeout') {
        this.logger.warn('timer ticks still running at shutdown; BullMQ will re-deliver them');
        await worker.close(true);
      }
    } finally {
      clearTimeout(timer);
      this.connection?.disconnect();
      this.connection = undefined;
    }
  }
}
