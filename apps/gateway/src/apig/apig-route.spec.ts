import { ApigRoute, matchApigRoute, methodsOverlap, normaliseApiPath } from './apig-route';

function aRoute(overrides: Partial<ApigRoute>): ApigRoute {
  return {
    triggerId: 't',
    triggerType: 'APIG',
    projectId: 'p',
    domainId: 'd',
    functionId: 'f',
    package: 'default',
    funcName: 'fn',
    qualifier: 'latest',
    active: true,
    groupId: 'g',
    apiId: 'a',
    apiName: 'api',
    stage: 'RELEASE',
    auth: 'NONE',
    path: '/',
    matchMode: 'SWA',
    method: 'ANY',
    ...overrides,
  };
}

describe('matchApigRoute', () => {
  const root = aRoute({ triggerId: 'root', path: '/' });
  const users = aRoute({ triggerId: 'users', path: '/users' });
  const usersGet = aRoute({ triggerId: 'users-get', path: '/users', method: 'GET' });
  const exact = aRoute({ triggerId: 'exact', path: '/users/me', matchMode: 'NORMAL' });
  const routes = [root, users, usersGet, exact];

  it('picks the longest prefix on whole segments', () => {
    expect(matchApigRoute(routes, 'POST', '/users/7/orders')).toEqual({ route: users, rest: '7/orders' });
    expect(matchApigRoute(routes, 'POST', '/usersX')).toEqual({ route: root, rest: 'usersX' });
    expect(matchApigRoute(routes, 'GET', '/')).toEqual({ route: root, rest: '' });
  });

  it('prefers a route of the request method over ANY for the same path', () => {
    expect(matchApigRoute(routes, 'get', '/users/')?.route.triggerId).toBe('users-get');
    expect(matchApigRoute(routes, 'DELETE', '/users')?.route.triggerId).toBe('users');
  });

  it('matches NORMAL routes only exactly', () => {
    expect(matchApigRoute(routes, 'GET', '/users/me')).toEqual({ route: exact, rest: '' });
    expect(matchApigRoute(routes, 'GET', '/users/me/x')?.route.triggerId).toBe('users-get');
  });

  it('skips disabled routes and other methods', () => {
    expect(matchApigRoute([aRoute({ active: false })], 'GET', '/x')).toBeUndefined();
    expect(matchApigRoute([aRoute({ method: 'POST' })], 'GET', '/x')).toBeUndefined();
  });
});

describe('route helpers', () => {
  it('normalises trailing slashes', () => {
    expect(normaliseApiPath('/a/b/')).toBe('/a/b');
    expect(normaliseApiPath('/')).toBe('/');
  });

  it('treats ANY as overlapping every method', () => {
    expect(methodsOverlap('ANY', 'GET')).toBe(true);
    expect(methodsOverlap('POST', 'POST')).toBe(true);
    expect(methodsOverlap('POST', 'GET')).toBe(false);
  });
});
