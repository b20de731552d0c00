import { Injectable } from '@nestjs/common';
import type { Counter, Gauge } from 'prom-client';
import { StreamSourceType } from '@ofg/contracts';
import { MetricsService } from '@ofg/observability';

/** Why a batch was not accepted this time (it stays unacknowledged and is retried). */
export type SourceFailureReason = 'not_accepted' | 'target_missing' | 'broker';

/** Per-source throughput, error and lag metrics of the message and stream triggers. */
@Injectable()
export class SourceMetrics {
  private readonly received: Counter<string>;
  private readonly invocations: Counter<string>;
  private readonly messagesInvoked: Counter<string>;
  private readonly failures: Counter<string>;
  private readonly loops: Counter<string>;
  private readonly lagGauge: Gauge<string>;
  private readonly consumersGauge: Gauge<string>;

  constructor(metrics: MetricsService) {
    this.received = metrics.counter(
      'ofg_trigger_source_messages_received_total',
      'Messages (stream entries) received from the broker, redeliveries included',
      ['source'],
    );
    this.invocations = metrics.counter(
      'ofg_trigger_source_invocations_total',
      'Batches handed to the invocation ledger, by outcome (duplicate: an earlier delivery was already accepted)',
      ['source', 'outcome'],
    );
    this.messagesInvoked = metrics.counter(
      'ofg_trigger_source_messages_invoked_total',
      'Messages in accepted invocations (acknowledged to the broker)',
      ['source'],
    );
    this.failures = metrics.counter(
      'ofg_trigger_source_failures_total',
      'Failed attempts of a batch, left unacknowledged and retried with back-off',
      ['source', 'reason'],
    );
    this.loops = metrics.counter(
      'ofg_trigger_source_recursion_stopped_total',
      'Messages not invoked because their hop count reached the recursion limit',
      ['source'],
    );
    this.lagGauge = metrics.gauge(
      'ofg_trigger_source_lag',
      'Messages waiting in the broker for a trigger (stream entries not yet read by its group, ready queue messages)',
      ['source', 'trigger_id'],
    );
    this.consumersGauge = metrics.gauge(
      'ofg_trigger_source_consumers',
      'Running consumers (ACTIVE triggers) in this replica',
      ['source'],
    );
  }

  receivedMessages(source: StreamSourceType, count: number): void {
    if (count > 0) this.received.inc({ source }, count);
  }

  invoked(source: StreamSourceType, outcome: 'invoked' | 'duplicate', messages: number): void {
    this.invocations.inc({ source, outcome });
    this.messagesInvoked.inc({ source }, messages);
  }

  failed(source: StreamSourceType, reason: SourceFailureReason): void {
    this.failures.inc({ source, reason });
  }

  recursionStopped(source: StreamSourceType, messages: number): void {
    this.loops.inc({ source }, messages);
  }

  lag(source: StreamSourceType, triggerId: string, value: number | undefined): void {
    if (value === undefined) this.lagGauge.remove({ source, trigger_id: triggerId });
    else this.lagGauge.set({ source, trigger_id: triggerId }, value);
  }

  consumers(source: StreamSourceType, delta: number): void {
    this.consumersGauge.inc({ source }, delta);
  }
}
