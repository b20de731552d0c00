import { intQueryParam, pageSizeQueryParam, QueryParams } from '../common/query-params';

export const MAX_VERSION_ITEMS = 400;

export interface ListVersionsQuery {
  /** Offset into `latest` followed by the published versions. */
  marker: number;
  maxItems: number;
}

/** `marker` (offset, default 0) and `maxitems` (1–400, default 400; the spec's `maxitens` spelling too); else FSS.1001. */
export function parseListVersionsQuery(query: QueryParams): ListVersionsQuery {
  const sizeName =
    query['maxitems'] === undefined && query['maxitens'] !== undefined ? 'maxitens' : 'maxitems';
  return {
    marker: intQueryParam(query, 'marker', 0),
    maxItems: pageSizeQueryParam(query, sizeName, MAX_VERSION_ITEMS, MAX_VERSION_ITEMS),
  };
}
