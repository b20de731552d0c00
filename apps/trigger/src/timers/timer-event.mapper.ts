import { TimerEvent, uuidV5 } from '@ofg/contracts';

/**
 * UUID namespace of timer-tick request ids. Persistent: changing it gives a re-delivered tick a new request id,
 * so the ledger could no longer deduplicate it.
 */
export const TIMER_TICK_NAMESPACE = '6f0c2e7a-3b1d-4c55-9a8e-2d4f1b7c9e30';

/** The request id of one tick: the same trigger and scheduled time always give the same id, so a re-delivered tick dedups. */
export function timerRequestId(triggerId: string, scheduledAtMs: number): string {
  return uuidV5(`${triggerId}@${scheduledAtMs}`, TIMER_TICK_NAMESPACE);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

/**
 * `2023-06-01T08:30:00+08:00`: the wall-clock time in `timeZone` (the process's zone when omitted, UTC when the
 * zone is unknown) with its numeric offset, to the second, as FunctionGraph's timer events carry it.
 */
export function formatIsoWithOffset(epochMs: number, timeZone?: string): string {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = formatterFor(timeZone);
  } catch {
    formatter = formatterFor('UTC');
  }
  const seconds = Math.floor(epochMs / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(seconds))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wallClockMs = Date.UTC(
    parts['year'],
    parts['month'] - 1,
    parts['day'],
    parts['hour'],
    parts['minute'],
    parts['second'],
  );
  const offsetMin = Math.round((wallClockMs - seconds) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  return (
    `${pad(parts['year'], 4)}-${pad(parts['month'])}-${pad(parts['day'])}` +
    `T${pad(parts['hour'])}:${pad(parts['minute'])}:${pad(parts['second'])}` +
    `${sign}${pad(Math.trunc(offsetMin / 60))}:${pad(offsetMin % 60)}`
  );
}

export interface TimerEventInput {
  /** Epoch ms the tick was scheduled for (not when it ran). */
  scheduledAtMs: number;
  triggerName: string;
  userEvent?: string;
  /** The schedule's `CRON_TZ`, if any; the event time is written in that zone. */
  timeZone?: string;
}

/** The event a TIMER trigger hands to its function (contract §5.6). */
export function buildTimerEvent(input: TimerEventInput): TimerEvent {
  return {
    version: 'v1.0',
    time: formatIsoWithOffset(input.scheduledAtMs, input.timeZone),
    trigger_type: 'TIMER',
    trigger_name: input.triggerName,
    user_event: input.userEvent ?? '',
  };
}
