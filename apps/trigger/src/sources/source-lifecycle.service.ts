import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { HealthRegistry } from '@ofg/observability';
import { TRIGGER_CONFIG, TriggerConfig } from '../config/trigger.config';
import { DependencyHealthService } from '../health/dependency-health.service';
import { sleep } from './backoff';
import { SourceRegistryService } from './source-registry.service';

const MAX_READINESS_BACKOFF_MS = 5000;

/**
 * Starts the consumers of the message and stream triggers once Postgres and Redis answer, re-reads them
 * periodically, and stops them on shutdown before the invocation producer closes (a batch being accepted finishes).
 */
@Injectable()
export class SourceLifecycleService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(SourceLifecycleService.name);
  private readonly abort = new AbortController();
  private started?: Promise<void>;
  private ready = false;
  private reconcileTimer?: NodeJS.Timeout;
  private reconciling?: Promise<void>;

  constructor(
    @Inject(TRIGGER_CONFIG) private readonly config: TriggerConfig,
    private readonly dependencies: DependencyHealthService,
    private readonly health: HealthRegistry,
    private readonly registry: SourceRegistryService,
  ) {}

  onModuleInit(): void {
    // Ready means every source trigger was looked at once (consumers then wait for their brokers on their own).
    this.health.register('event-sources', async () => {
      if (!this.ready) throw new Error('source triggers not reconciled yet');
    });
  }

  onApplicationBootstrap(): void {
    this.started = this.startWhenReady().catch((err: unknown) =>
      this.logger.error({ err }, 'source triggers failed to start'),
    );
  }

  /** Resolves once the first reconcile ran (or startup was abandoned by shutdown); for tests. */
  whenStarted(): Promise<void> {
    return this.started ?? Promise.resolve();
  }

  /** Runs one full reconcile unless one is already in progress. */
  reconcileNow(): Promise<void> {
    this.reconciling ??= this.registry
      .reconcileAll()
      .then((summary) => {
        const changed =
          summary.started + summary.restarted + summary.stopped + summary.removed + summary.failed > 0;
        if (changed) this.logger.log({ summary }, 'source trigger consumers reconciled');
        else this.logger.debug({ summary }, 'source trigger consumers already in step');
      })
      .catch((err: unknown) => this.logger.warn({ err }, 'source reconcile failed; retrying next interval'))
      .finally(() => {
        this.reconciling = undefined;
      });
    return this.reconciling;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.started;
    clearInterval(this.reconcileTimer);
    await this.reconciling;
    await this.registry.stopAll();
  }

  private async startWhenReady(): Promise<void> {
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      const failing = await this.dependencies.failing();
      if (failing.length === 0) break;
      const delay = Math.min(250 * 2 ** attempt, MAX_READINESS_BACKOFF_MS);
      this.logger.warn(
        { failing, retryInMs: delay },
        'waiting for dependencies before starting source triggers',
      );
      await sleep(delay, this.abort.signal);
    }
    if (this.abort.signal.aborted) return;
    await this.reconcileNow();
    this.ready = true;
    if (this.abort.signal.aborted) return;
    this.reconcileTimer = setInterval(
      () => void this.reconcileNow(),
      this.config.sources.reconcileIntervalMs,
    );
  }
}
