import { ArgumentsHost, Catch, ExceptionFilter, Global, INestApplication, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { FgsError, errorBody } from '@ofg/contracts';
import { IamAdminRepository, IdentityRepository, RoleAssignmentRepository } from '@ofg/data-access';
import { PasswordHasher, SecretCipher, credentialSecretAad, signRequest } from '@ofg/security';
import type { Response } from 'express';
import request from 'supertest';
import { AuthModule } from '../auth/auth.module';
import { FgsAuthGuard } from '../auth/fgs-auth.guard';
import { FakeIdentityRepository } from '../auth/testing/fake-identity.repository';
import { AuthzModule } from '../authz/authz.module';
import { PermissionGuard } from '../authz/permission.guard';
import { IamAdminModule } from './iam-admin.module';
import { IamModule } from './iam.module';
import { FakeIamAdminRepository, FakeRoleAssignmentRepository } from './testing/fake-iam-admin.repository';

const PROJECT = '0123456789abcdef0123456789abcdef';
const DOMAIN = 'd'.repeat(32);
const ADMIN_PASSWORD = 'Admin-Passw0rd';
const ENV: Record<string, string | undefined> = {
  OFG_MASTER_KEY: '78'.repeat(32),
  OFG_DEFAULT_PROJECT_ID: PROJECT,
  OFG_DEFAULT_PROJECT_NAME: 'local',
  OFG_DEFAULT_DOMAIN_ID: DOMAIN,
  OFG_ADMIN_USER: 'admin',
  OFG_ADMIN_PASSWORD: ADMIN_PASSWORD,
  OFG_ADMIN_AK: 'ADMINAK000000000001',
  OFG_ADMIN_SK: 'adminSecret0123456789',
  REDIS_URL: undefined,
};

@Catch(FgsError)
class TestFgsErrorFilter implements ExceptionFilter<FgsError> {
  catch(error: FgsError, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(error.status)
      .json(errorBody(error.code, error.message));
  }
}

describe('IAM administration (HTTP, real guards, in-memory store)', () => {
  let app: INestApplication;
  let identity: FakeIdentityRepository;
  let roles: FakeRoleAssignmentRepository;
  let host = '';
  let adminToken = '';
  const saved: Record<string, string | undefined> = {};

  const server = (): Parameters<typeof request>[0] => app.getHttpServer();
  const tokenOf = async (name: string, password: string, projectId?: string): Promise<request.Response> =>
    request(server())
      .post('/v3/auth/tokens')
      .send({
        auth: {
          identity: { methods: ['password'], password: { user: { name, password } } },
          ...(projectId ? { scope: { project: { id: projectId } } } : {}),
        },
      });
  const login = async (name: string, password: string): Promise<string> => {
    const res = await tokenOf(name, password);
    expect(res.status).toBe(201);
    return res.headers['x-subject-token'] as string;
  };
  const as = (token: string) => ({ 'X-Auth-Token': token });
  /** A request signed with an AK/SK like the SDK signs it. */
  const signed = (method: string, path: string, ak: string, sk: string, body = ''): request.Test => {
    const headers = signRequest({
      method,
      url: `http://${host}${path}`,
      headers: { 'Content-Type': 'application/json' },
      body,
      ak,
      sk,
    });
    const verb = method.toLowerCase() as 'get' | 'post' | 'delete';
    return request(server())
      [verb](path)
      .set('Host', host)
      .set('Content-Type', 'application/json')
      .set('X-Sdk-Date', headers['X-Sdk-Date'])
      .set('Authorization', headers.Authorization)
      .send(body);
  };

  beforeAll(async () => {
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    identity = new FakeIdentityRepository();
    const admin = new FakeIamAdminRepository(identity);
    roles = new FakeRoleAssignmentRepository(identity);
    @Global()
    @Module({
      providers: [
        { provide: IdentityRepository, useValue: identity },
        { provide: IamAdminRepository, useValue: admin },
        { provide: RoleAssignmentRepository, useValue: roles },
      ],
      exports: [IdentityRepository, IamAdminRepository, RoleAssignmentRepository],
    })
    class FakeDataAccessModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [FakeDataAccessModule, AuthModule, AuthzModule, IamModule, IamAdminModule],
      providers: [
        { provide: APP_GUARD, useExisting: FgsAuthGuard },
        { provide: APP_GUARD, useExisting: PermissionGuard },
      ],
    })
      .overrideProvider(PasswordHasher)
      .useValue(new PasswordHasher({ N: 1024 }))
      .compile();
    app = moduleRef.createNestApplication({ logger: false, rawBody: true });
    app.useGlobalFilters(new TestFgsErrorFilter());
    await app.listen(0, '127.0.0.1');
    host = new URL((await app.getUrl()).replace('[::1]', '127.0.0.1')).host;
    adminToken = await login('admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await app.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('bootstrap granted the admin role on the default project', async () => {
    const adminUser = [...identity.users.values()].find((u) => u.name === 'admin')!;
    expect(await roles.listRoleNames(adminUser.id, PROJECT)).toEqual(['admin']);
    const res = await request(server())
      .get(`/v3/projects/${PROJECT}/users/${adminUser.id}/roles`)
      .set(as(adminToken));
    expect(res.status).toBe(200);
    expect(res.body.roles.map((r: { name: string }) => r.name)).toEqual(['admin']);
  });

  it('lists the system roles with their policies', async () => {
    const res = await request(server()).get('/v3/roles').set(as(adminToken));
    expect(res.status).toBe(200);
    expect(res.body.roles.map((r: { name: string }) => r.name)).toEqual([
      'admin',
      'FunctionGraph FullAccess',
      'FunctionGraph ReadOnlyAccess',
      'FunctionGraph CommonOperations',
    ]);
    expect(res.body.roles[2]).toMatchObject({
      id: 'fgs_read_only_access',
      display_name: 'FunctionGraph ReadOnlyAccess',
      type: 'system',
      policy: { Version: '1.1', Statement: [{ Effect: 'Allow' }] },
    });
  });

  it('creates a project, a user in it, grants a role, and the user works only within it', async () => {
    const created = await request(server())
      .post('/v3/projects')
      .set(as(adminToken))
      .send({ project: { name: 'team-a', description: 'Team A' } });
    expect(created.status).toBe(201);
    const project = created.body.project;
    expect(project).toMatchObject({
      name: 'team-a',
      domain_id: DOMAIN,
      enabled: true,
      description: 'Team A',
    });
    expect(project.id).toMatch(/^[0-9a-f]{32}$/);

    const dup = await request(server())
      .post('/v3/projects')
      .set(as(adminToken))
      .send({ project: { name: 'team-a' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 409, title: 'Conflict' });

    const user = await request(server())
      .post('/v3/users')
      .set(as(adminToken))
      .send({ user: { name: 'alice', password: 'Alice-Passw0rd', default_project_id: project.id } });
    expect(user.status).toBe(201);
    expect(user.body.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'alice',
      enabled: true,
      default_project_id: project.id,
      domain_id: DOMAIN,
      password_expires_at: null,
    });
    const aliceId = user.body.user.id as string;

    // No role yet: authenticated, but every action is denied.
    const alice = await login('alice', 'Alice-Passw0rd');
    expect((await request(server()).get('/v3/users').set(as(alice))).status).toBe(403);

    const grant = await request(server())
      .put(`/v3/projects/${project.id}/users/${aliceId}/roles/FunctionGraph%20ReadOnlyAccess`)
      .set(as(adminToken));
    expect(grant.status).toBe(204);
    const again = await request(server())
      .put(`/v3/projects/${project.id}/users/${aliceId}/roles/fgs_read_only_access`)
      .set(as(adminToken));
    expect(again.status).toBe(204);
    const listed = await request(server())
      .get(`/v3/projects/${project.id}/users/${aliceId}/roles`)
      .set(as(adminToken));
    expect(listed.body.roles.map((r: { name: string }) => r.name)).toEqual(['FunctionGraph ReadOnlyAccess']);

    // Her own project only, even when asking by another name; IAM administration stays out of reach.
    const projects = await request(server()).get('/v3/projects').set(as(alice));
    expect(projects.body.projects.map((p: { id: string }) => p.id)).toEqual([project.id]);
    const denied = await request(server()).get('/v3/users').set(as(alice));
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({
      code: 403,
      title: 'Forbidden',
      message: expect.stringContaining('iam:users:listUsers'),
    });
    expect((await request(server()).get(`/v3/users/${aliceId}`).set(as(alice))).status).toBe(200);
    const adminId = [...identity.users.values()].find((u) => u.name === 'admin')!.id;
    expect((await request(server()).get(`/v3/users/${adminId}`).set(as(alice))).status).toBe(403);

    // The administrator sees every project of the domain.
    const all = await request(server()).get('/v3/projects').set(as(adminToken));
    expect(all.body.projects.map((p: { name: string }) => p.name).sort()).toEqual(['local', 'team-a']);
    const byName = await request(server()).get('/v3/projects?name=team-a').set(as(adminToken));
    expect(byName.body.projects).toHaveLength(1);

    const revoke = await request(server())
      .delete(`/v3/projects/${project.id}/users/${aliceId}/roles/FunctionGraph%20ReadOnlyAccess`)
      .set(as(adminToken));
    expect(revoke.status).toBe(204);
    const revokeAgain = await request(server())
      .delete(`/v3/projects/${project.id}/users/${aliceId}/roles/FunctionGraph%20ReadOnlyAccess`)
      .set(as(adminToken));
    expect(revokeAgain.status).toBe(404);
  });

  it('validates user bodies and targets with IAM error bodies', async () => {
    const cases: Array<[object, number]> = [
      [{ user: { name: '1bad', password: 'long-enough' } }, 400],
      [{ user: { name: 'shorty', password: 'short' } }, 400],
      [{ user: { name: 'ghost', password: 'long-enough', default_project_id: 'f'.repeat(32) } }, 404],
      [{ user: { name: 'admin', password: 'long-enough' } }, 409],
    ];
    for (const [body, status] of cases) {
      const res = await request(server()).post('/v3/users').set(as(adminToken)).send(body);
      expect([res.status, res.body.error?.code]).toEqual([status, status]);
    }
    for (const path of [
      '/v3/users/not-a-uuid',
      '/v3/users/00000000-0000-4000-8000-000000000000',
      `/v3/projects/${PROJECT}/users/00000000-0000-4000-8000-000000000000/roles`,
      `/v3/projects/${'e'.repeat(32)}/users/00000000-0000-4000-8000-000000000000/roles`,
    ]) {
      expect((await request(server()).get(path).set(as(adminToken))).status).toBe(404);
    }
    const user = await request(server())
      .post('/v3/users')
      .set(as(adminToken))
      .send({ user: { name: 'carol', password: 'Carol-Passw0rd' } });
    const unknownRole = await request(server())
      .put(`/v3/projects/${PROJECT}/users/${user.body.user.id}/roles/root`)
      .set(as(adminToken));
    expect(unknownRole.status).toBe(404);
  });

  it('disabling a user fails its tokens and keys at once; enabling restores them', async () => {
    const created = await request(server())
      .post('/v3/users')
      .set(as(adminToken))
      .send({ user: { name: 'dave', password: 'Dave-Passw0rd' } });
    const daveId = created.body.user.id as string;
    await request(server())
      .put(`/v3/projects/${PROJECT}/users/${daveId}/roles/FunctionGraph%20CommonOperations`)
      .set(as(adminToken));
    const dave = await login('dave', 'Dave-Passw0rd');
    expect((await request(server()).get('/v3/projects').set(as(dave))).status).toBe(200);

    const off = await request(server())
      .patch(`/v3/users/${daveId}`)
      .set(as(adminToken))
      .send({ user: { enabled: false } });
    expect(off.status).toBe(200);
    expect(off.body.user.enabled).toBe(false);
    expect((await request(server()).get('/v3/projects').set(as(dave))).status).toBe(401);
    expect((await tokenOf('dave', 'Dave-Passw0rd')).status).toBe(401);

    const on = await request(server())
      .patch(`/v3/users/${daveId}`)
      .set(as(adminToken))
      .send({ user: { enabled: true, password: 'Dave-NewPassw0rd' } });
    expect(on.status).toBe(200);
    expect((await request(server()).get('/v3/projects').set(as(dave))).status).toBe(200);
    expect((await tokenOf('dave', 'Dave-Passw0rd')).status).toBe(401);
    expect((await tokenOf('dave', 'Dave-NewPassw0rd')).status).toBe(201);

    const self = await request(server())
      .patch(`/v3/users/${identity.credentials.get('ADMINAK000000000001')!.userId}`)
      .set(as(adminToken))
      .send({ user: { enabled: false } });
    expect(self.status).toBe(400);

    expect((await request(server()).delete(`/v3/users/${daveId}`).set(as(adminToken))).status).toBe(204);
    expect((await request(server()).get('/v3/projects').set(as(dave))).status).toBe(401);
    expect((await request(server()).delete(`/v3/users/${daveId}`).set(as(adminToken))).status).toBe(404);
  });

  it('access keys: admins manage any, users their own; secrets shown once and sealed; deletion fails the key at once', async () => {
    const created = await request(server())
      .post('/v3/users')
      .set(as(adminToken))
      .send({ user: { name: 'erin', password: 'Erin-Passw0rd' } });
    const erinId = created.body.user.id as string;
    const erin = await login('erin', 'Erin-Passw0rd');
    const adminId = identity.credentials.get('ADMINAK000000000001')!.userId;

    const own = await request(server())
      .post('/v3.0/OS-CREDENTIAL/credentials')
      .set(as(erin))
      .send({ credential: { user_id: erinId, description: 'laptop' } });
    expect(own.status).toBe(201);
    expect(own.body.credential).toEqual({
      access: expect.stringMatching(/^[A-Z0-9]{20}$/),
      secret: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
      user_id: erinId,
      status: 'active',
      description: 'laptop',
      create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
    });
    const { access, secret } = own.body.credential as { access: string; secret: string };
    const stored = identity.credentials.get(access)!;
    expect(stored.projectId).toBe(PROJECT);
    expect(stored.secretKeyCiphertext).not.toContain(secret);
    expect(
      new SecretCipher(ENV['OFG_MASTER_KEY']!).decrypt(
        stored.secretKeyCiphertext,
        credentialSecretAad(access),
      ),
    ).toBe(secret);

    // Not for somebody else, and somebody else's keys stay invisible.
    const foreign = await request(server())
      .post('/v3.0/OS-CREDENTIAL/credentials')
      .set(as(erin))
      .send({ credential: { user_id: adminId } });
    expect(foreign.status).toBe(403);
    expect(
      (await request(server()).get(`/v3.0/OS-CREDENTIAL/credentials?user_id=${adminId}`).set(as(erin)))
        .status,
    ).toBe(403);
    expect(
      (await request(server()).get('/v3.0/OS-CREDENTIAL/credentials/ADMINAK000000000001').set(as(erin)))
        .status,
    ).toBe(404);

    const mine = await request(server()).get('/v3.0/OS-CREDENTIAL/credentials').set(as(erin));
    expect(mine.status).toBe(200);
    expect(mine.body.credentials).toEqual([
      { access, user_id: erinId, status: 'active', description: 'laptop', create_time: expect.any(String) },
    ]);
    const byAdmin = await request(server())
      .get(`/v3.0/OS-CREDENTIAL/credentials?user_id=${erinId}`)
      .set(as(adminToken));
    expect(byAdmin.body.credentials.map((c: { access: string }) => c.access)).toEqual([access]);
    expect(JSON.stringify(byAdmin.body)).not.toContain(secret);

    // The key signs (its user has no role yet: authenticated, project look-up allowed, administration denied).
    expect((await signed('GET', '/v3/projects', access, secret)).status).toBe(200);
    expect((await signed('GET', '/v3/roles', access, secret)).status).toBe(403);

    // Two keys per user at most.
    const second = await request(server())
      .post('/v3.0/OS-CREDENTIAL/credentials')
      .set(as(adminToken))
      .send({ credential: { user_id: erinId } });
    expect(second.status).toBe(201);
    const third = await request(server())
      .post('/v3.0/OS-CREDENTIAL/credentials')
      .set(as(adminToken))
      .send({ credential: { user_id: erinId } });
    expect(third.status).toBe(409);

    // Deactivated, reactivated, deleted: each takes effect on the next request.
    const inactive = await request(server())
      .put(`/v3.0/OS-CREDENTIAL/credentials/${access}`)
      .set(as(erin))
      .send({ credential: { status: 'inactive' } });
    expect([inactive.status, inactive.body.credential.status]).toEqual([200, 'inactive']);
    expect((await signed('GET', '/v3/projects', access, secret)).status).toBe(401);
    await request(server())
      .put(`/v3.0/OS-CREDENTIAL/credentials/${access}`)
      .set(as(erin))
      .send({ credential: { status: 'active' } });
    expect((await signed('GET', '/v3/projects', access, secret)).status).toBe(200);
    expect(
      (await request(server()).delete(`/v3.0/OS-CREDENTIAL/credentials/${access}`).set(as(erin))).status,
    ).toBe(204);
    const after = await signed('GET', '/v3/projects', access, secret);
    expect(after.status).toBe(401);
    expect(after.body.error_code).toBe('APIGW.0301');
    expect(
      (await request(server()).get(`/v3.0/OS-CREDENTIAL/credentials/${access}`).set(as(adminToken))).status,
    ).toBe(404);
  });

  it('refuses administration to callers without the admin role, with the IAM 403 body', async () => {
    const created = await request(server())
      .post('/v3/users')
      .set(as(adminToken))
      .send({ user: { name: 'frank', password: 'Frank-Passw0rd' } });
    await request(server())
      .put(`/v3/projects/${PROJECT}/users/${created.body.user.id}/roles/FunctionGraph%20FullAccess`)
      .set(as(adminToken));
    const frank = await login('frank', 'Frank-Passw0rd');
    const attempts: Array<[string, string, object?]> = [
      ['post', '/v3/users', { user: { name: 'mallory', password: 'Mallory-Passw0rd' } }],
      ['post', '/v3/projects', { project: { name: 'rogue' } }],
      ['get', '/v3/roles'],
      ['put', `/v3/projects/${PROJECT}/users/${created.body.user.id}/roles/admin`],
      ['delete', `/v3/users/${created.body.user.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await request(server())
        [method as 'get' | 'post' | 'put' | 'delete'](path)
        .set(as(frank))
        .send(body);
      expect([method, path, res.status, res.body.error?.title]).toEqual([method, path, 403, 'Forbidden']);
    }
  });
});
