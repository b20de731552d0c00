import { defaultRepeatStrategy } from 'bullmq';
import {
  normaliseCronSchedule,
  parseRateSchedule,
  TimerEventData,
  timerEventDataSchema,
  TimerRepeat,
} from '@ofg/contracts';

export type TimerRepeatResult =
  { ok: true; repeat: TimerRepeat; eventData: TimerEventData } | { ok: false; reason: string };

/** Turns a TIMER trigger's `event_data` into BullMQ repeat options, checking cron patterns with the parser BullMQ itself uses. */
export function timerRepeatFor(eventData: unknown): TimerRepeatResult {
  const parsed = timerEventDataSchema.safeParse(eventData);
  if (!parsed.success)
    return { ok: false, reason: `invalid event_data: ${parsed.error.issues[0]?.message ?? 'unknown'}` };
  const data = parsed.data;
  const repeat =
    data.schedule_type === 'Rate' ? parseRateSchedule(data.schedule) : normaliseCronSchedule(data.schedule);
  if (!repeat) return { ok: false, reason: `invalid ${data.schedule_type} schedule "${data.schedule}"` };
  if ('pattern' in repeat) {
    let next: number | undefined;
    try {
      next = defaultRepeatStrategy(Date.now(), { pattern: repeat.pattern, tz: repeat.tz });
    } catch (err) {
      return {
        ok: false,
        reason: `invalid cron "${data.schedule}": ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    if (next === undefined) return { ok: false, reason: `cron "${data.schedule}" never fires` };
  }
  return { ok: true, repeat, eventData: data };
}
