import {
  buildTimerEvent,
  formatIsoWithOffset,
  timerRequestId,
  TIMER_TICK_NAMESPACE,
} from './timer-event.mapper';
import { uuidV5 } from '@ofg/contracts';

const TRIGGER_ID = '0b9c6a4e-1f4e-4d1c-8a57-6d0f5a1f2b3c';
/** 2023-06-01T00:30:00Z */
const AT = Date.UTC(2023, 5, 1, 0, 30, 0);

describe('uuidV5', () => {
  it('matches RFC 4122 name-based UUIDs (reference values from Python uuid.uuid5)', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
    expect(uuidV5('https://example.com/ü', '6ba7b811-9dad-11d1-80b4-00c04fd430c8')).toBe(
      'a17f7a1d-6bb5-51a9-9d32-f9d2fdeec8b6',
    );
  });
});

describe('timerRequestId', () => {
  it('is the v5 uuid of trigger id and scheduled time in the timer namespace', () => {
    expect(timerRequestId(TRIGGER_ID, AT)).toBe('985d31da-2870-526b-9d2c-25f44b90f63c');
    expect(timerRequestId(TRIGGER_ID, AT)).toBe(uuidV5(`${TRIGGER_ID}@${AT}`, TIMER_TICK_NAMESPACE));
  });

  it('is the same for a re-delivered tick and different for any other tick or trigger', () => {
    const id = timerRequestId(TRIGGER_ID, AT);
    expect(timerRequestId(TRIGGER_ID, AT)).toBe(id);
    expect(timerRequestId(TRIGGER_ID, AT + 1)).not.toBe(id);
    expect(timerRequestId(TRIGGER_ID, AT + 60_000)).not.toBe(id);
    expect(timerRequestId('1b9c6a4e-1f4e-4d1c-8a57-6d0f5a1f2b3c', AT)).not.toBe(id);
  });

  it('is a well-formed version-5 uuid', () => {
    expect(timerRequestId(TRIGGER_ID, AT)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('formatIsoWithOffset', () => {
  it('writes UTC with an explicit +00:00 offset, truncated to the second', () => {
    expect(formatIsoWithOffset(AT, 'UTC')).toBe('2023-06-01T00:30:00+00:00');
    expect(formatIsoWithOffset(AT + 999, 'UTC')).toBe('2023-06-01T00:30:00+00:00');
  });

  it('writes the wall-clock time and offset of the given zone', () => {
    expect(formatIsoWithOffset(AT, 'Asia/Shanghai')).toBe('2023-06-01T08:30:00+08:00');
    expect(formatIsoWithOffset(AT, 'Asia/Kathmandu')).toBe('2023-06-01T06:15:00+05:45');
    expect(formatIsoWithOffset(AT, 'America/St_Johns')).toBe('2023-05-31T22:00:00-02:30');
    expect(formatIsoWithOffset(Date.UTC(2023, 0, 1, 0, 0, 0), 'America/St_Johns')).toBe(
      '2022-12-31T20:30:00-03:30',
    );
  });

  it('uses the process time zone when none is given', () => {
    const offsetMin = -new Date(AT).getTimezoneOffset();
    const sign = offsetMin < 0 ? '-' : '+';
    const abs = Math.abs(offsetMin);
    const suffix = `${sign}${String(Math.trunc(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    const formatted = formatIsoWithOffset(AT);
    expect(formatted.endsWith(suffix)).toBe(true);
    expect(new Date(formatted).getTime()).toBe(AT);
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(formatIsoWithOffset(AT, 'Mars/Olympus_Mons')).toBe('2023-06-01T00:30:00+00:00');
  });

  it('round-trips to the same instant', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'America/Los_Angeles']) {
      expect(new Date(formatIsoWithOffset(AT, zone)).getTime()).toBe(AT);
    }
  });
});

describe('buildTimerEvent', () => {
  it('builds the FunctionGraph TIMER event from the scheduled time', () => {
    expect(
      buildTimerEvent({
        scheduledAtMs: AT,
        triggerName: 'Timer_001',
        userEvent: '{"k":"v"}',
        timeZone: 'Asia/Shanghai',
      }),
    ).toEqual({
      version: 'v1.0',
      time: '2023-06-01T08:30:00+08:00',
      trigger_type: 'TIMER',
      trigger_name: 'Timer_001',
      user_event: '{"k":"v"}',
    });
  });

  it('sends an empty user_event when the trigger has none', () => {
    expect(buildTimerEvent({ scheduledAtMs: AT, triggerName: 't', timeZone: 'UTC' }).user_event).toBe('');
  });
});
