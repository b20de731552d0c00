import {
  ArgumentsHost,
  CanActivate,
  Catch,
  Controller,
  ExceptionFilter,
  ExecutionContext,
  Get,
  INestApplication,
  Post,
  UseFilters,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { FGS_ACTIONS, FgsError, IAM_ACTIONS, errorBody } from '@ofg/contracts';
import { RoleAssignmentRepository } from '@ofg/data-access';
import type { Response } from 'express';
import request from 'supertest';
import { AuthRequest } from '../auth/auth-context';
import { Public } from '../auth/public.decorator';
import { IamExceptionFilter } from '../iam/iam-exception.filter';
import { Action } from './action.decorator';
import { Permission, PermissionGrant } from './permission-grant';
import { PermissionGuard } from './permission.guard';
import { AUTHZ_OPTIONS, PermissionService } from './permission.service';

const PROJECT = 'a'.repeat(32);
const USERS = {
  reader: '11111111-1111-4111-8111-111111111111',
  full: '22222222-2222-4222-8222-222222222222',
  none: '33333333-3333-4333-8333-333333333333',
  admin: '44444444-4444-4444-8444-444444444444',
};

/** Role table stand-in that counts look-ups and can fail. */
class FakeRoles implements Pick<RoleAssignmentRepository, 'listRoleNames'> {
  readonly grants = new Map<string, string[]>([
    [`${USERS.reader}/${PROJECT}`, ['FunctionGraph ReadOnlyAccess']],
    [`${USERS.full}/${PROJECT}`, ['FunctionGraph FullAccess']],
    [`${USERS.admin}/${PROJECT}`, ['admin']],
  ]);
  lookups = 0;
  failing = false;

  async listRoleNames(userId: string, projectId: string): Promise<string[]> {
    this.lookups++;
    if (this.failing) throw new Error('connection refused');
    return this.grants.get(`${userId}/${projectId}`) ?? [];
  }
}

/** Stands in for FgsAuthGuard: `X-Test-User` becomes the caller of project PROJECT. */
class HeaderAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthRequest>();
    const user = req.headers['x-test-user'];
    if (typeof user === 'string')
      req.fgsAuth = { userId: user, projectId: PROJECT, domainId: 'd'.repeat(32), method: 'token' };
    return true;
  }
}

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

@Controller('v2/:project_id/fgs/functions')
class FunctionsStubController {
  @Get()
  @Action(FGS_ACTIONS.functionList)
  list(): string {
    return 'listed';
  }

  @Post()
  @Action(FGS_ACTIONS.functionCreate)
  create(): string {
    return 'created';
  }

  @Post(':urn/invocations')
  @Action(FGS_ACTIONS.functionInvoke)
  invoke(): string {
    return 'invoked';
  }

  @Get(':urn/undeclared')
  undeclared(): string {
    return 'should not be reachable';
  }
}

@Controller()
class OtherStubController {
  @Get('health/live')
  live(): string {
    return 'up';
  }

  @Public()
  @Get('v2/public-thing')
  open(): string {
    return 'open';
  }
}

@UseFilters(IamExceptionFilter)
@Controller('v3/things')
class IamStubController {
  @Post()
  @Action(IAM_ACTIONS.usersCreate)
  create(): string {
    return 'made';
  }

  @Get()
  @Action(IAM_ACTIONS.credentialsList, { selfService: true })
  mine(@Permission() grant: PermissionGrant): PermissionGrant {
    return grant;
  }
}

