import { SOURCES } from '../support/code-fixtures';
import { FgsClient, FgsResponse } from '../support/fgs-client';
import { zipFunctionBody } from '../support/functions';

type Json = Record<string, unknown>;

interface Member {
  name: string;
  password: string;
  id: string;
  ak: string;
  sk: string;
  /** Signs as this member, in its project. */
  http: FgsClient;
}

const suffix = Date.now().toString(36);

function expectStatus<T = unknown>(res: FgsResponse, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text}`);
  return res.json as T;
}

/**
 * IAM administration and authorization end to end: the bootstrap admin creates a project, users, role grants and
 * access keys through the API; each role then gets exactly its FunctionGraph actions; tokens and keys stop working
 * the moment their user is disabled or the key deleted.
 */
describe('IAM administration and authorization', () => {
  const admin = new FgsClient();
  let adminToken = '';
  let projectId = '';
  const members: Record<'dev' | 'viewer' | 'operator', Member> = {} as Record<
    'dev' | 'viewer' | 'operator',
    Member
  >;
  let urn = '';

  const fns = (): string => `/v2/${projectId}/fgs/functions`;
  const createBody = (name: string): Promise<Json> => zipFunctionBody(name, SOURCES.hello);

  /** Creates a user in the project with a role, and an access key for it, all through the admin API. */
  async function addMember(label: string, role: string): Promise<Member> {
    const name = `iam-${label}-${suffix}`;
    const password = `Pw-${label}-${suffix}-x9`;
    const user = expectStatus<{ user: { id: string } }>(
      await admin.request('POST', '/v3/users', {
        body: { user: { name, password, default_project_id: projectId } },
      }),
      201,
      `create user ${name}`,
    ).user;
    expectStatus(
      await admin.request(
        'PUT',
        `/v3/projects/${projectId}/users/${user.id}/roles/${encodeURIComponent(role)}`,
      ),
      204,
      `grant ${role}`,
    );
    const key = expectStatus<{ credential: { access: string; secret: string } }>(
      await admin.request('POST', '/v3.0/OS-CREDENTIAL/credentials', {
        body: { credential: { user_id: user.id, description: `e2e ${label}` } },
      }),
      201,
      `create key for ${name}`,
    ).credential;
    return {
      name,
      password,
      id: user.id,
      ak: key.access,
      sk: key.secret,
      http: new FgsClient({ ak: key.access, sk: key.secret, projectId, user: name, password }),
    };
  }

  beforeAll(async () => {
    adminToken = await admin.token();
    const project = expectStatus<{ project: { id: string; name: string } }>(
      await admin.request('POST', '/v3/projects', {
        body: { project: { name: `e2e-team-${suffix}`, description: 'IAM end-to-end' } },
      }),
      201,
      'create project',
    ).project;
    projectId = project.id;
    members.dev = await addMember('dev', 'FunctionGraph FullAccess');
    members.viewer = await addMember('viewer', 'FunctionGraph ReadOnlyAccess');
    members.operator = await addMember('operator', 'FunctionGraph CommonOperations');
  });

  it('the bootstrap admin keeps full access and sees the new project and users', async () => {
    expect(projectId).toMatch(/^[0-9a-f]{32}$/);
    const projects = expectStatus<{ projects: Array<{ id: string }> }>(
      await admin.request('GET', '/v3/projects', { auth: { kind: 'token', token: adminToken } }),
      200,
      'list projects',
    );
    expect(projects.projects.map((p) => p.id)).toEqual(
      expect.arrayContaining([admin.stack.projectId, projectId]),
    );
    const users = expectStatus<{ users: Array<{ name: string; default_project_id: string }> }>(
      await admin.request('GET', `/v3/users?name=${members.viewer.name}`),
      200,
      'list users',
    );
    expect(users.users).toEqual([
      expect.objectContaining({ name: members.viewer.name, default_project_id: projectId }),
    ]);
    const roles = expectStatus<{ roles: Array<{ name: string }> }>(
      await admin.request('GET', `/v3/projects/${projectId}/users/${members.operator.id}/roles`),
      200,
      'list roles',
    );
    expect(roles.roles.map((r) => r.name)).toEqual(['FunctionGraph CommonOperations']);
    expect((await admin.request('GET', `/v2/${admin.stack.projectId}/fgs/functions`)).status).toBe(200);
  });

  it('a new user key signs a list call in its project, and only there', async () => {
    const list = await members.dev.http.request('GET', fns());
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ functions: [], count: 0 });
    const elsewhere = await members.dev.http.request('GET', `/v2/${admin.stack.projectId}/fgs/functions`);
    expect(elsewhere.status).toBe(404);
    const created = await members.dev.http.request('POST', fns(), {
      body: await createBody(`iam-fn-${suffix}`),
    });
    urn = String(expectStatus<Json>(created, 200, 'create as dev')['func_urn']);
    expect(urn).toContain(`:${projectId}:function:default:iam-fn-${suffix}`);
  });

  it('ReadOnlyAccess may list and read but not create, update, delete or invoke', async () => {
    const viewer = members.viewer.http;
    const list = await viewer.request('GET', fns());
    expect(list.status).toBe(200);
    expect((list.json as { count: number }).count).toBe(1);
    expect((await viewer.request('GET', `${fns()}/${urn}/config`)).status).toBe(200);

    const create = await viewer.request('POST', fns(), { body: await createBody(`iam-denied-${suffix}`) });
    expect(create.status).toBe(403);
    expect(create.json).toEqual({
      error_code: 'FSS.0403',
      error_msg: expect.stringContaining('functiongraph:function:create is not allowed'),
    });
    for (const [method, path] of [
      ['DELETE', `${fns()}/${urn}`],
      ['POST', `${fns()}/${urn}/invocations`],
      ['POST', `/v2/${projectId}/fgs/triggers/${urn}`],
    ] as const) {
      const res = await viewer.request(method, path, { body: {} });
      expect([method, path, res.status, (res.json as Json)['error_code']]).toEqual([
        method,
        path,
        403,
        'FSS.0403',
      ]);
    }
  });

  it('CommonOperations may invoke but not create or delete', async () => {
    const operator = members.operator.http;
    const invoked = await operator.request('POST', `${fns()}/${urn}/invocations`, {
      body: { name: 'operator' },
      headers: { 'X-CFF-Request-Version': 'v1' },
    });
    expect(invoked.status).toBe(200);
    expect(JSON.parse((invoked.json as { result: string }).result)).toMatchObject({
      greeting: 'hello operator',
    });
    const queued = await operator.request('POST', `${fns()}/${urn}/invocations-async`, { body: {} });
    expect(queued.status).toBe(202);

    expect(
      (await operator.request('POST', fns(), { body: await createBody(`iam-op-${suffix}`) })).status,
    ).toBe(403);
    expect((await operator.request('DELETE', `${fns()}/${urn}`)).status).toBe(403);
    expect((await operator.request('GET', fns())).status).toBe(200);
  });

  it('a role in a second project lets the key and a token of that project work there, and only with that role', async () => {
    const other = admin.stack.projectId;
    const otherFns = `/v2/${other}/fgs/functions`;
    const op = members.operator;
    expect((await op.http.request('GET', otherFns)).status).toBe(404);
    const tokenFor = (projectScope: string): Promise<Response> =>
      fetch(`${admin.stack.gatewayUrl}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: op.name, password: op.password } } },
            scope: { project: { id: projectScope } },
          },
        }),
      });
    expect((await tokenFor(other)).status).toBe(401);

    const grantPath = `/v3/projects/${other}/users/${op.id}/roles/${encodeURIComponent('FunctionGraph ReadOnlyAccess')}`;
    expect((await admin.request('PUT', grantPath)).status).toBe(204);
    expect((await op.http.request('GET', otherFns)).status).toBe(200);
    const denied = await op.http.request<{ error_code: string }>('POST', otherFns, {
      body: await createBody(`iam-x-${suffix}`),
    });
    expect(denied.status).toBe(403);
    expect(denied.json.error_code).toBe('FSS.0403');
    const issued = await tokenFor(other);
    expect(issued.status).toBe(201);
    const token = issued.headers.get('x-subject-token') ?? '';
    expect((await op.http.request('GET', otherFns, { auth: { kind: 'token', token } })).status).toBe(200);
    // A token stays bound to the project it was scoped to.
    expect((await op.http.request('GET', fns(), { auth: { kind: 'token', token } })).status).toBe(404);

    expect((await admin.request('DELETE', grantPath)).status).toBe(204);
    expect((await op.http.request('GET', otherFns)).status).toBe(404);
    expect((await op.http.request('GET', otherFns, { auth: { kind: 'token', token } })).status).toBe(401);
  });

  it('IAM administration stays with the admin role', async () => {
    for (const member of Object.values(members)) {
      const res = await member.http.request('POST', '/v3/users', {
        body: { user: { name: `rogue-${suffix}`, password: 'Rogue-Passw0rd' } },
      });
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ error: { code: 403, title: 'Forbidden' } });
    }
    // The project look-up the SDK does still answers, with the caller's own project only.
    const own = await members.viewer.http.request('GET', '/v3/projects');
    expect(own.json).toEqual({ projects: [expect.objectContaining({ id: projectId })] });
  });

  it('revoking a role takes effect on the next request', async () => {
    const viewer = members.viewer;
    expectStatus(
      await admin.request(
        'DELETE',
        `/v3/projects/${projectId}/users/${viewer.id}/roles/${encodeURIComponent('FunctionGraph ReadOnlyAccess')}`,
      ),
      204,
      'revoke',
    );
    expect((await viewer.http.request('GET', fns())).status).toBe(403);
    expectStatus(
      await admin.request('PUT', `/v3/projects/${projectId}/users/${viewer.id}/roles/fgs_read_only_access`),
      204,
      're-grant',
    );
    expect((await viewer.http.request('GET', fns())).status).toBe(200);
  });

  it('token lifecycle: a token works, the user disabled → 401 at once, re-enabled → works again', async () => {
    const operator = members.operator;
    const token = await operator.http.token();
    const call = (): Promise<FgsResponse> =>
      operator.http.request('GET', fns(), { auth: { kind: 'token', token } });
    expect((await call()).status).toBe(200);

    const disabled = await admin.request('PATCH', `/v3/users/${operator.id}`, {
      body: { user: { enabled: false } },
    });
    expect(expectStatus<{ user: { enabled: boolean } }>(disabled, 200, 'disable').user.enabled).toBe(false);
    const refused = await call();
    expect(refused.status).toBe(401);
    expect((refused.json as Json)['error_code']).toBe('APIGW.0301');
    expect((await operator.http.request('GET', fns())).status).toBe(401);
    await expect(operator.http.token()).rejects.toThrow(/401/);

    expectStatus(
      await admin.request('PATCH', `/v3/users/${operator.id}`, { body: { user: { enabled: true } } }),
      200,
      'enable',
    );
    expect((await call()).status).toBe(200);
    expect((await operator.http.request('GET', fns())).status).toBe(200);
  });

  it('key lifecycle: a user creates its own key, signs with it, deletes it → 401', async () => {
    const dev = members.dev;
    const token = await dev.http.token();
    const asDev = { auth: { kind: 'token', token } } as const;
    // The dev already has the key the admin made; Huawei allows two per user.
    const created = expectStatus<{ credential: { access: string; secret: string; user_id: string } }>(
      await dev.http.request('POST', '/v3.0/OS-CREDENTIAL/credentials', {
        ...asDev,
        body: { credential: { user_id: dev.id, description: 'second key' } },
      }),
      201,
      'self-service key',
    ).credential;
    expect(created.user_id).toBe(dev.id);
    const withKey = new FgsClient({ ak: created.access, sk: created.secret, projectId });
    expect((await withKey.request('GET', fns())).status).toBe(200);

    const listed = expectStatus<{ credentials: Array<{ access: string; secret?: string }> }>(
      await dev.http.request('GET', '/v3.0/OS-CREDENTIAL/credentials', asDev),
      200,
      'list own keys',
    );
    expect(listed.credentials.map((c) => c.access).sort()).toEqual([dev.ak, created.access].sort());
    expect(listed.credentials.every((c) => c.secret === undefined)).toBe(true);

    // A third key is refused; somebody else's keys are not the dev's business.
    expect(
      (
        await dev.http.request('POST', '/v3.0/OS-CREDENTIAL/credentials', {
          ...asDev,
          body: { credential: { user_id: dev.id } },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await dev.http.request('POST', '/v3.0/OS-CREDENTIAL/credentials', {
          ...asDev,
          body: { credential: { user_id: members.viewer.id } },
        })
      ).status,
    ).toBe(403);

    expect(
      (await dev.http.request('DELETE', `/v3.0/OS-CREDENTIAL/credentials/${created.access}`, asDev)).status,
    ).toBe(204);
    const after = await withKey.request('GET', fns());
    expect(after.status).toBe(401);
    expect((after.json as Json)['error_code']).toBe('APIGW.0301');
    // The admin's key for the dev is untouched.
    expect((await dev.http.request('GET', fns())).status).toBe(200);
  });

  it('deleting a user fails its key at once', async () => {
    const viewer = members.viewer;
    expect((await viewer.http.request('GET', fns())).status).toBe(200);
    expect((await admin.request('DELETE', `/v3/users/${viewer.id}`)).status).toBe(204);
    expect((await viewer.http.request('GET', fns())).status).toBe(401);
    expect((await admin.request('GET', `/v3.0/OS-CREDENTIAL/credentials/${viewer.ak}`)).status).toBe(404);
  });
});
