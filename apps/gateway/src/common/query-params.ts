import { FgsError } from '@ofg/contracts';

/** A parsed query string as Express hands it over (repeated names arrive as arrays). */
export type QueryParams = Record<string, unknown>;

/** A non-negative integer parameter (`fallback` when absent or empty); anything else is FSS.1001. */
export function intQueryParam(query: QueryParams, name: string, fallback: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^[0-9]{1,9}$/.test(raw.trim()))
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}: must be a non-negative integer`);
  return Number(raw.trim());
}

/** A page size parameter in 1…max (`fallback` when absent); outside the range is FSS.1001. */
export function pageSizeQueryParam(query: QueryParams, name: string, fallback: number, max: number): number {
  const value = intQueryParam(query, name, fallback);
  if (value < 1 || value > max)
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}: must be between 1 and ${max}`);
  return value;
}

/** A text parameter of at most `maxChars` characters, undefined when absent or empty; anything else is FSS.1001. */
export function stringQueryParam(query: QueryParams, name: string, maxChars: number): string | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > maxChars)
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}`);
  return raw;
}
