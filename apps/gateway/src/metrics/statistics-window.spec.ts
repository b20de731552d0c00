import { FgsError, NO_DATA_VALUE } from '@ofg/contracts';
import {
  bucketsCovering,
  emptyTenantMetric,
  parsePeriodMinutes,
  statisticsWindow,
  toFunctionStatisticsDto,
} from './statistics-window';

const MINUTE = 60_000;
const NOW = Date.UTC(2030, 0, 1, 12, 34, 56, 789);

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (err) {
    if (err instanceof FgsError) return err.code;
    throw err;
  }
  return undefined;
}

describe('parsePeriodMinutes', () => {
  it.each(['1', '60', '1440', '43200', ' 15 '])('accepts %p', (raw) => {
    expect(parsePeriodMinutes(raw, 'period', 'FSS.0400')).toBe(Number(raw.trim()));
  });

  it.each(['0', '43201', '-5', '1.5', 'abc', '', '1e3', '0x10', undefined, ['5', '6']])(
    'refuses %p with the code of where it came from',
    (raw) => {
      expect(codeOf(() => parsePeriodMinutes(raw, 'period', 'FSS.0400'))).toBe('FSS.0400');
      expect(codeOf(() => parsePeriodMinutes(raw, 'period', 'FSS.1001'))).toBe('FSS.1001');
    },
  );
});

describe('statisticsWindow', () => {
  it('cuts the last hour into 60 one-minute buckets, the last one holding now', () => {
    const w = statisticsWindow(60, NOW);
    expect(w.stepMs).toBe(MINUTE);
    expect(w.bucketStarts).toHaveLength(60);
    const last = w.bucketStarts[59];
    expect(last).toBe(Date.UTC(2030, 0, 1, 12, 34));
    expect(w.bucketStarts[0]).toBe(last - 59 * MINUTE);
    expect(w.from.getTime()).toBe(w.bucketStarts[0]);
    expect(w.to.getTime()).toBe(last + MINUTE);
    expect(w.to.getTime()).toBeGreaterThan(NOW);
  });

  it.each([
    [1, 1, 1],
    [61, 30, 3],
    [360, 30, 12],
    [1440, 30, 48],
    [1441, 180, 9],
    [10080, 180, 56],
    [43200, 180, 240],
  ])('period %i minutes → %i-minute buckets, %i of them, aligned on the epoch', (period, step, count) => {
    const w = statisticsWindow(period, NOW);
    expect(w.stepMs).toBe(step * MINUTE);
    expect(w.bucketStarts).toHaveLength(count);
    for (const start of w.bucketStarts) expect(start % (step * MINUTE)).toBe(0);
    expect(NOW).toBeGreaterThanOrEqual(w.bucketStarts[count - 1]);
    expect(NOW).toBeLessThan(w.to.getTime());
  });

  it('covers an arbitrary range with aligned buckets', () => {
    const w = bucketsCovering(new Date(NOW - 10 * MINUTE), new Date(NOW), 5 * MINUTE);
    expect(w.bucketStarts).toEqual([
      Date.UTC(2030, 0, 1, 12, 20),
      Date.UTC(2030, 0, 1, 12, 25),
      Date.UTC(2030, 0, 1, 12, 30),
    ]);
    expect(w.to.getTime()).toBe(Date.UTC(2030, 0, 1, 12, 35));
  });
});

describe('toFunctionStatisticsDto', () => {
  const w = statisticsWindow(3, NOW);
  const [b0, b1, b2] = w.bucketStarts;

  it('gives every bucket a point: counts 0 and durations -1 where nothing finished, whole ms elsewhere', () => {
    const dto = toFunctionStatisticsDto(w, [
      {
        bucketMs: b1,
        count: 10,
        failCount: 3,
        systemErrorCount: 1,
        avgDurationMs: 210.4,
        maxDurationMs: 400.6,
        minDurationMs: 50,
      },
    ]);
    expect(dto.count).toEqual([
      { timestamp: b0, value: 0 },
      { timestamp: b1, value: 10 },
      { timestamp: b2, value: 0 },
    ]);
    expect(dto.duration.map((p) => p.value)).toEqual([NO_DATA_VALUE, 210, NO_DATA_VALUE]);
    expect(dto.max_duration.map((p) => p.value)).toEqual([NO_DATA_VALUE, 401, NO_DATA_VALUE]);
    expect(dto.min_duration.map((p) => p.value)).toEqual([NO_DATA_VALUE, 50, NO_DATA_VALUE]);
    expect(dto.fail_count.map((p) => p.value)).toEqual([0, 3, 0]);
    expect(dto.function_error_count.map((p) => p.value)).toEqual([0, 2, 0]);
    expect(dto.system_error_count.map((p) => p.value)).toEqual([0, 1, 0]);
    expect(dto.reject_count.map((p) => p.value)).toEqual([0, 0, 0]);
    expect(dto.reserved_instance_num).toEqual([]);
    expect(dto.concurrency_num).toEqual([]);
  });

  it('ignores a row outside the window', () => {
    const dto = toFunctionStatisticsDto(w, [
      {
        bucketMs: b0 - MINUTE,
        count: 5,
        failCount: 0,
        systemErrorCount: 0,
        avgDurationMs: 1,
        maxDurationMs: 1,
        minDurationMs: 1,
      },
    ]);
    expect(dto.count.map((p) => p.value)).toEqual([0, 0, 0]);
  });
});

describe('emptyTenantMetric', () => {
  it('answers the selected series with empty buckets', () => {
    const w = bucketsCovering(new Date(NOW - 2 * MINUTE), new Date(NOW), MINUTE);
    expect(emptyTenantMetric(w, ['count', 'duration'])).toEqual({
      count: w.bucketStarts.map((timestamp) => ({ timestamp, value: 0 })),
      duration: w.bucketStarts.map((timestamp) => ({ timestamp, value: NO_DATA_VALUE })),
    });
    expect(Object.keys(emptyTenantMetric(w, ['count', 'duration', 'fail_count', 'running_count']))).toEqual([
      'count',
      'duration',
      'fail_count',
      'running_count',
    ]);
  });
});
