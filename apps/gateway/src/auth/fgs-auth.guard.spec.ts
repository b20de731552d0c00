import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { FgsError } from '@ofg/contracts';
import {
  SecretCipher,
  SignatureVerifier,
  TokenService,
  agencyPrincipal,
  credentialSecretAad,
  generateSecurityToken,
  hashSecurityToken,
  signRequest,
  temporaryCredentialSecretAad,
} from '@ofg/security';
import { AuthRequest } from './auth-context';
import { AuthIdentityService } from './auth-identity.service';
import { AuthOptions, DEFAULT_AUTH_OPTIONS } from './auth.options';
import { FgsAuthGuard } from './fgs-auth.guard';
import { Public } from './public.decorator';
import { MemoryRateLimiter, RateLimiter } from './request-rate.limiter';
import { MemoryReplayCache, ReplayCache } from './signature-replay.cache';
import { FakeIdentityRepository } from './testing/fake-identity.repository';
import { FakeTemporaryCredentialRepository } from './testing/fake-temporary-credential.repository';

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
  temporary: FakeTemporaryCredentialRepository;
  guard: FgsAuthGuard;
  tokens: TokenService;
  cipher: SecretCipher;
  userId: string;
  clock: { now: Date };
}

interface FrontDoorDeps {
  replays?: ReplayCache;
  limiter?: RateLimiter;
}

function setup(overrides: Partial<AuthOptions> = {}, deps: FrontDoorDeps = {}): Harness {
  const clock = { now: new Date() };
  const options: AuthOptions = { ...DEFAULT_AUTH_OPTIONS, now: () => clock.now, ...overrides };
  const cipher = new SecretCipher(MASTER_KEY);
  const repo = new FakeIdentityRepository();
  const temporary = new FakeTemporaryCredentialRepository();
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
    new AuthIdentityService(repo, cipher, options, temporary),
    new SignatureVerifier({ maxClockSkewMs: options.maxClockSkewMs }),
    tokens,
    options,
    deps.replays ?? new MemoryReplayCache(() => clock.now.getTime()),
    deps.limiter ?? new MemoryRateLimiter(() => clock.now.getTime()),
  );
  return { repo, temporary, guard, tokens, cipher, userId: user.id, clock };
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

/** Response stand-in that records headers the guard sets (Retry-After). */
class RecordingResponse {
  readonly headers: Record<string, string> = {};
  setHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }
}

