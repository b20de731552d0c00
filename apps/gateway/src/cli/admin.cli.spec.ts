import { SignatureVerifier } from '@ofg/security';
import { readAdminCliEnv, runAdminCli, sendAdminRequest } from './admin.cli';
import { AdminUsageError, parseAdminCommand } from './admin-command.parser';

describe('parseAdminCommand', () => {
  it.each([
    [['projects', 'list'], { method: 'GET', path: '/v3/projects' }],
    [['projects', 'list', '--name', 'a b'], { method: 'GET', path: '/v3/projects?name=a%20b' }],
    [
      ['projects', 'create', 'team-a', '--description', 'Team A'],
      { method: 'POST', path: '/v3/projects', body: { project: { name: 'team-a', description: 'Team A' } } },
    ],
    [
      ['users', 'create', 'alice', '--password', 'pw-123456', '--project', 'p1'],
      {
        method: 'POST',
        path: '/v3/users',
        body: { user: { name: 'alice', password: 'pw-123456', default_project_id: 'p1' } },
      },
    ],
    [
      ['users', 'disable', 'u1'],
      { method: 'PATCH', path: '/v3/users/u1', body: { user: { enabled: false } } },
    ],
    [['users', 'delete', 'u1'], { method: 'DELETE', path: '/v3/users/u1' }],
    [
      ['roles', 'grant', 'p1', 'u1', 'FunctionGraph ReadOnlyAccess'],
      { method: 'PUT', path: '/v3/projects/p1/users/u1/roles/FunctionGraph%20ReadOnlyAccess' },
    ],
    [
      ['roles', 'revoke', 'p1', 'u1', 'admin'],
      { method: 'DELETE', path: '/v3/projects/p1/users/u1/roles/admin' },
    ],
    [['keys', 'list', '--user', 'u1'], { method: 'GET', path: '/v3.0/OS-CREDENTIAL/credentials?user_id=u1' }],
    [
      ['keys', 'create', 'u1'],
      {
        method: 'POST',
        path: '/v3.0/OS-CREDENTIAL/credentials',
        body: { credential: { user_id: 'u1', description: '' } },
      },
    ],
    [
      ['keys', 'disable', 'AK1'],
      {
        method: 'PUT',
        path: '/v3.0/OS-CREDENTIAL/credentials/AK1',
        body: { credential: { status: 'inactive' } },
      },
    ],
    [['keys', 'delete', 'AK1'], { method: 'DELETE', path: '/v3.0/OS-CREDENTIAL/credentials/AK1' }],
  ])('%j', (argv, expected) => {
    expect(parseAdminCommand(argv)).toEqual(expected);
  });

  it.each([
    [[]],
    [['users']],
    [['users', 'create', 'alice']],
    [['roles', 'grant', 'p1']],
    [['keys', 'create', 'u1', '--description']],
  ])('refuses %j', (argv) => {
    expect(() => parseAdminCommand(argv)).toThrow(AdminUsageError);
  });
});

describe('admin CLI transport', () => {
  it('signs like the SDK so the gateway verifies the signature', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen = { url, init };
      return new Response('{"users":[]}', { status: 200 });
    }) as unknown as typeof fetch;
    const env = readAdminCliEnv({
      OFG_ENDPOINT: 'http://127.0.0.1:9/',
      OFG_AK: 'CLIAK0001',
      OFG_SK: 'cli-secret',
    });
    const result = await sendAdminRequest({ method: 'GET', path: '/v3/users' }, env, fakeFetch);
    expect(result).toEqual({ status: 200, text: '{"users":[]}' });
    expect(seen!.url).toBe('http://127.0.0.1:9/v3/users');
    const headers = seen!.init.headers as Record<string, string>;
    const verdict = await new SignatureVerifier().verify(
      {
        method: 'GET',
        url: '/v3/users',
        headers: { ...lower(headers), host: '127.0.0.1:9' },
        body: Buffer.alloc(0),
      },
      async (ak) => (ak === 'CLIAK0001' ? 'cli-secret' : undefined),
      new Date(),
    );
    expect(verdict.ok).toBe(true);
  });

  it('uses a token when no key is set, and refuses to run without credentials', async () => {
    let headers: Record<string, string> = {};
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      headers = init.headers as Record<string, string>;
      return new Response(null, { status: 204 });
    }) as unknown as typeof fetch;
    await sendAdminRequest(
      { method: 'DELETE', path: '/v3/users/u1' },
      readAdminCliEnv({ OFG_TOKEN: 't0k' }),
      fakeFetch,
    );
    expect(headers['X-Auth-Token']).toBe('t0k');
    const errors: string[] = [];
    expect(
      await runAdminCli(
        ['users', 'list'],
        {},
        () => undefined,
        (t) => errors.push(t),
      ),
    ).toBe(2);
    expect(errors[0]).toContain('OFG_AK');
    expect(
      await runAdminCli(
        ['nonsense'],
        {},
        () => undefined,
        (t) => errors.push(t),
      ),
    ).toBe(2);
  });
});

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
