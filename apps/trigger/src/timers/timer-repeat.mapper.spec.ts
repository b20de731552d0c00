import { timerRepeatFor } from './timer-repeat.mapper';

const timer = (schedule_type: string, schedule: string, extra: Record<string, unknown> = {}) => ({
  name: 'Timer-1',
  schedule_type,
  schedule,
  ...extra,
});

describe('timerRepeatFor', () => {
  it('maps fixed rates to intervals', () => {
    expect(timerRepeatFor(timer('Rate', '5m'))).toMatchObject({ ok: true, repeat: { every: 300_000 } });
    expect(timerRepeatFor(timer('Rate', '2h'))).toMatchObject({ ok: true, repeat: { every: 7_200_000 } });
    expect(timerRepeatFor(timer('Rate', '61m'))).toMatchObject({ ok: false });
  });

  it('maps Go-cron expressions, with CRON_TZ, five fields and @every', () => {
    expect(timerRepeatFor(timer('Cron', 'CRON_TZ=Asia/Shanghai 0 30 8 ? * MON-FRI'))).toMatchObject({
      ok: true,
      repeat: { pattern: '0 30 8 ? * MON-FRI', tz: 'Asia/Shanghai' },
    });
    expect(timerRepeatFor(timer('Cron', '0 */5 * * *'))).toMatchObject({
      ok: true,
      repeat: { pattern: '0 */5 * * * *' },
    });
    expect(timerRepeatFor(timer('Cron', '@every 1h30m'))).toMatchObject({
      ok: true,
      repeat: { every: 5_400_000 },
    });
  });

  it('rejects patterns BullMQ cannot schedule', () => {
    expect(timerRepeatFor(timer('Cron', '0 0 0 30 2 *'))).toMatchObject({ ok: false });
    expect(timerRepeatFor(timer('Cron', 'x y z * * *'))).toMatchObject({ ok: false });
    expect(timerRepeatFor(timer('Cron', '@every 10ms'))).toMatchObject({ ok: false });
  });

  it('rejects event_data that is not a timer definition', () => {
    expect(timerRepeatFor({ schedule_type: 'Rate', schedule: '5m' })).toMatchObject({ ok: false });
    expect(timerRepeatFor(timer('Daily', '5m'))).toMatchObject({ ok: false });
    expect(timerRepeatFor(null)).toMatchObject({ ok: false });
  });

  it('returns the parsed event data with user_event', () => {
    const result = timerRepeatFor(timer('Rate', '1m', { user_event: 'hello' }));
    expect(result).toMatchObject({ ok: true, eventData: { name: 'Timer-1', user_event: 'hello' } });
  });
});
