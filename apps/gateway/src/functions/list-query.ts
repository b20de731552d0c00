import { FgsError } from '@ofg/contracts';

export const MAX_LIST_ITEMS = 400;

export interface ListFunctionsQuery {
  marker: number;
  maxItems: number;
  packageName?: string;
  funcName?: string;
}

/** `marker` (offset, default 0) and `maxitems` (1–400, default 400); anything else is FSS.1001. */
export function parseListFunctionsQuery(query: Record<string, unknown>): ListFunctionsQuery {
  const marker = intParam(query, 'marker', 0);
  const maxItems = intParam(query, 'maxitems', MAX_LIST_ITEMS);
  if (maxItems < 1 || maxItems > MAX_LIST_ITEMS) {
    throw new FgsError(
      'FSS.1001',
      `Invalid query parameter maxitems: must be between 1 and ${MAX_LIST_ITEMS}`,
    );
  }
  return {
    marker,
    maxItems,
    packageName: stringParam(query, 'package_name'),
    funcName: stringParam(query, 'func_name'),
  };
}

function intParam(query: Record<string, unknown>, name: string, fallback: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^[0-9]{1,9}$/.test(raw.trim())) {
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}: must be a non-negative integer`);
  }
  return Number(raw.trim());
}

function stringParam(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > 64)
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}`);
  return raw;
}
