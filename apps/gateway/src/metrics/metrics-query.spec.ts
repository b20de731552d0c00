import { FgsError } from '@ofg/contracts';
import {
  monthsOf,
  parseFunctionReportQuery,
  parseTenantMetricQuery,
  parseTenantStatisticsQuery,
} from './metrics-query';

const NOW = new Date('2030-01-15T10:00:00Z');
const DAY = 86_400_000;

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (err) {
    if (err instanceof FgsError) return err.code;
    throw err;
  }
  return undefined;
}

describe('parseTenantStatisticsQuery', () => {
  it('takes monitor_data with its period, 60 minutes by default', () => {
    expect(parseTenantStatisticsQuery({ filter: 'monitor_data' }, NOW)).toEqual({
      filter: 'monitor_data',
      periodMinutes: 60,
    });
    expect(parseTenantStatisticsQuery({ filter: 'monitor_data', period: '1440' }, NOW)).toEqual({
      filter: 'monitor_data',
      periodMinutes: 1440,
    });
  });

  it('takes monthly_report with its option, anything unknown meaning this month', () => {
    const q = parseTenantStatisticsQuery({ filter: 'monthly_report', option: '2' }, NOW);
    expect(q).toEqual({ filter: 'monthly_report', months: monthsOf('2', NOW) });
    expect(parseTenantStatisticsQuery({ filter: 'monthly_report', option: '9' }, NOW)).toEqual(
      parseTenantStatisticsQuery({ filter: 'monthly_report' }, NOW),
    );
  });

  it.each([
    [{}],
    [{ filter: 'metric' }],
    [{ filter: ['monitor_data', 'monthly_report'] }],
    [{ filter: 'monitor_data', period: '0' }],
    [{ filter: 'monitor_data', period: 'hour' }],
    [{ filter: 'monitor_data', period: '43201' }],
    [{ filter: 'monitor_data', limit: '-1' }],
    [{ filter: 'monitor_data', marker: 'x' }],
  ])('refuses %p with FSS.1001', (query) => {
    expect(codeOf(() => parseTenantStatisticsQuery(query, NOW))).toBe('FSS.1001');
  });
});

describe('monthsOf', () => {
  it('names this month, last month, the last three and six months', () => {
    expect(monthsOf('0', NOW)).toEqual({
      from: new Date('2030-01-01T00:00:00Z'),
      to: new Date('2030-02-01T00:00:00Z'),
      labels: ['2030-01'],
    });
    expect(monthsOf('1', NOW)).toEqual({
      from: new Date('2029-12-01T00:00:00Z'),
      to: new Date('2030-01-01T00:00:00Z'),
      labels: ['2029-12'],
    });
    expect(monthsOf('2', NOW).labels).toEqual(['2029-11', '2029-12', '2030-01']);
    expect(monthsOf('3', NOW)).toEqual({
      from: new Date('2029-08-01T00:00:00Z'),
      to: new Date('2030-02-01T00:00:00Z'),
      labels: ['2029-08', '2029-09', '2029-10', '2029-11', '2029-12', '2030-01'],
    });
  });
});

describe('parseFunctionReportQuery', () => {
  it('defaults to the 10 functions with most failures over the last day', () => {
    expect(parseFunctionReportQuery({}, NOW)).toEqual({
      type: 'failcount',
      limit: 10,
      from: new Date(NOW.getTime() - DAY),
      to: NOW,
    });
  });

  it.each([
    ['count', 'count'],
    ['FAILCOUNT', 'failcount'],
    ['fail_count', 'failcount'],
    ['rejectcount', 'rejectcount'],
    ['reject_count', 'rejectcount'],
    ['duration', 'duration'],
    ['maxDuration', 'maxDuration'],
    ['max_duration', 'maxDuration'],
    ['minduration', 'minDuration'],
  ])('reads type %s as %s', (type, expected) => {
    expect(parseFunctionReportQuery({ type }, NOW).type).toBe(expected);
  });

  it('reads windows in epoch ms or UTC text and clamps the limit', () => {
    const q = parseFunctionReportQuery(
      { start_time: String(NOW.getTime() - 3_600_000), end_time: '2030-01-15T10:00:00', limit: '500' },
      NOW,
    );
    expect(q).toMatchObject({ from: new Date(NOW.getTime() - 3_600_000), to: NOW, limit: 100 });
    expect(parseFunctionReportQuery({ limit: '0' }, NOW).limit).toBe(10);
    expect(parseFunctionReportQuery({ end_time: '2030-01-10T00:00:00Z' }, NOW)).toMatchObject({
      from: new Date('2030-01-09T00:00:00Z'),
      to: new Date('2030-01-10T00:00:00Z'),
    });
  });

  it.each([
    [{ type: 'latency' }],
    [{ limit: '-3' }],
    [{ limit: 'ten' }],
    [{ start_time: 'yesterday' }],
    [{ start_time: '2030-01-15T11:00:00' }],
    [{ start_time: '2030-01-15T10:00:00', end_time: '2030-01-15T10:00:00' }],
    [{ start_time: '2029-11-01T00:00:00', end_time: '2030-01-15T00:00:00' }],
    [{ end_time: '2030-02-30T00:00:00' }],
  ])('refuses %p with FSS.1001', (query) => {
    expect(codeOf(() => parseFunctionReportQuery(query, NOW))).toBe('FSS.1001');
  });
});

describe('parseTenantMetricQuery', () => {
  it('defaults to every series over the last hour', () => {
    expect(parseTenantMetricQuery({}, NOW)).toEqual({
      from: new Date(NOW.getTime() - 3_600_000),
      to: NOW,
      stepMinutes: undefined,
      series: ['count', 'fail_count', 'duration', 'running_count'],
    });
  });

  it('selects one series by metric_type, all for another value', () => {
    expect(parseTenantMetricQuery({ metric_type: 'errorCount' }, NOW).series).toEqual(['fail_count']);
    expect(parseTenantMetricQuery({ metric_type: 'averageDuration' }, NOW).series).toEqual(['duration']);
    expect(parseTenantMetricQuery({ metric_type: 'other' }, NOW).series).toHaveLength(4);
  });

  it('refuses a period that would make too many points, or a bad window', () => {
    expect(
      codeOf(() => parseTenantMetricQuery({ start_time: String(NOW.getTime() - 2 * DAY), period: '1' }, NOW)),
    ).toBe('FSS.1001');
    expect(parseTenantMetricQuery({ period: '5' }, NOW).stepMinutes).toBe(5);
    expect(codeOf(() => parseTenantMetricQuery({ start_time: String(NOW.getTime() + 1) }, NOW))).toBe(
      'FSS.1001',
    );
  });
});
