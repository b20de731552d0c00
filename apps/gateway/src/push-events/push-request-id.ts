import { createHash } from 'node:crypto';
import { uuidV5 } from '@ofg/contracts';

/**
 * UUID namespace of pushed-event request ids. Persistent: changing it gives a re-pushed event a new request id, so the
 * ledger could no longer tell it was already accepted.
 */
export const PUSH_EVENT_NAMESPACE = '9b4f6c2e-5d17-4a8b-b3e0-7f21c6d84a95';

/**
 * Request id of one event for one trigger: the same event pushed again (a retry after a 5xx) gets the same id, so the
 * ledger refuses a second acceptance. `retry` counts earlier acceptances of it that failed (their rows are DISCARDed
 * as not accepted); -1 names the record of an event stopped by the hop limit.
 */
export function pushRequestId(triggerId: string, eventKey: string, retry: number): string {
  return uuidV5(`${triggerId}|${eventKey}|${retry}`, PUSH_EVENT_NAMESPACE);
}

/** A stable key of an event as pushed: the SHA-256 of its JSON. */
export function eventKeyOf(event: unknown): string {
  return createHash('sha256').update(JSON.stringify(event)).digest('hex');
}

/** The hop count a pushed event carries (metadata or attribute value); anything unreadable is 0. */
export function parseHop(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  return Number.isInteger(n) && n > 0 ? n : 0;
}
