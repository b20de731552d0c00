import { ArgumentsHost, Catch, ExceptionFilter, Global, INestApplication, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { FgsError, errorBody } from '@ofg/contracts';
import { IdentityRepository } from '@ofg/data-access';
import { PasswordHasher, signRequest } from '@ofg/security';
import type { Response } from 'express';
import request from 'supertest';
import { AuthModule } from '../auth/auth.module';
import { FgsAuthGuard } from '../auth/fgs-auth.guard';
import { FakeIdentityRepository } from '../auth/testing/fake-identity.repository';
import { IamModule } from './iam.module';

const PROJECT = '0123456789abcdef0123456789abcdef';
const DOMAIN = 'd'.repeat(32);
const AK = 'IAMTESTAK0000000001';
const SK = 'iamTestSecret/0123456789';
const ENV = {
  OFG_MASTER_KEY: '56'.repeat(32),
  OFG_DEFAULT_PROJECT_ID: PROJECT,
  OFG_DEFAULT_PROJECT_NAME: 'local',
  OFG_DEFAULT_DOMAIN_ID: DOMAIN,
  OFG_ADMIN_USER: 'admin',
  OFG_ADMIN_PASSWORD: 'Secret-Passw0rd',
  OFG_ADMIN_AK: AK,
  OFG_ADMIN_SK: SK,
};

/** Stand-in for the gateway's global filter, which renders FgsError as FunctionGraph's error body. */
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

const passwordBody = (password: string, scope?: object): object => ({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: 'admin', password, domain: { name: 'my-account' } } },
    },
    ...(scope ? { scope } : {}),
  },
});

describe('IamModule (HTTP)', () => {
  let app: INestApplication;
  let repo: FakeIdentityRepository;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    repo = new FakeIdentityRepository();
    @Global()
    @Module({ providers: [{ provide: IdentityRepository, useValue: repo }], exports: [IdentityRepository] })
    class FakeDataAccessModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [FakeDataAccessModule, AuthModule, IamModule],
      providers: [{ provide: APP_GUARD, useExisting: FgsAuthGuard }],
    })
      .overrideProvider(PasswordHasher)
      .useValue(new PasswordHasher({ N: 1024 }))
      .compile();
    // rawBody: Nest keeps req.rawBody like the gateway's body middleware does.
    app = moduleRef.createNestApplication({ logger: false, rawBody: true });
    app.useGlobalFilters(new TestFgsErrorFilter());
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('bootstrapped the configured project, admin and key on application bootstrap', () => {
    expect(repo.projects.get(PROJECT)).toMatchObject({ name: 'local', domainId: DOMAIN });
    expect(repo.credentials.get(AK)).toMatchObject({ projectId: PROJECT, status: 'active' });
  });

  it('issues a token: 201, X-Subject-Token and the IAM body', async () => {
    const res = await request(app.getHttpServer())
      .post('/v3/auth/tokens')
      .send(passwordBody('Secret-Passw0rd', { project: { name: 'local' } }));
    expect(res.status).toBe(201);
    expect(res.headers['x-subject-token']).toMatch(/^ofg1\./);
    const token = res.body.token;
    expect(token).toMatchObject({
      methods: ['password'],
      project: { id: PROJECT, name: 'local', domain: { id: DOMAIN } },
      user: { name: 'admin', domain: { id: DOMAIN } },
      roles: [],
      catalog: [],
    });
    expect(token.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(Date.parse(token.expires_at) - Date.parse(token.issued_at)).toBe(24 * 3600 * 1000);
  });

  it('answers a wrong password and an unknown user with the IAM 401 body', async () => {
    for (const body of [
      passwordBody('wrong'),
      {
        auth: { identity: { methods: ['password'], password: { user: { name: 'nobody', password: 'x' } } } },
      },
    ]) {
      const res = await request(app.getHttpServer()).post('/v3/auth/tokens').send(body);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' },
      });
    }
  });

  it('refuses a project scope the user cannot access with 401', async () => {
    for (const project of [{ id: 'f'.repeat(32) }, { name: 'elsewhere' }]) {
      const res = await request(app.getHttpServer())
        .post('/v3/auth/tokens')
        .send(passwordBody('Secret-Passw0rd', { project }));
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 401, title: 'Unauthorized' });
    }
  });

  it('answers a malformed body with the IAM 400 body', async () => {
    const res = await request(app.getHttpServer())
      .post('/v3/auth/tokens')
      .send({ auth: { identity: { methods: ['password'] } } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 400,
      title: 'Bad Request',
      message: expect.stringContaining('auth.identity.password'),
    });
  });

  it('lists the caller project for a token and for an AK/SK signature, filtered by name', async () => {
    const login = await request(app.getHttpServer())
      .post('/v3/auth/tokens')
      .send(passwordBody('Secret-Passw0rd'));
    const token = login.headers['x-subject-token'] as string;
    const byToken = await request(app.getHttpServer()).get('/v3/projects').set('X-Auth-Token', token);
    expect(byToken.status).toBe(200);
    expect(byToken.body).toEqual({
      projects: [{ id: PROJECT, name: 'local', domain_id: DOMAIN, enabled: true, description: '' }],
    });

    const server = app.getHttpServer();
    const { port } = server.listening
      ? server.address()
      : await new Promise<{ port: number }>((resolve) =>
          server.listen(0, '127.0.0.1', () => resolve(server.address())),
        );
    const host = `127.0.0.1:${port}`;
    for (const [name, count] of [
      ['local', 1],
      ['local-1', 0],
    ] as const) {
      const path = `/v3/projects?name=${name}`;
      const signed = signRequest({
        method: 'GET',
        url: `http://${host}${path}`,
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
        ak: AK,
        sk: SK,
      });
      const res = await request(server)
        .get(path)
        .set('Host', host)
        .set('Content-Type', 'application/json')
        .set('X-Sdk-Date', signed['X-Sdk-Date'])
        .set('Authorization', signed.Authorization)
        .send('{}');
      expect(res.status).toBe(200);
      expect(res.body.projects).toHaveLength(count);
    }
  });

  it('requires authentication for /v3/projects', async () => {
    const res = await request(app.getHttpServer()).get('/v3/projects');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error_code: 'APIGW.0301' });
  });
});