describe('PermissionGuard', () => {
  let app: INestApplication;
  let roles: FakeRoles;
  let now = 0;
  let permissions: PermissionService;

  beforeAll(async () => {
    roles = new FakeRoles();
    const moduleRef = await Test.createTestingModule({
      controllers: [FunctionsStubController, OtherStubController, IamStubController],
      providers: [
        { provide: RoleAssignmentRepository, useValue: roles },
        {
          provide: AUTHZ_OPTIONS,
          useValue: { roleCacheTtlMs: 30_000, cacheMaxEntries: 100, now: () => now },
        },
        PermissionService,
        PermissionGuard,
        { provide: APP_GUARD, useClass: HeaderAuthGuard },
        { provide: APP_GUARD, useExisting: PermissionGuard },
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new TestFgsErrorFilter());
    await app.init();
    permissions = app.get(PermissionService);
  });

  afterAll(() => app.close());

  beforeEach(() => {
    permissions.invalidate();
    roles.failing = false;
    roles.lookups = 0;
  });

  const fns = `/v2/${PROJECT}/fgs/functions`;
  const as = (user: string) => ({ 'X-Test-User': user });

  it('lets a role that allows the action through', async () => {
    const res = await request(app.getHttpServer()).get(fns).set(as(USERS.reader));
    expect(res.status).toBe(200);
    expect(res.text).toBe('listed');
  });

  it('answers a denied action with 403 FSS.0403 naming the action', async () => {
    const res = await request(app.getHttpServer()).post(fns).set(as(USERS.reader));
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe('FSS.0403');
    expect(res.body.error_msg).toContain('functiongraph:function:create is not allowed');
  });

  it('denies everything to a user without roles in the project', async () => {
    for (const [method, path] of [
      ['get', fns],
      ['post', fns],
      ['post', `${fns}/x/invocations`],
    ] as const) {
      const res = await request(app.getHttpServer())[method](path).set(as(USERS.none));
      expect(res.status).toBe(403);
    }
  });

  it('gives FullAccess every FunctionGraph action, and agency principals FullAccess', async () => {
    for (const user of [USERS.full, 'agency:fgs_invoker']) {
      expect((await request(app.getHttpServer()).post(fns).set(as(user))).status).toBe(201);
      expect((await request(app.getHttpServer()).post(`${fns}/x/invocations`).set(as(user))).status).toBe(
        201,
      );
    }
    const res = await request(app.getHttpServer()).post('/v3/things').set(as('agency:fgs_invoker'));
    expect(res.status).toBe(403);
  });

  it('refuses a /v2 route that declares no action (fail closed), even for an administrator', async () => {
    const res = await request(app.getHttpServer()).get(`${fns}/x/undeclared`).set(as(USERS.admin));
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe('FSS.0403');
  });

  it('leaves public routes and routes outside /v2 and /v3 alone', async () => {
    expect((await request(app.getHttpServer()).get('/health/live')).status).toBe(200);
    expect((await request(app.getHttpServer()).get('/v2/public-thing')).status).toBe(200);
  });

  it('answers 401 when a declared route was reached unauthenticated', async () => {
    const res = await request(app.getHttpServer()).get(fns);
    expect(res.status).toBe(401);
    expect(res.body.error_code).toBe('APIGW.0301');
  });

  it('denies IAM routes with the IAM error body', async () => {
    const res = await request(app.getHttpServer()).post('/v3/things').set(as(USERS.full));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: { code: 403, title: 'Forbidden', message: expect.stringContaining('iam:users:createUser') },
    });
    expect((await request(app.getHttpServer()).post('/v3/things').set(as(USERS.admin))).status).toBe(201);
  });

  it('lets self-service routes through with the outcome for the service to apply', async () => {
    const denied = await request(app.getHttpServer()).get('/v3/things').set(as(USERS.reader));
    expect(denied.status).toBe(200);
    expect(denied.body).toEqual({ action: 'iam:credentials:listCredentials', granted: false });
    const admin = await request(app.getHttpServer()).get('/v3/things').set(as(USERS.admin));
    expect(admin.body.granted).toBe(true);
  });

  it('answers 503 when roles cannot be read', async () => {
    roles.failing = true;
    const res = await request(app.getHttpServer()).get(fns).set(as(USERS.reader));
    expect(res.status).toBe(503);
    expect(res.body.error_code).toBe('FSS.0503');
  });

  it('caches roles for 30 s and forgets them when told', async () => {
    now = 1_000_000;
    await request(app.getHttpServer()).get(fns).set(as(USERS.reader));
    await request(app.getHttpServer()).get(fns).set(as(USERS.reader));
    expect(roles.lookups).toBe(1);

    // A grant changed: the cached roles still apply until invalidated or expired.
    roles.grants.set(`${USERS.reader}/${PROJECT}`, ['FunctionGraph FullAccess']);
    expect((await request(app.getHttpServer()).post(fns).set(as(USERS.reader))).status).toBe(403);
    permissions.invalidate({ userId: USERS.reader, projectId: PROJECT });
    expect((await request(app.getHttpServer()).post(fns).set(as(USERS.reader))).status).toBe(201);
    expect(roles.lookups).toBe(2);

    roles.grants.set(`${USERS.reader}/${PROJECT}`, ['FunctionGraph ReadOnlyAccess']);
    now += 30_001;
    expect((await request(app.getHttpServer()).post(fns).set(as(USERS.reader))).status).toBe(403);
    expect(roles.lookups).toBe(3);
  });
});
