import { FgsError, isRuntimeName, DEPENDENCY_LIMITS } from '@ofg/contracts';
import type { DependencyVisibility } from '@ofg/data-access';
import { intQueryParam, pageSizeQueryParam, stringQueryParam } from '../common/query-params';

export const MAX_DEPENDENCY_PAGE = 400;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ListDependenciesQuery {
  marker: number;
  limit: number;
  /** `none` when `ispublic` and `dependency_type` contradict each other: nothing can match. */
  visibility: DependencyVisibility | 'none';
  runtime?: string;
  name?: string;
}

/**
 * `marker` (offset, default 0), `maxitems` or `limit` (1–400, default 400), `dependency_type` (public, private, all),
 * `ispublic` (true, false), `runtime` (a runtime name), `name` (substring); anything malformed is FSS.1001.
 */
export function parseListDependenciesQuery(query: Record<string, unknown>): ListDependenciesQuery {
  const { marker, limit } = parsePageQuery(query);
  const type = stringQueryParam(query, 'dependency_type', 16) ?? 'all';
  if (type !== 'all' && type !== 'public' && type !== 'private')
    throw new FgsError('FSS.1001', 'Invalid query parameter dependency_type: must be public, private or all');
  let visibility: ListDependenciesQuery['visibility'] = type;
  const isPublic = stringQueryParam(query, 'ispublic', 8);
  if (isPublic !== undefined) {
    if (isPublic !== 'true' && isPublic !== 'false')
      throw new FgsError('FSS.1001', 'Invalid query parameter ispublic: must be true or false');
    const wanted = isPublic === 'true' ? 'public' : 'private';
    visibility = visibility === 'all' || visibility === wanted ? wanted : 'none';
  }
  const runtime = stringQueryParam(query, 'runtime', 32);
  if (runtime !== undefined && !isRuntimeName(runtime))
    throw new FgsError('FSS.1001', `Invalid query parameter runtime: unknown runtime ${runtime}`);
  return {
    marker,
    limit,
    visibility,
    runtime,
    name: stringQueryParam(query, 'name', DEPENDENCY_LIMITS.nameChars),
  };
}

/** `marker` and `maxitems` of the version list. */
export function parsePageQuery(query: Record<string, unknown>): { marker: number; limit: number } {
  const limit = pageSizeQueryParam(
    query,
    'maxitems',
    pageSizeQueryParam(query, 'limit', MAX_DEPENDENCY_PAGE, MAX_DEPENDENCY_PAGE),
    MAX_DEPENDENCY_PAGE,
  );
  return { marker: intQueryParam(query, 'marker', 0), limit };
}

/** Ids are uuids; anything else cannot name a dependency (and must not reach a uuid cast in SQL). */
export function isDependencyId(id: string): boolean {
  return UUID.test(id);
}

/** A `{version}` path segment: a positive integer, else FSS.0400. */
export function parseVersionNumber(raw: string): number {
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1)
    throw new FgsError('FSS.0400', 'Invalid parameter version: must be a positive integer');
  return Number(raw);
}
