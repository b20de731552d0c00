import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { HealthRegistry } from '@ofg/observability';
import { TRIGGER_CONFIG, TriggerConfig } from '../config/trigger.config';
import { DependencyHealthService } from '../health/dependency-health.service';
import { TimerQueue } from './timer.queue';
import { TimerSchedulerService } from './timer-scheduler.service';
import { TimerTickProcessor } from './timer-tick.processor';

const MAX_READINESS_BACKOFF_MS = 5000;

/**
 * Starts the timer worker and the periodic reconcile once Postgres and Redis answer, and stops them first on
 * shutdown (before the invocation producer closes, so running ticks can still enqueue).
 */
@Injectable()
export class TimerLifecycleService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(TimerLifecycleService.name);
  private started?: Promise<void>;
  private stopping = false;
  private reconcileTimer?: NodeJS.Timeout;
  private reconciling?: Promise<void>;
  private wake?: () => void;

  constructor(
    @Inject(TRIGGER_CONFIG) private readonly config: TriggerConfig,
    private readonly dependencies: DependencyHealthService,
    private readonly registry: HealthRegistry,
    private readonly scheduler: TimerSchedulerService,
    private readonly processor: TimerTickProcessor,
    @Inject(TimerQueue) private readonly queue: TimerQueue,
  ) {}

  onModuleInit(): void {
    // Ready means ticks are being consumed, so the worker is a readiness check from the start.
    this.registry.register('timer-worker', async () => {
      if (!this.processor.running) throw new Error('timer worker is not running');
    });
  }

  onApplicationBootstrap(): void {
    // Not awaited: the HTTP server must come up (liveness, readiness = down) while dependencies are still missing.
    this.started = this.startWhenReady().catch((err: unknown) =>
      this.logger.error({ err }, 'timer service failed to start'),
    );
  }

  /** Resolves once the worker runs (or startup was abandoned by shutdown); for tests and embedding. */
  whenStarted(): Promise<void> {
    return this.started ?? Promise.resolve();
  }

  /** Runs one full reconcile unless one is already in progress. */
  reconcileNow(): Promise<void> {
    this.reconciling ??= this.scheduler
      .reconcileAll()
      .then((summary) => {
        const changed =
          summary.created + summary.updated + summary.removed + summary.invalid + summary.failed > 0;
        if (changed) this.logger.log({ summary }, 'timer schedulers reconciled');
        else this.logger.debug({ summary }, 'timer schedulers already in step');
      })
      .catch((err: unknown) => this.logger.warn({ err }, 'timer reconcile failed; retrying next interval'))
      .finally(() => {
        this.reconciling = undefined;
      });
    return this.reconciling;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.started;
    clearInterval(this.reconcileTimer);
    await this.processor.close();
    await this.reconciling;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }

  private async startWhenReady(): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      const failing = await this.dependencies.failing();
      if (failing.length === 0) break;
      const delay = Math.min(250 * 2 ** attempt, MAX_READINESS_BACKOFF_MS);
      this.logger.warn(
        { failing, retryInMs: delay },
        'waiting for dependencies before starting the timer worker',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.stopping) return;
    this.processor.start();
    this.logger.log('timer worker started');
    await this.reconcileNow();
    if (this.stopping) return;
    this.reconcileTimer = setInterval(() => void this.reconcileNow(), this.config.timerReconcileIntervalMs);
  }
}
