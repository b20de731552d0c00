import { Logger } from '@nestjs/common';
import { InvocationRecord, InvocationRecordBuffer, InvocationRecordSink } from './invocation-record.buffer';

class FakeSink implements InvocationRecordSink {
  batches: InvocationRecord[][] = [];
  down = false;
  rejectIds = new Set<string>();

  async insertRecords(rows: InvocationRecord[]): Promise<void> {
    if (this.down) throw new Error('connection refused');
    if (rows.some((r) => this.rejectIds.has(r.requestId ?? '')))
      throw new Error('invalid input syntax for type uuid');
    this.batches.push(rows);
  }

  get written(): string[] {
    return this.batches.flat().map((r) => r.requestId ?? '');
  }
}

const row = (n: number): InvocationRecord => ({ requestId: `r${n}`, status: 'SUCCESS' });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('InvocationRecordBuffer', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('flushes after the interval when few rows arrive', async () => {
    const sink = new FakeSink();
    const buffer = new InvocationRecordBuffer(sink, {
      flushIntervalMs: 50,
      flushRows: 100,
      maxBufferedRows: 1000,
    });

    buffer.add(row(1));
    buffer.add(row(2));
    expect(sink.batches).toHaveLength(0);
    await sleep(120);

    expect(sink.batches).toEqual([[row(1), row(2)]]);
  });

  it('flushes as soon as a batch is full', async () => {
    const sink = new FakeSink();
    const buffer = new InvocationRecordBuffer(sink, {
      flushIntervalMs: 10_000,
      flushRows: 3,
      maxBufferedRows: 1000,
    });

    for (let i = 1; i <= 3; i++) buffer.add(row(i));
    await buffer.flush();

    expect(sink.batches).toEqual([[row(1), row(2), row(3)]]);
  });

  it('keeps the good rows of a batch that contains a bad one', async () => {
    const sink = new FakeSink();
    sink.rejectIds.add('r2');
    const buffer = new InvocationRecordBuffer(sink, {
      flushIntervalMs: 10_000,
      flushRows: 10,
      maxBufferedRows: 1000,
    });

    for (let i = 1; i <= 4; i++) buffer.add(row(i));
    await buffer.flush();

    expect(sink.written).toEqual(['r1', 'r3', 'r4']);
  });

  it('keeps rows while Postgres is down and writes them once it is back', async () => {
    const sink = new FakeSink();
    sink.down = true;
    const buffer = new InvocationRecordBuffer(sink, {
      flushIntervalMs: 10,
      flushRows: 10,
      maxBufferedRows: 1000,
    });

    buffer.add(row(1));
    await buffer.flush();
    expect(buffer.pending).toBe(1);
    sink.down = false;
    await sleep(100);

    expect(sink.written).toEqual(['r1']);
    expect(buffer.pending).toBe(0);
  });

  it('drops the oldest rows beyond its bound', async () => {
    const sink = new FakeSink();
    const buffer = new InvocationRecordBuffer(sink, {
      flushIntervalMs: 10_000,
      flushRows: 100,
      maxBufferedRows: 2,
    });

    for (let i = 1; i <= 3; i++) buffer.add(row(i));
    await buffer.flush();

    expect(sink.written).toEqual(['r2', 'r3']);
  });
});
