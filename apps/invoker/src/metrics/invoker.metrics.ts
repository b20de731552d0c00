import { Injectable } from '@nestjs/common';
import { MetricsService } from '@ofg/observability';
import { InvocationOutcome, StartKind } from '@ofg/contracts';
import { Counter, Gauge, Histogram } from 'prom-client';

const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/** The invoker's own Prometheus series, registered once in the app's registry. */
@Injectable()
export class InvokerMetrics {
  private readonly invocations: Counter<string>;
  private readonly duration: Histogram<string>;
  private readonly coldStarts: Counter<string>;
  private readonly coldStartDuration: Histogram<string>;
  private readonly instances: Gauge<string>;
  private instanceCounter: () => Record<string, number> = () => ({});

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
    this.coldStarts = metrics.counter('ofg_cold_starts_total', 'Instances started for an invocation');
    this.coldStartDuration = metrics.histogram(
      'ofg_cold_start_duration_seconds',
      'Container start + code upload + init',
      [],
      DURATION_BUCKETS_S,
    );
    const existing = metrics.registry.getSingleMetric('ofg_instances');
    const counter = (): Record<string, number> => this.instanceCounter();
    this.instances =
      (existing as Gauge<string> | undefined) ??
      new Gauge({
        name: 'ofg_instances',
        help: 'Function instances held by this invoker, by state',
        labelNames: ['state'],
        registers: [metrics.registry],
        collect() {
          this.reset();
          for (const [state, n] of Object.entries(counter())) this.set({ state }, n);
        },
      });
  }

  /** The pool registers how to count its instances; the gauge reads it at scrape time. */
  countInstancesWith(fn: () => Record<string, number>): void {
    this.instanceCounter = fn;
  }

  invocation(outcome: InvocationOutcome, startKind: StartKind, durationMs: number): void {
    this.invocations.inc({ outcome, start_kind: startKind });
    this.duration.observe({ outcome }, durationMs / 1000);
  }

  coldStart(durationMs: number): void {
    this.coldStarts.inc();
    this.coldStartDuration.observe(durationMs / 1000);
  }

  /** Current gauge value for one state (tests and logs). */
  async instanceCount(state: string): Promise<number> {
    const value = await this.instances.get();
    return value.values.find((v) => v.labels['state'] === state)?.value ?? 0;
  }
}
