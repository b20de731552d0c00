import { Injectable } from '@nestjs/common';
import { MetricsService } from '@ofg/observability';
import { InvocationOutcome, StartKind, StartReason } from '@ofg/contracts';
import { Counter, Gauge, Histogram } from 'prom-client';

const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/** The invoker's own Prometheus series, registered once in the app's registry. */
@Injectable()
export class InvokerMetrics {
  private readonly invocations: Counter<string>;
  private readonly duration: Histogram<string>;
  private readonly starts: Counter<string>;
  private readonly coldStarts: Counter<string>;
  private readonly coldStartDuration: Histogram<string>;
  private readonly instanceStarts: Counter<string>;
  private readonly instanceStartDuration: Histogram<string>;
  private readonly evictions: Counter<string>;
  private readonly capacityRejections: Counter<string>;
  private readonly reconciled: Counter<string>;
  private readonly inboxJobs: Counter<string>;
  private readonly instances: Gauge<string>;
  private instanceCounter: () => Record<string, number> = () => ({});
  private prewarmCounter: () => Record<string, number> = () => ({});
  private memoryReader: () => { committedMb: number; budgetMb: number } = () => ({
    committedMb: 0,
    budgetMb: Number.POSITIVE_INFINITY,
  });

  constructor(metrics: MetricsService) {
    this.invocations = metrics.counter('ofg_invocations_total', 'Invocations run by this invoker', [
      'outcome',
      'start_kind',
    ]);
    this.duration = metrics.histogram(
      'ofg_invocation_duration_seconds',
      'Handler duration as reported by the bootstrap',
      ['outcome'],
      DURATION_BUCKETS_S,
    );
    this.starts = metrics.counter(
      'ofg_invoker_starts_total',
      'Invocations by how they got their instance (warm, prewarm, cold) and why one was started',
      ['kind', 'reason'],
    );
    this.coldStarts = metrics.counter('ofg_cold_starts_total', 'Instances started in a new container');
    this.coldStartDuration = metrics.histogram(
      'ofg_cold_start_duration_seconds',
      'Container start + code upload + init',
      [],
      DURATION_BUCKETS_S,
    );
    this.instanceStarts = metrics.counter(
      'ofg_instance_starts_total',
      'Instances brought up, by kind (cold: new container, prewarm: prewarmed container specialized) and reason',
      ['kind', 'reason'],
    );
    this.instanceStartDuration = metrics.histogram(
      'ofg_instance_start_duration_seconds',
      'Admission to ready instance (container or prewarmed container, code upload, init)',
      ['kind'],
      DURATION_BUCKETS_S,
    );
    this.evictions = metrics.counter(
      'ofg_instance_evictions_total',
      'Idle containers removed early: for memory (budget) or handed over to a request waiting for a slot',
      ['reason'],
    );
    this.reconciled = metrics.counter(
      'ofg_async_reconciled_total',
      'Async ledger repairs: lost jobs re-enqueued or abandoned, destination deliveries retried',
      ['action'],
    );
    this.inboxJobs = metrics.counter(
      'ofg_sync_inbox_jobs_total',
      "Sync jobs taken from inboxes: this invoker's own (affinity), the shared one, or stolen from a busy peer's",
      ['source'],
    );
    this.capacityRejections = metrics.counter(
      'ofg_instance_capacity_rejections_total',
      'Requests refused with FSS.0429 by limit (max_instances, memory, disabled)',
      ['limit'],
    );
    this.instances = this.gauge(
      metrics,
      'ofg_instances',
      'Function instances held by this invoker, by state',
      ['state'],
      () => Object.entries(this.instanceCounter()).map(([state, n]) => [{ state }, n]),
    );
    this.gauge(metrics, 'ofg_prewarmed_containers', 'Prewarmed generic containers, by state', ['state'], () =>
      Object.entries(this.prewarmCounter()).map(([state, n]) => [{ state }, n]),
    );
    this.gauge(
      metrics,
      'ofg_invoker_memory_mb',
      'Memory of live instances and prewarmed containers (committed) and the budget',
      ['kind'],
      () => {
        const { committedMb, budgetMb } = this.memoryReader();
        const rows: [Record<string, string>, number][] = [[{ kind: 'committed' }, committedMb]];
        if (Number.isFinite(budgetMb)) rows.push([{ kind: 'budget' }, budgetMb]);
        return rows;
      },
    );
  }

  /** The pool registers how to count its instances; the gauge reads it at scrape time. */
  countInstancesWith(fn: () => Record<string, number>): void {
    this.instanceCounter = fn;
  }

  countPrewarmedWith(fn: () => { starting: number; ready: number }): void {
    this.prewarmCounter = fn;
  }

  measureMemoryWith(fn: () => { committedMb: number; budgetMb: number }): void {
    this.memoryReader = fn;
  }

  invocation(
    outcome: InvocationOutcome,
    startKind: StartKind,
    durationMs: number,
    startReason?: StartReason,
  ): void {
    this.invocations.inc({ outcome, start_kind: startKind });
    this.starts.inc({ kind: startKind, reason: startReason ?? 'none' });
    this.duration.observe({ outcome }, durationMs / 1000);
  }

  /** An instance became ready; `cold` ones also feed the historical cold-start series. */
  instanceStarted(kind: Exclude<StartKind, 'warm'>, reason: StartReason, durationMs: number): void {
    this.instanceStarts.inc({ kind, reason });
    this.instanceStartDuration.observe({ kind }, durationMs / 1000);
    if (kind === 'cold') this.coldStart(durationMs);
  }

  coldStart(durationMs: number): void {
    this.coldStarts.inc();
    this.coldStartDuration.observe(durationMs / 1000);
  }

  evicted(count: number): void {
    this.evictions.inc({ reason: 'memory' }, count);
  }

  handedOver(): void {
    this.evictions.inc({ reason: 'handed_over' });
  }

  capacityRejected(limit: string): void {
    this.capacityRejections.inc({ limit });
  }

  syncInboxJob(source: 'own' | 'shared' | 'stolen'): void {
    this.inboxJobs.inc({ source });
  }

  asyncReconciled(
    action: 're_enqueued' | 'abandoned' | 'redelivered' | 'delivery_retry' | 'delivery_failed',
  ): void {
    this.reconciled.inc({ action });
  }

  /** Current gauge value for one state (tests and logs). */
  async instanceCount(state: string): Promise<number> {
    const value = await this.instances.get();
    return value.values.find((v) => v.labels['state'] === state)?.value ?? 0;
  }

  /** A gauge read at scrape time (reused when the registry already holds it). */
  private gauge(
    metrics: MetricsService,
    name: string,
    help: string,
    labelNames: string[],
    read: () => [Record<string, string>, number][],
  ): Gauge<string> {
    const existing = metrics.registry.getSingleMetric(name);
    if (existing) return existing as Gauge<string>;
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const [labels, n] of read()) this.set(labels, n);
      },
    });
  }
}
