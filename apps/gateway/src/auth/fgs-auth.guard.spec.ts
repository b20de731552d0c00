import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { FgsError } from '@ofg/contracts';
import {
  SecretCipher,
  SignatureVerifier,
  TokenService,
  credentialSecretAad,
  signRequest,
} from '@ofg/security';
import { AuthRequest } from './auth-context';
import { AuthIdentityService } from './auth-identity.service';
import { AuthOptions, DEFAULT_AUTH_OPTIONS } from './auth.options';
import { FgsAuthGuard } from './fgs-auth.guard';
import { Public } from './public.decorator';
import { FakeIdentityRepository } from './testing/fake-identity.repository';

const MASTER_KEY = 'ab'.repeat(32);
const PROJECT = '0123456789abcdef0123456789abcdef';
const OTHER_PROJECT = 'fedcba9876543210fedcba9876543210';
const DOMAIN = 'd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0';
const AK = 'TESTAK00000000000001';
const SK = 'testSecretKey/with+symbols=0123456789ab';
const HOST = 'gw.local:8080';

class FunctionsController {
  list(): string {
    return 'functions';
  }
}
class HealthController {
  @Public()
  live(): string {
    return 'ok';
  }
}

interface Harness {
  repo: FakeIdentityRepository;
  guard: FgsAuthGuard;
  tokens: TokenService;
  userId: string;
  clock: { now: Date };
}

function setup(overrides: Partial<AuthOptions> = {}): Harness {
  const clock = { now: new Date() };
  const options: AuthOptions = { ...DEFAULT_AUTH_OPTIONS, now: () => clock.now, ...overrides };
  const cipher = new SecretCipher(MASTER_KEY);
  const repo = new FakeIdentityRepository();
  repo.addProject({ id: PROJECT, name: 'local', domainId: DOMAIN });
  const user = repo.addUser({ name: 'admin', passwordHash: 'unused', projectId: PROJECT, domainId: DOMAIN });
  repo.addCredential({
    accessKey: AK,
    secretKeyCiphertext: cipher.encrypt(SK, credentialSecretAad(AK)),
    userId: user.id,
    projectId: PROJECT,
  });
  const tokens = new TokenService(MASTER_KEY);
  const guard = new FgsAuthGuard(
    new Reflector(),
    new AuthIdentityService(repo, cipher, options),
    new SignatureVerifier({ maxClockSkewMs: options.maxClockSkewMs }),
    tokens,
    options,
  );
  return { repo, guard, tokens, userId: user.id, clock };
}

interface SignedOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  date?: Date;
  ak?: string;
  sk?: string;
}

function signed(h: Harness, o: SignedOptions = {}): AuthRequest {
  const method = o.method ?? 'GET';
  const path = o.path ?? `/v2/${PROJECT}/fgs/functions?maxitems=10`;
  const body = typeof o.body === 'string' ? Buffer.from(o.body) : (o.body ?? Buffer.alloc(0));
  const headers = { 'Content-Type': 'application/json', 'X-Project-Id': PROJECT, ...o.headers };
  const auth = signRequest({
    method,
    url: `http://${HOST}${path}`,
    headers,
    body,
    ak: o.ak ?? AK,
    sk: o.sk ?? SK,
    date: o.date ?? h.clock.now,
  });
  return {
    method,
    url: path,
    originalUrl: path,
    headers: {
      ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      host: HOST,
      'x-sdk-date': auth['X-Sdk-Date'],
      authorization: auth.Authorization,
      'user-agent': 'huaweicloud-usdk-nodejs/3.0',
    },
    rawBody: body,
  };
}

function plain(path: string, headers: Record<string, string> = {}): AuthRequest {
  return {
    method: 'GET',
    url: path,
    originalUrl: path,
    headers: { host: HOST, ...headers },
    rawBody: Buffer.alloc(0),
  };
}

function ctx(
  req: AuthRequest,
  handler: (...args: unknown[]) => unknown = FunctionsController.prototype.list,
  cls: new () => unknown = FunctionsController,
): ExecutionContext {
  return new ExecutionContextHost([req, {}, () => undefined], cls, handler);
}

async function expectFgsError(
  promise: Promise<unknown>,
  code: string,
  status: number,
  message?: RegExp,
): Promise<FgsError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FgsError);
  const fgs = err as FgsError;
  expect({ code: fgs.code, status: fgs.status }).toEqual({ code, status });
  if (message) expect(fgs.message).toMatch(message);
  return fgs;
}

