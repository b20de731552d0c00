import { FgsError, parseAsyncInvocationTime } from '@ofg/contracts';
import type { QueryParams } from './query-params';

/** Epoch milliseconds as the metric APIs send them (up to 15 digits keeps us inside Date's range). */
const EPOCH_MS = /^[0-9]{1,15}$/;

/** A `[from, to)` time range of a query. */
export interface TimeWindow {
  from: Date;
  to: Date;
}

function single(query: QueryParams, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string')
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}: given more than once`);
  return raw.trim();
}

/**
 * A time parameter: epoch milliseconds, or `yyyy-MM-dd'T'HH:mm:ss[.SSS]` in UTC (a `Z` or offset is accepted);
 * undefined when absent, FSS.1001 when malformed.
 */
export function timeQueryParam(query: QueryParams, name: string): Date | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  const date = EPOCH_MS.test(raw) ? new Date(Number(raw)) : parseAsyncInvocationTime(raw);
  if (!date || Number.isNaN(date.getTime()))
    throw new FgsError(
      'FSS.1001',
      `Invalid query parameter ${name}: expected epoch milliseconds or yyyy-MM-dd'T'HH:mm:ss (UTC)`,
    );
  return date;
}

export interface WindowRules {
  fromParam: string;
  toParam: string;
  now: Date;
  /** Length of the window when only its end (or nothing) is given. */
  defaultMs: number;
  /** Longest window accepted. */
  maxMs: number;
}

/**
 * The `[from, to)` window of two time parameters: `to` defaults to now and `from` to `defaultMs` before `to`.
 * An empty or inverted window, or one longer than `maxMs`, is FSS.1001.
 */
export function timeWindowQuery(query: QueryParams, rules: WindowRules): TimeWindow {
  const from = timeQueryParam(query, rules.fromParam);
  const to = timeQueryParam(query, rules.toParam) ?? rules.now;
  const start = from ?? new Date(to.getTime() - rules.defaultMs);
  if (start.getTime() >= to.getTime()) {
    throw new FgsError(
      'FSS.1001',
      `Invalid query parameter ${rules.fromParam}: it must be before ${rules.toParam}` +
        (from && !query[rules.toParam] ? ' (which defaults to now)' : ''),
    );
  }
  if (to.getTime() - start.getTime() > rules.maxMs) {
    throw new FgsError(
      'FSS.1001',
      `Invalid query parameter ${rules.fromParam}: the window from ${rules.fromParam} to ${rules.toParam} ` +
        `may span at most ${Math.round(rules.maxMs / 86_400_000)} days`,
    );
  }
  return { from: start, to };
}

/** `limit` of a list: absent or 0 → `fallback`, above `max` → `max`, negative or malformed → FSS.1001. */
export function clampedLimitParam(query: QueryParams, name: string, fallback: number, max: number): number {
  const raw = single(query, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,9}$/.test(raw))
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}: must be a non-negative integer`);
  const value = Number(raw);
  return value === 0 ? fallback : Math.min(value, max);
}
