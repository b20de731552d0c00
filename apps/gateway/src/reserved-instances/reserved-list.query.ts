import { FgsError, PageInfoDto } from '@ofg/contracts';
import { intQueryParam, pageSizeQueryParam } from '../common/query-params';

/** Default and largest page of the reserved-instance listings. */
export const RESERVED_LIST_DEFAULT_LIMIT = 100;
export const RESERVED_LIST_MAX_LIMIT = 500;

export interface ReservedListQuery {
  marker: number;
  limit: number;
  /** The function filter (`urn` or `function_urn`), when given. */
  urn?: string;
}

/** `marker` (offset, default 0), `limit` (1–500, default 100) and the URN filter; anything else is FSS.1001. */
export function parseReservedListQuery(query: Record<string, unknown>, urnParam: string): ReservedListQuery {
  const marker = intQueryParam(query, 'marker', 0);
  const limit = pageSizeQueryParam(query, 'limit', RESERVED_LIST_DEFAULT_LIMIT, RESERVED_LIST_MAX_LIMIT);
  const raw = query[urnParam];
  if (raw === undefined || raw === '') return { marker, limit };
  if (typeof raw !== 'string' || raw.length > 512)
    throw new FgsError('FSS.1001', `Invalid query parameter ${urnParam}`);
  return { marker, limit, urn: raw };
}

/** Offsets of the neighbouring pages; `next_marker` equals the total count on the last page. */
export function pageInfoOf(marker: number, limit: number, currentCount: number): PageInfoDto {
  return {
    next_marker: marker + currentCount,
    previous_marker: Math.max(0, marker - limit),
    current_count: currentCount,
  };
}
