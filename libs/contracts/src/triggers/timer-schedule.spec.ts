import { normaliseCronSchedule, parseGoDuration, parseRateSchedule } from './timer-schedule';

describe('timer schedules', () => {
  it.each([
    ['1m', 60_000],
    ['60m', 3_600_000],
    ['3h', 10_800_000],
    ['24h', 86_400_000],
    ['1d', 86_400_000],
    ['30d', 2_592_000_000],
  ])('Rate %s fires every %d ms', (schedule, every) => {
    expect(parseRateSchedule(schedule)).toEqual({ every });
  });

  it.each(['0m', '61m', '25h', '31d', '5s', 'm', '1.5h', '-1m', '1 m'])('Rate %s is refused', (schedule) => {
    expect(parseRateSchedule(schedule)).toBeUndefined();
  });

  it.each([
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['10s', 10_000],
    ['500ms', 500],
    ['2h45m30s', 9_930_000],
  ])('Go duration %s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', 'h', '10', '10x', '1h 30m'])('Go duration %s is refused', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it('reads six fields seconds-first and appends day-of-week to five', () => {
    expect(normaliseCronSchedule('*/5 * * * * *')).toEqual({ pattern: '*/5 * * * * *' });
    expect(normaliseCronSchedule('0 30 8 * ?')).toEqual({ pattern: '0 30 8 * ? *' });
  });

  it('moves CRON_TZ into the time zone and accepts @every', () => {
    expect(normaliseCronSchedule('CRON_TZ=Asia/Shanghai 0 0 9 * * *')).toEqual({
      pattern: '0 0 9 * * *',
      tz: 'Asia/Shanghai',
    });
    expect(normaliseCronSchedule('@every 1h30m')).toEqual({ every: 5_400_000 });
  });

  it('refuses @every below one second and wrong field counts', () => {
    expect(normaliseCronSchedule('@every 500ms')).toBeUndefined();
    expect(normaliseCronSchedule('* * * *')).toBeUndefined();
    expect(normaliseCronSchedule('* * * * * * *')).toBeUndefined();
  });
});
