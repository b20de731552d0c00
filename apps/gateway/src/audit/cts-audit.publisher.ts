import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { CTS_ENTRY_FIELDS, CTS_STREAM_MAXLEN, ctsOperationOf, ctsStreamKey, CtsTrace } from '@ofg/contracts';
import { MetricsService } from '@ofg/observability';

/** Writes audit records to the project's CTS stream, best-effort: a failure is logged and counted, never raised. */
@Injectable()
export class CtsAuditPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(CtsAuditPublisher.name);
  private readonly written: Counter<string>;

  constructor(
    private readonly redis: Redis,
    metrics: MetricsService,
  ) {
    this.written = metrics.counter(
      'ofg_cts_traces_total',
      'Audit records (CTS traces) of control-plane changes, by outcome',
      ['outcome'],
    );
  }

  async publish(projectId: string, trace: CtsTrace): Promise<void> {
    try {
      await this.redis.xadd(
        ctsStreamKey(projectId),
        'MAXLEN',
        '~',
        String(CTS_STREAM_MAXLEN),
        '*',
        CTS_ENTRY_FIELDS.operation,
        ctsOperationOf(trace),
        CTS_ENTRY_FIELDS.trace,
        JSON.stringify(trace),
      );
      this.written.inc({ outcome: 'written' });
    } catch (err) {
      this.written.inc({ outcome: 'failed' });
      this.logger.warn(
        {
          err,
          projectId,
          traceName: trace.trace_name,
          resourceId: trace.resource_id,
          traceId: trace.trace_id,
        },
        'audit record not written to the CTS stream',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