describe('FgsAuthGuard', () => {
  describe('AK/SK signature', () => {
    it('accepts a valid signature and sets req.fgsAuth', async () => {
      const h = setup();
      const req = signed(h, {
        method: 'POST',
        path: `/v2/${PROJECT}/fgs/functions/urn:fss:local:${PROJECT}:function:default:hello:latest/invocations`,
        body: '{"k":"v"}',
      });
      await expect(h.guard.canActivate(ctx(req))).resolves.toBe(true);
      expect(req.fgsAuth).toEqual({
        projectId: PROJECT,
        domainId: DOMAIN,
        userId: h.userId,
        accessKey: AK,
        method: 'aksk',
      });
    });

    it('rejects a path project other than the credential project with 404', async () => {
      const h = setup();
      const req = signed(h, {
        path: `/v2/${OTHER_PROJECT}/fgs/functions`,
        headers: { 'X-Project-Id': OTHER_PROJECT },
      });
      await expectFgsError(h.guard.canActivate(ctx(req)), 'FSS.0404', 404, new RegExp(OTHER_PROJECT));
      expect(req.fgsAuth).toBeUndefined();
    });

    it('rejects an X-Project-Id that differs from the path project with 404', async () => {
      const h = setup();
      const req = signed(h, { headers: { 'X-Project-Id': OTHER_PROJECT } });
      await expectFgsError(h.guard.canActivate(ctx(req)), 'FSS.0404', 404, /X-Project-Id/);
    });

    it('rejects a stale X-Sdk-Date with 401 APIGW.0301', async () => {
      const h = setup();
      const req = signed(h, { date: new Date(h.clock.now.getTime() - 16 * 60_000) });
      await expectFgsError(h.guard.canActivate(ctx(req)), 'APIGW.0301', 401, /X-Sdk-Date/);
    });

    it('rejects a tampered body with 401 and names the failed check', async () => {
      const h = setup();
      const req = signed(h, { method: 'POST', body: '{"a":1}' });
      req.rawBody = Buffer.from('{"a":2}');
      await expectFgsError(h.guard.canActivate(ctx(req)), 'APIGW.0301', 401, /verify aksk signature fail/);
    });

    it('rejects an unknown access key and a revoked one', async () => {
      const h = setup();
      await expectFgsError(
        h.guard.canActivate(ctx(signed(h, { ak: 'NOSUCHKEY0000000000' }))),
        'APIGW.0301',
        401,
        /unknown or disabled access key/,
      );
      h.repo.credentials.get(AK)!.status = 'revoked';
      await expectFgsError(
        h.guard.canActivate(ctx(signed(h))),
        'APIGW.0301',
        401,
        /unknown or disabled access key/,
      );
    });

    it('rejects the key of a disabled user', async () => {
      const h = setup();
      h.repo.users.get(h.userId)!.enabled = false;
      await expectFgsError(h.guard.canActivate(ctx(signed(h))), 'APIGW.0301', 401);
    });

    it('rejects a secret that was not sealed for this access key', async () => {
      const h = setup();
      h.repo.credentials.get(AK)!.secretKeyCiphertext = new SecretCipher(MASTER_KEY).encrypt(SK);
      await expectFgsError(
        h.guard.canActivate(ctx(signed(h))),
        'APIGW.0301',
        401,
        /unknown or disabled access key/,
      );
    });

    it('caches the decrypted key for 60 s', async () => {
      const h = setup();
      await h.guard.canActivate(ctx(signed(h)));
      await h.guard.canActivate(ctx(signed(h)));
      expect(h.repo.calls['findCredential']).toBe(1);
      h.clock.now = new Date(h.clock.now.getTime() + 61_000);
      await h.guard.canActivate(ctx(signed(h)));
      expect(h.repo.calls['findCredential']).toBe(2);
    });

    it('refuses signed bodies over 12 MB with 413', async () => {
      const h = setup();
      const req = signed(h, { method: 'POST', body: Buffer.alloc(12 * 1024 * 1024 + 1, 0x20) });
      await expectFgsError(h.guard.canActivate(ctx(req)), 'FSS.0413', 413);
    });

    it('answers the literal {project_id} placeholder with 400', async () => {
      const h = setup();
      for (const path of ['/v2/%7Bproject_id%7D/fgs/functions', '/v2/{project_id}/fgs/functions']) {
        await expectFgsError(h.guard.canActivate(ctx(signed(h, { path }))), 'FSS.0400', 400, /withProjectId/);
      }
    });

    it('turns an identity-store failure into 503, not 500', async () => {
      const h = setup();
      h.repo.findCredential = () => Promise.reject(new Error('connection refused'));
      await expectFgsError(h.guard.canActivate(ctx(signed(h))), 'FSS.0503', 503);
    });
  });

  describe('X-Auth-Token', () => {
    it('accepts a valid token and sets req.fgsAuth', async () => {
      const h = setup();
      const { token } = h.tokens.issue({ userId: h.userId, projectId: PROJECT, domainId: DOMAIN });
      const req = plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': token });
      await expect(h.guard.canActivate(ctx(req))).resolves.toBe(true);
      expect(req.fgsAuth).toEqual({
        projectId: PROJECT,
        domainId: DOMAIN,
        userId: h.userId,
        method: 'token',
      });
    });

    it('rejects the token of a disabled user once the 30 s cache expires', async () => {
      const h = setup();
      const { token } = h.tokens.issue({ userId: h.userId, projectId: PROJECT, domainId: DOMAIN });
      await h.guard.canActivate(ctx(plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': token })));
      h.repo.users.get(h.userId)!.enabled = false;
      h.clock.now = new Date(h.clock.now.getTime() + 31_000);
      await expectFgsError(
        h.guard.canActivate(ctx(plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': token }))),
        'APIGW.0301',
        401,
        /disabled/,
      );
    });

    it('rejects the token of a user that no longer exists', async () => {
      const h = setup();
      const { token } = h.tokens.issue({ userId: h.userId, projectId: PROJECT, domainId: DOMAIN });
      h.repo.users.delete(h.userId);
      await expectFgsError(
        h.guard.canActivate(ctx(plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': token }))),
        'APIGW.0301',
        401,
      );
    });

    it('rejects expired and forged tokens', async () => {
      const h = setup();
      const { token } = h.tokens.issue(
        { userId: h.userId, projectId: PROJECT, domainId: DOMAIN },
        1_000,
        new Date(h.clock.now.getTime() - 2_000),
      );
      await expectFgsError(
        h.guard.canActivate(ctx(plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': token }))),
        'APIGW.0301',
        401,
        /invalid or expired/,
      );
      const forged = new TokenService('cd'.repeat(32)).issue({
        userId: h.userId,
        projectId: PROJECT,
        domainId: DOMAIN,
      }).token;
      await expectFgsError(
        h.guard.canActivate(ctx(plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': forged }))),
        'APIGW.0301',
        401,
      );
    });

    it('binds the token to its project', async () => {
      const h = setup();
      const { token } = h.tokens.issue({ userId: h.userId, projectId: PROJECT, domainId: DOMAIN });
      await expectFgsError(
        h.guard.canActivate(ctx(plain(`/v2/${OTHER_PROJECT}/fgs/functions`, { 'x-auth-token': token }))),
        'FSS.0404',
        404,
      );
    });
  });

  describe('routing', () => {
    it('requires credentials under /v2 and names what is missing', async () => {
      const h = setup();
      await expectFgsError(
        h.guard.canActivate(ctx(plain(`/v2/${PROJECT}/fgs/functions`))),
        'APIGW.0301',
        401,
        /missing credentials/,
      );
      await expectFgsError(
        h.guard.canActivate(ctx(plain(`/v2/${PROJECT}/fgs/functions`, { authorization: 'Bearer abc' }))),
        'APIGW.0301',
        401,
        /unsupported Authorization scheme/,
      );
    });

    it('cannot be bypassed with upper-case or doubled slashes (Express routes ignore both)', async () => {
      const h = setup();
      for (const path of [`/V2/${PROJECT}/fgs/functions`, `//v2/${PROJECT}/fgs/functions`, '/V3/projects']) {
        await expectFgsError(h.guard.canActivate(ctx(plain(path))), 'APIGW.0301', 401);
      }
    });

    it('decides on the path Express routes on, not on the raw target', async () => {
      const h = setup();
      const absolute = plain(`http://evil.example/v2/${PROJECT}/fgs/functions`);
      absolute.path = `/v2/${PROJECT}/fgs/functions`;
      await expectFgsError(h.guard.canActivate(ctx(absolute)), 'APIGW.0301', 401);
      const backslashes = plain(`/v2\\${PROJECT}\\fgs\\functions#x`);
      backslashes.path = `/v2/${PROJECT}/fgs/functions`;
      await expectFgsError(h.guard.canActivate(ctx(backslashes)), 'APIGW.0301', 401);
    });

    it('verifies an absolute-form request target against its path and query', async () => {
      const h = setup();
      const req = signed(h);
      req.originalUrl = `http://${HOST}${req.originalUrl}`;
      await expect(h.guard.canActivate(ctx(req))).resolves.toBe(true);
    });

    it('lets public paths, @Public() routes and paths outside /v2 and /v3 through', async () => {
      const h = setup();
      for (const path of ['/v3/auth/tokens', '/health/live', '/metrics', '/docs/json', '/apig/hello', '/']) {
        await expect(h.guard.canActivate(ctx(plain(path)))).resolves.toBe(true);
      }
      await expect(
        h.guard.canActivate(
          ctx(plain(`/v2/${PROJECT}/x`), HealthController.prototype.live, HealthController),
        ),
      ).resolves.toBe(true);
    });

    it('authenticates /v3 routes without binding them to a path project', async () => {
      const h = setup();
      const req = signed(h, { path: '/v3/projects?name=local', headers: { 'X-Project-Id': OTHER_PROJECT } });
      await expect(h.guard.canActivate(ctx(req))).resolves.toBe(true);
      expect(req.fgsAuth?.projectId).toBe(PROJECT);
    });
  });
});
