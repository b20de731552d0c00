import { validateTimerEventData } from './timer-event.validator';

describe('validateTimerEventData', () => {
  it('accepts Rate schedules', () => {
    expect(
      validateTimerEventData({ name: 'timer-1', schedule_type: 'Rate', schedule: '3m', user_event: 'hi' }),
    ).toEqual({
      name: 'timer-1',
      schedule_type: 'Rate',
      schedule: '3m',
      user_event: 'hi',
    });
  });

  it.each(['0 */5 * * * *', '*/10 * * * *', 'CRON_TZ=Asia/Shanghai 0 0 12 * * *', '@every 90s'])(
    'accepts the Cron schedule %s',
    (schedule) => {
      expect(validateTimerEventData({ name: 't', schedule_type: 'Cron', schedule }).schedule).toBe(schedule);
    },
  );

  it.each([
    ['a bad Rate', { name: 't', schedule_type: 'Rate', schedule: '61m' }],
    ['a Rate unit', { name: 't', schedule_type: 'Rate', schedule: '3s' }],
    ['an out-of-range cron field', { name: 't', schedule_type: 'Cron', schedule: '61 * * * * *' }],
    ['garbage cron', { name: 't', schedule_type: 'Cron', schedule: 'every day' }],
    [
      'an unknown time zone',
      { name: 't', schedule_type: 'Cron', schedule: 'CRON_TZ=Nowhere/City 0 0 12 * * *' },
    ],
    ['a missing name', { schedule_type: 'Rate', schedule: '3m' }],
    ['an unknown schedule type', { name: 't', schedule_type: 'Daily', schedule: '3m' }],
  ])('rejects %s with FSS.1109', (_label, data) => {
    expect(() => validateTimerEventData(data)).toThrow(
      expect.objectContaining({ code: 'FSS.1109', status: 400 }),
    );
  });
});
