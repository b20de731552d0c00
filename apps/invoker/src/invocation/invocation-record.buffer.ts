import { Inject, Injectable, Logger } from '@nestjs/common';
import { InvocationEntity, InvocationRepository } from '@ofg/data-access';

export type InvocationRecord = Partial<InvocationEntity>;
export type InvocationRecordSink = Pick<InvocationRepository, 'insertRecords'>;

export interface RecordBufferOptions {
  flushIntervalMs: number;
  flushRows: number;
  /** Rows kept while Postgres is unavailable; the oldest are dropped beyond it. */
  maxBufferedRows: number;
}

export const RECORD_BUFFER_OPTIONS = Symbol('RECORD_BUFFER_OPTIONS');
/** A row that fails this often on its own is malformed, not waiting for Postgres. */
const MAX_ROW_FAILURES = 5;

export const DEFAULT_RECORD_BUFFER_OPTIONS: RecordBufferOptions = {
  flushIntervalMs: 250,
  flushRows: 100,
  maxBufferedRows: 10_000,
};

/** Sync invocation records, written in batches off the reply path (every 250 ms or 100 rows). */
@Injectable()
export class InvocationRecordBuffer {
  private readonly logger = new Logger(InvocationRecordBuffer.name);
  private rows: InvocationRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly failures = new WeakMap<InvocationRecord, number>();

  constructor(
    @Inject(InvocationRepository) private readonly sink: InvocationRecordSink,
    @Inject(RECORD_BUFFER_OPTIONS) private readonly options: RecordBufferOptions,
  ) {}

  add(row: InvocationRecord): void {
    this.rows.push(row);
    if (this.rows.length > this.options.maxBufferedRows) {
      const dropped = this.rows.splice(0, this.rows.length - this.options.maxBufferedRows);
      this.logger.error({ msg: 'dropped invocation records: Postgres is behind', count: dropped.length });
    }
    if (this.rows.length >= this.options.flushRows) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered; flushes run one after another. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeAll());
    return this.flushing;
  }

  get pending(): number {
    return this.rows.length;
  }

  private async writeAll(): Promise<void> {
    while (this.rows.length > 0) {
      const batch = this.rows.splice(0, this.options.flushRows);
      try {
        await this.sink.insertRecords(batch);
        continue;
      } catch (err) {
        this.logger.warn({
          msg: 'batch insert of invocation records failed',
          rows: batch.length,
          err: String(err),
        });
      }
      // One bad row must not lose its neighbours: retry row by row, unless the first one shows Postgres is down.
      const [first, ...rest] = batch;
      try {
        await this.sink.insertRecords([first]);
      } catch (err) {
        const failures = (this.failures.get(first) ?? 0) + 1;
        this.failures.set(first, failures);
        if (failures >= MAX_ROW_FAILURES) {
          this.logger.error({ msg: 'invocation record lost', requestId: first.requestId, err: String(err) });
          this.rows.unshift(...rest);
        } else {
          this.rows.unshift(...batch);
        }
        this.retryLater();
        return;
      }
      for (const row of rest) {
        await this.sink.insertRecords([row]).catch((rowErr: unknown) =>
          this.logger.error({
            msg: 'invocation record lost',
            requestId: row.requestId,
            err: String(rowErr),
          }),
        );
      }
    }
  }

  private retryLater(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.options.flushIntervalMs * 4);
    this.timer.unref();
  }
}
