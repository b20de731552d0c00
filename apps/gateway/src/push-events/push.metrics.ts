import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '@ofg/observability';

/** What became of one event for one matching trigger. */
export type PushOutcome = 'invoked' | 'duplicate' | 'stopped' | 'skipped';

/** Push endpoints: pushes answered, and events handed to triggers by outcome. */
@Injectable()
export class PushMetrics {
  private readonly pushes: Counter<string>;
  private readonly events: Counter<string>;

  constructor(metrics: MetricsService) {
    this.pushes = metrics.counter(
      'ofg_push_requests_total',
      'Pushes to the OBS and EVENTGRID endpoints, by HTTP status',
      ['source', 'status'],
    );
    this.events = metrics.counter(
      'ofg_push_trigger_events_total',
      'Pushed events handed to matching triggers, by outcome (stopped: hop limit reached, recorded as DISCARD; ' +
        'skipped: the trigger target is gone)',
      ['source', 'outcome'],
    );
  }

  pushed(source: string, status: number): void {
    this.pushes.inc({ source, status: String(status) });
  }

  delivered(source: string, outcome: PushOutcome): void {
    this.events.inc({ source, outcome });
  }
}
