/** A timer schedule normalised for BullMQ's job schedulers: a fixed interval or a seconds-first cron pattern. */
export type TimerRepeat = { every: number } | { pattern: string; tz?: string };

const RATE = /^([1-9][0-9]*)([mhd])$/;
const RATE_LIMITS: Record<string, { max: number; unitMs: number }> = {
  m: { max: 60, unitMs: 60_000 },
  h: { max: 24, unitMs: 3_600_000 },
  d: { max: 30, unitMs: 86_400_000 },
};
const GO_DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
/** Shortest interval a timer may fire at. */
export const MIN_TIMER_INTERVAL_MS = 1000;

/** `Rate` schedules: `Nm` (1–60), `Nh` (1–24), `Nd` (1–30). Returns undefined when invalid. */
export function parseRateSchedule(schedule: string): TimerRepeat | undefined {
  const m = RATE.exec(schedule.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const limit = RATE_LIMITS[m[2]];
  return n <= limit.max ? { every: n * limit.unitMs } : undefined;
}

/** Go `time.ParseDuration` syntax as used by `@every` (e.g. `1h30m`, `1.5h`, `10s`). */
export function parseGoDuration(text: string): number | undefined {
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) {
    total += Number(match[1]) * GO_DURATION_UNITS[match[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || consumed === 0) return undefined;
  return Math.round(total);
}

/**
 * `Cron` schedules in FunctionGraph's Go-cron dialect: optional `CRON_TZ=<zone>` prefix, then `@every <duration>`
 * or six fields starting with seconds (day-of-week optional, so five fields get `*` appended).
 * The caller still validates the resulting pattern with the cron parser BullMQ uses.
 */
export function normaliseCronSchedule(schedule: string): TimerRepeat | undefined {
  let expr = schedule.trim().replace(/\s+/g, ' ');
  let tz: string | undefined;
  const tzMatch = /^(?:CRON_TZ|TZ)=(\S+) (.*)$/.exec(expr);
  if (tzMatch) {
    tz = tzMatch[1];
    expr = tzMatch[2];
  }
  if (expr.startsWith('@every ')) {
    const ms = parseGoDuration(expr.slice('@every '.length).trim());
    return ms !== undefined && ms >= MIN_TIMER_INTERVAL_MS ? { every: ms } : undefined;
  }
  const fields = expr.split(' ');
  if (fields.length === 5) fields.push('*');
  if (fields.length !== 6) return undefined;
  return tz ? { pattern: fields.join(' '), tz } : { pattern: fields.join(' ') };
}
