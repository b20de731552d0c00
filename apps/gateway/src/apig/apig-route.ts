import type { ApigRequestMethod } from '@ofg/contracts';

/** One API of an APIG-type trigger as the gateway serves it. */
export interface ApigRoute {
  triggerId: string;
  triggerType: string;
  projectId: string;
  domainId: string;
  functionId: string;
  package: string;
  funcName: string;
  /** `latest`, a version or `!alias`: what the trigger invokes. */
  qualifier: string;
  active: boolean;
  groupId: string;
  apiId: string;
  apiName: string;
  stage: string;
  auth: 'NONE' | 'IAM';
  /** Without a trailing slash; `/` for the root. */
  path: string;
  matchMode: 'SWA' | 'NORMAL';
  method: ApigRequestMethod;
}

/** The API that serves a request and the part of the path below the API's path (the catch-all parameter). */
export interface ApigMatch {
  route: ApigRoute;
  rest: string;
}

/** `/a/b/` → `/a/b`; the root stays `/`. */
export function normaliseApiPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** Whether two methods can both serve one request (ANY overlaps everything). */
export function methodsOverlap(a: string, b: string): boolean {
  return a === 'ANY' || b === 'ANY' || a === b;
}

/** What of `requestPath` lies below `apiPath`, or undefined when the API does not cover it. */
function restBelow(route: ApigRoute, requestPath: string): string | undefined {
  const path = normaliseApiPath(requestPath);
  if (path === route.path) return '';
  if (route.matchMode === 'NORMAL') return undefined;
  // Prefix matching (SWA) on whole segments: /a covers /a/b but not /ab.
  if (route.path === '/') return path.slice(1);
  return path.startsWith(`${route.path}/`) ? path.slice(route.path.length + 1) : undefined;
}

/**
 * The active API of a group for a request: the longest path covering it (prefix match on segments, or exact for
 * NORMAL), then a method of its own over ANY.
 */
export function matchApigRoute(
  routes: readonly ApigRoute[],
  method: string,
  requestPath: string,
): ApigMatch | undefined {
  let best: ApigMatch | undefined;
  for (const route of routes) {
    if (!route.active || (route.method !== 'ANY' && route.method !== method.toUpperCase())) continue;
    const rest = restBelow(route, requestPath);
    if (rest === undefined) continue;
    if (
      !best ||
      route.path.length > best.route.path.length ||
      (route.path.length === best.route.path.length && best.route.method === 'ANY' && route.method !== 'ANY')
    )
      best = { route, rest };
  }
  return best;
}
