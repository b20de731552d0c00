import { CronExpressionParser } from 'cron-parser';
import {
  FgsError,
  normaliseCronSchedule,
  parseRateSchedule,
  TimerEventData,
  timerEventDataSchema,
} from '@ofg/contracts';

/**
 * Validates TIMER `event_data`: the schema, then the schedule — `Rate` (`Nm`/`Nh`/`Nd`) or `Cron` in FunctionGraph's
 * dialect, checked with the same cron parser BullMQ fires it with. Any problem is FSS.1109.
 */
export function validateTimerEventData(eventData: unknown): TimerEventData {
  const parsed = timerEventDataSchema.safeParse(eventData);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `event_data.${issue.path.join('.')}` : 'event_data';
    throw new FgsError(
      'FSS.1109',
      `Invalid timer trigger parameter ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const data = parsed.data;
  if (data.schedule_type === 'Rate') {
    if (!parseRateSchedule(data.schedule)) {
      throw new FgsError(
        'FSS.1109',
        'Invalid timer trigger parameter event_data.schedule: a Rate is 1-60m, 1-24h or 1-30d (e.g. 3m)',
      );
    }
    return data;
  }
  const repeat = normaliseCronSchedule(data.schedule);
  if (!repeat)
    throw new FgsError(
      'FSS.1109',
      'Invalid timer trigger parameter event_data.schedule: not a valid cron expression',
    );
  if ('pattern' in repeat) {
    try {
      CronExpressionParser.parse(repeat.pattern, repeat.tz ? { tz: repeat.tz } : {}).next();
    } catch (err) {
      const detail = err instanceof Error ? err.message.slice(0, 200) : 'invalid';
      throw new FgsError('FSS.1109', `Invalid timer trigger parameter event_data.schedule: ${detail}`);
    }
  }
  return data;
}
