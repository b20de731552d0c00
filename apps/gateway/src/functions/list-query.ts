import { intQueryParam, pageSizeQueryParam, stringQueryParam } from '../common/query-params';

export const MAX_LIST_ITEMS = 400;

export interface ListFunctionsQuery {
  marker: number;
  maxItems: number;
  packageName?: string;
  funcName?: string;
}

/** `marker` (offset, default 0) and `maxitems` (1–400, default 400); anything else is FSS.1001. */
export function parseListFunctionsQuery(query: Record<string, unknown>): ListFunctionsQuery {
  return {
    marker: intQueryParam(query, 'marker', 0),
    maxItems: pageSizeQueryParam(query, 'maxitems', MAX_LIST_ITEMS, MAX_LIST_ITEMS),
    packageName: stringQueryParam(query, 'package_name', 64),
    funcName: stringQueryParam(query, 'func_name', 64),
  };
}