function ctx(
  req: AuthRequest,
  handler: (...args: unknown[]) => unknown = FunctionsController.prototype.list,
  cls: new () => unknown = FunctionsController,
  res: RecordingResponse = new RecordingResponse(),
): ExecutionContext {
  return new ExecutionContextHost([req, res, () => undefined], cls, handler);
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
      for (const path of [
        `/V2/${PROJECT}/fgs/functions`,
        `//v2/${PROJECT}/fgs/functions`,
        '/V3/projects',
        '/v3.0/OS-CREDENTIAL/credentials',
        '/V3.0//os-credential/credentials/AK1',
      ]) {
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

  describe('replay protection', () => {
    const invokePath = `/v2/${PROJECT}/fgs/functions/urn:fss:local:${PROJECT}:function:default:f:latest/invocations`;

    it('refuses a second use of a signed POST, PUT and DELETE with 401, but not of a GET', async () => {
      const h = setup();
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const req = (): AuthRequest => signed(h, { method, path: invokePath, body: '{"n":1}' });
        await expect(h.guard.canActivate(ctx(req()))).resolves.toBe(true);
        await expectFgsError(h.guard.canActivate(ctx(req())), 'APIGW.0301', 401, /replayed request/);
      }
      const get = (): AuthRequest => signed(h);
      await expect(h.guard.canActivate(ctx(get()))).resolves.toBe(true);
      await expect(h.guard.canActivate(ctx(get()))).resolves.toBe(true);
    });

    it('remembers a signature for twice the clock skew, so it cannot come back while its date is still accepted', async () => {
      const remembered: number[] = [];
      const cache: ReplayCache = {
        remember: async (_signature, ttlMs) => {
          remembered.push(ttlMs);
          return true;
        },
      };
      const h = setup({}, { replays: cache });
      await h.guard.canActivate(ctx(signed(h, { method: 'POST', path: invokePath, body: '{}' })));
      expect(remembered).toEqual([30 * 60_000]);

      // Signed 14 min in the future, replayed 14 min in the past of its date: both inside ±15 min, 28 min apart.
      const real = setup();
      const date = new Date(real.clock.now.getTime() + 14 * 60_000);
      const req = (): AuthRequest => signed(real, { method: 'POST', path: invokePath, body: '{}', date });
      await expect(real.guard.canActivate(ctx(req()))).resolves.toBe(true);
      real.clock.now = new Date(real.clock.now.getTime() + 28 * 60_000);
      await expectFgsError(real.guard.canActivate(ctx(req())), 'APIGW.0301', 401, /replayed/);
    });

    it('does not burn the signature of a request that failed authentication', async () => {
      const h = setup();
      const bad = signed(h, { method: 'POST', path: invokePath, body: '{"a":1}' });
      bad.rawBody = Buffer.from('{"a":2}');
      await expectFgsError(h.guard.canActivate(ctx(bad)), 'APIGW.0301', 401, /verify aksk/);
      bad.rawBody = Buffer.from('{"a":1}');
      await expect(h.guard.canActivate(ctx(bad))).resolves.toBe(true);
    });

    it('fails closed with 503 when the replay cache is unavailable', async () => {
      const down: ReplayCache = { remember: () => Promise.reject(new Error('ECONNREFUSED')) };
      const h = setup({}, { replays: down });
      await expectFgsError(
        h.guard.canActivate(ctx(signed(h, { method: 'POST', path: invokePath, body: '{}' }))),
        'FSS.0503',
        503,
      );
      await expect(h.guard.canActivate(ctx(signed(h)))).resolves.toBe(true);
    });

    it('can be switched off (REPLAY_PROTECTION=off)', async () => {
      const h = setup({ replayProtection: false });
      const req = (): AuthRequest => signed(h, { method: 'POST', path: invokePath, body: '{}' });
      await expect(h.guard.canActivate(ctx(req()))).resolves.toBe(true);
      await expect(h.guard.canActivate(ctx(req()))).resolves.toBe(true);
    });
  });

  describe('rate limits', () => {
    it('answers 429 FSS.0429 with Retry-After once a key used its burst, and recovers with time', async () => {
      const h = setup({ rateLimitPerSecond: 2, rateLimitBurst: 3 });
      for (let i = 0; i < 3; i++) await expect(h.guard.canActivate(ctx(signed(h)))).resolves.toBe(true);
      const res = new RecordingResponse();
      const req = signed(h);
      await expectFgsError(
        h.guard.canActivate(ctx(req, undefined, undefined, res)),
        'FSS.0429',
        429,
        /2 requests per second per access key/,
      );
      expect(res.headers['retry-after']).toBe('1');
      expect(req.fgsAuth).toBeUndefined();
      h.clock.now = new Date(h.clock.now.getTime() + 500);
      await expect(h.guard.canActivate(ctx(signed(h)))).resolves.toBe(true);
    });

    it('counts access keys and token users separately', async () => {
      const h = setup({ rateLimitPerSecond: 1, rateLimitBurst: 1 });
      const { token } = h.tokens.issue({ userId: h.userId, projectId: PROJECT, domainId: DOMAIN });
      const byToken = (): AuthRequest => plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': token });
      await expect(h.guard.canActivate(ctx(signed(h)))).resolves.toBe(true);
      await expect(h.guard.canActivate(ctx(byToken()))).resolves.toBe(true);
      await expectFgsError(h.guard.canActivate(ctx(byToken())), 'FSS.0429', 429, /per user/);
      await expectFgsError(h.guard.canActivate(ctx(signed(h))), 'FSS.0429', 429, /per access key/);
    });

    it('gives a long wait a Retry-After in whole seconds', async () => {
      const limiter: RateLimiter = { take: async () => ({ allowed: false, retryAfterMs: 2_001 }) };
      const h = setup({}, { limiter });
      const res = new RecordingResponse();
      await expectFgsError(h.guard.canActivate(ctx(signed(h), undefined, undefined, res)), 'FSS.0429', 429);
      expect(res.headers['retry-after']).toBe('3');
    });

    it('does not count requests that fail authentication, and is off at 0', async () => {
      const h = setup({ rateLimitPerSecond: 1, rateLimitBurst: 1 });
      await expectFgsError(h.guard.canActivate(ctx(signed(h, { sk: 'wrong' }))), 'APIGW.0301', 401);
      await expect(h.guard.canActivate(ctx(signed(h)))).resolves.toBe(true);
      const off = setup({ rateLimitPerSecond: 0 });
      for (let i = 0; i < 5; i++) await expect(off.guard.canActivate(ctx(signed(off)))).resolves.toBe(true);
    });

    it('lets requests through when the limiter store is down', async () => {
      const limiter: RateLimiter = { take: () => Promise.reject(new Error('ECONNREFUSED')) };
      const h = setup({}, { limiter });
      await expect(h.guard.canActivate(ctx(signed(h)))).resolves.toBe(true);
    });
  });

  describe('temporary credentials of a function agency', () => {
    const TEMP_AK = 'TEMPAK00000000000001';
    const TEMP_SK = 'tempSecretKey0123456789abcdefghijklmnopq';

    function issue(h: Harness, o: { expiresAt?: Date; projectId?: string } = {}): string {
      const token = generateSecurityToken();
      void h.temporary.create({
        accessKey: TEMP_AK,
        secretKeyCiphertext: h.cipher.encrypt(TEMP_SK, temporaryCredentialSecretAad(TEMP_AK)),
        securityTokenHash: hashSecurityToken(token),
        projectId: o.projectId ?? PROJECT,
        principal: agencyPrincipal('fgs_agency'),
        expiresAt: o.expiresAt ?? new Date(h.clock.now.getTime() + 24 * 3600_000),
      });
      return token;
    }

    const withToken = (h: Harness, securityToken: string, o: SignedOptions = {}): AuthRequest =>
      signed(h, {
        ak: TEMP_AK,
        sk: TEMP_SK,
        ...o,
        headers: { 'X-Security-Token': securityToken, ...o.headers },
      });

    it('accepts a signed request with its X-Security-Token as the agency principal of its project', async () => {
      const h = setup();
      const token = issue(h);
      const req = withToken(h, token);
      await expect(h.guard.canActivate(ctx(req))).resolves.toBe(true);
      expect(req.fgsAuth).toEqual({
        projectId: PROJECT,
        domainId: DOMAIN,
        userId: 'agency:fgs_agency',
        accessKey: TEMP_AK,
        method: 'aksk',
      });
    });

    it('refuses it without the security token, with another one, or with an unsigned one', async () => {
      const h = setup();
      const token = issue(h);
      await expectFgsError(
        h.guard.canActivate(ctx(signed(h, { ak: TEMP_AK, sk: TEMP_SK }))),
        'APIGW.0301',
        401,
        /unknown or disabled access key/,
      );
      await expectFgsError(
        h.guard.canActivate(ctx(withToken(h, generateSecurityToken()))),
        'APIGW.0301',
        401,
        /X-Security-Token/,
      );
      // Signed without the header, which is then added: the token is not covered by the signature.
      const unsigned = signed(h, { ak: TEMP_AK, sk: TEMP_SK });
      unsigned.headers['x-security-token'] = token;
      await expectFgsError(h.guard.canActivate(ctx(unsigned)), 'APIGW.0301', 401, /SignedHeaders/);
    });

    it('refuses a permanent key presented with a security token', async () => {
      const h = setup();
      issue(h);
      await expectFgsError(
        h.guard.canActivate(ctx(signed(h, { headers: { 'X-Security-Token': generateSecurityToken() } }))),
        'APIGW.0301',
        401,
      );
    });

    it('stops working when it expires, even while cached', async () => {
      const h = setup();
      const token = issue(h, { expiresAt: new Date(h.clock.now.getTime() + 10_000) });
      await expect(h.guard.canActivate(ctx(withToken(h, token)))).resolves.toBe(true);
      h.clock.now = new Date(h.clock.now.getTime() + 10_000);
      await expectFgsError(h.guard.canActivate(ctx(withToken(h, token))), 'APIGW.0301', 401);
    });

    it('stops working once its project is gone', async () => {
      const h = setup();
      const token = issue(h);
      h.repo.projects.delete(PROJECT);
      await expectFgsError(h.guard.canActivate(ctx(withToken(h, token))), 'APIGW.0301', 401);
    });

    it('cannot act on another project (404) and is rate limited and replay-checked like any key', async () => {
      const h = setup();
      const token = issue(h);
      await expectFgsError(
        h.guard.canActivate(
          ctx(
            withToken(h, token, {
              path: `/v2/${OTHER_PROJECT}/fgs/functions`,
              headers: { 'X-Project-Id': OTHER_PROJECT },
            }),
          ),
        ),
        'FSS.0404',
        404,
      );
      const post = (): AuthRequest =>
        withToken(h, token, { method: 'POST', path: `/v2/${PROJECT}/x`, body: '{}' });
      await expect(h.guard.canActivate(ctx(post()))).resolves.toBe(true);
      await expectFgsError(h.guard.canActivate(ctx(post())), 'APIGW.0301', 401, /replayed/);
    });

    it('refuses a secret sealed under another AAD (rows cannot be swapped)', async () => {
      const h = setup();
      const token = issue(h);
      h.temporary.rows.get(TEMP_AK)!.secretKeyCiphertext = h.cipher.encrypt(
        TEMP_SK,
        credentialSecretAad(TEMP_AK),
      );
      await expectFgsError(h.guard.canActivate(ctx(withToken(h, token))), 'APIGW.0301', 401);
    });

    it('caches the lookup like permanent keys', async () => {
      const h = setup();
      const token = issue(h);
      await h.guard.canActivate(ctx(withToken(h, token)));
      await h.guard.canActivate(ctx(withToken(h, token)));
      expect(h.temporary.lookups).toBe(1);
    });
  });

  describe('agency tokens', () => {
    const agencyToken = (h: Harness, projectId = PROJECT, domainId = DOMAIN): string =>
      h.tokens.issue({ userId: agencyPrincipal('fgs_agency'), projectId, domainId }).token;

    it('accepts an agency token without a users row while its project exists', async () => {
      const h = setup();
      const req = plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': agencyToken(h) });
      await expect(h.guard.canActivate(ctx(req))).resolves.toBe(true);
      expect(req.fgsAuth).toEqual({
        projectId: PROJECT,
        domainId: DOMAIN,
        userId: 'agency:fgs_agency',
        method: 'token',
      });
      expect(h.repo.calls['findUserById']).toBeUndefined();
    });

    it('binds it to its project and refuses it once the project is gone or for another domain', async () => {
      const h = setup();
      await expectFgsError(
        h.guard.canActivate(
          ctx(plain(`/v2/${OTHER_PROJECT}/fgs/functions`, { 'x-auth-token': agencyToken(h) })),
        ),
        'FSS.0404',
        404,
      );
      await expectFgsError(
        h.guard.canActivate(
          ctx(
            plain(`/v2/${PROJECT}/fgs/functions`, {
              'x-auth-token': agencyToken(h, PROJECT, 'e'.repeat(32)),
            }),
          ),
        ),
        'APIGW.0301',
        401,
      );
      const gone = setup();
      const token = agencyToken(gone);
      gone.repo.projects.delete(PROJECT);
      await expectFgsError(
        gone.guard.canActivate(ctx(plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': token }))),
        'APIGW.0301',
        401,
        /project/,
      );
    });

    it('is not accepted for a user-looking principal that is not an agency', async () => {
      const h = setup();
      const token = h.tokens.issue({ userId: 'agency:', projectId: PROJECT, domainId: DOMAIN }).token;
      await expectFgsError(
        h.guard.canActivate(ctx(plain(`/v2/${PROJECT}/fgs/functions`, { 'x-auth-token': token }))),
        'APIGW.0301',
        401,
      );
    });
  });

  describe('authenticateForProject (APIG triggers with IAM authentication)', () => {
    it('authenticates a signed request outside /v2 for the credential project', async () => {
      const h = setup();
      const req = signed(h, { method: 'POST', path: `/apig/${PROJECT}/g1/echo?x=1`, body: 'hi' });
      await expect(h.guard.authenticateForProject(req, PROJECT)).resolves.toMatchObject({
        projectId: PROJECT,
        userId: h.userId,
        method: 'aksk',
      });
    });

    it('refuses missing credentials with 401 and another project with 403', async () => {
      const h = setup();
      await expectFgsError(
        h.guard.authenticateForProject(plain(`/apig/${PROJECT}/g1/x`), PROJECT),
        'APIGW.0301',
        401,
      );
      const { token } = h.tokens.issue({ userId: h.userId, projectId: PROJECT, domainId: DOMAIN });
      const req = plain(`/apig/${OTHER_PROJECT}/g1/x`, { 'x-auth-token': token });
      await expectFgsError(h.guard.authenticateForProject(req, OTHER_PROJECT), 'FSS.0403', 403);
    });

    it('applies replay protection and the rate limit', async () => {
      const h = setup({ rateLimitPerSecond: 1, rateLimitBurst: 1 });
      const req = signed(h, { method: 'POST', path: `/apig/${PROJECT}/g1/echo`, body: 'once' });
      await h.guard.authenticateForProject(req, PROJECT);
      await expectFgsError(h.guard.authenticateForProject(req, PROJECT), 'APIGW.0301', 401, /replayed/);
      const { token } = h.tokens.issue({ userId: h.userId, projectId: PROJECT, domainId: DOMAIN });
      const byToken = plain(`/apig/${PROJECT}/g1/x`, { 'x-auth-token': token });
      await h.guard.authenticateForProject(byToken, PROJECT);
      await expectFgsError(h.guard.authenticateForProject(byToken, PROJECT), 'FSS.0429', 429);
    });
  });
});
