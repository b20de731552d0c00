import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { signRequest } from '@ofg/security';
import { DIST_DIR, WORKSPACE, issueToken, waitForOk } from '@ofg/testing';
import { SOURCES } from '../support/code-fixtures';
import { FgsClient } from '../support/fgs-client';
import { deployFunction } from '../support/functions';

const suffix = Date.now().toString(36);

/** A request signed once, so it can be sent again byte for byte (what an eavesdropper replays). */
function recorded(
  http: FgsClient,
  method: string,
  path: string,
  body = '',
): { url: string; init: RequestInit } {
  const url = `${http.stack.gatewayUrl}${path}`;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Project-Id': http.stack.projectId,
  };
  Object.assign(headers, signRequest({ method, url, headers, body, ak: http.stack.ak, sk: http.stack.sk }));
  return { url, init: { method, headers, ...(body ? { body } : {}) } };
}

describe('front door: replay protection, signed body limit, rate limits', () => {
  const http = new FgsClient();
  const p = http.stack.projectId;
  let urn = '';

  beforeAll(async () => {
    urn = await deployFunction(http, `front-${suffix}`, SOURCES.hostname);
  });

  it('refuses a signed POST sent a second time with 401, and remembers it for the whole skew window', async () => {
    const invoke = recorded(http, 'POST', http.fnPath(urn, '/invocations'), '{"replay":1}');
    const first = await fetch(invoke.url, invoke.init);
    expect(first.status).toBe(200);
    const second = await fetch(invoke.url, invoke.init);
    expect(second.status).toBe(401);
    expect(await second.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: expect.stringMatching(/replayed request/),
    });

    const signature = /Signature=([0-9a-f]{64})/.exec(
      (invoke.init.headers as Record<string, string>)['Authorization'],
    )![1];
    const redis = new Redis(http.stack.redisUrl);
    try {
      const ttl = await redis.pttl(`ofg:replay:${signature}`);
      expect(ttl).toBeGreaterThan(29 * 60_000);
      expect(ttl).toBeLessThanOrEqual(30 * 60_000);
    } finally {
      redis.disconnect();
    }

    // The same call signed in another second is a new request.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const again = recorded(http, 'POST', http.fnPath(urn, '/invocations'), '{"replay":1}');
    expect((await fetch(again.url, again.init)).status).toBe(200);
  });

  it('serves the same signed GET twice (reads are not replay-checked; the SDK retries them)', async () => {
    const list = recorded(http, 'GET', `/v2/${p}/fgs/functions?maxitems=5`);
    expect((await fetch(list.url, list.init)).status).toBe(200);
    expect((await fetch(list.url, list.init)).status).toBe(200);
  });

  it('refuses a signed body over 12 MB with 413, and takes 12 MB exactly', async () => {
    // Valid JSON of an exact size, so only the size can be what is refused.
    const json = (bytes: number): string => `{"pad":"${'x'.repeat(bytes - 10)}"}`;
    expect(Buffer.byteLength(json(100))).toBe(100);
    const over = await http.request('POST', `/v2/${p}/fgs/functions`, {
      rawBody: json(12 * 1024 * 1024 + 1),
    });
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ error_code: 'FSS.0413', error_msg: expect.stringMatching(/12 MB/) });
    // Right at the limit the signature is checked and the body reaches validation (which finds no func_name).
    const atLimit = await http.request('POST', `/v2/${p}/fgs/functions`, { rawBody: json(12 * 1024 * 1024) });
    expect(atLimit.status).toBe(400);
  });

  describe('with a gateway replica limited to 5 requests per second per caller', () => {
    let limited: ChildProcess | undefined;
    let limitedUrl = '';

    beforeAll(async () => {
      const stack = http.stack;
      const port = Number(new URL(stack.gatewayUrl).port) + 5;
      limitedUrl = `http://127.0.0.1:${port}`;
      mkdirSync(stack.logDir, { recursive: true });
      const log = createWriteStream(join(stack.logDir, 'gateway-rate-limited.log'), { flags: 'w' });
      // A second replica on the same Postgres and Redis, started by this test and stopped by it.
      limited = spawn(
        process.execPath,
        ['-r', join(WORKSPACE, 'tools/register-paths.js'), join(DIST_DIR, 'apps/gateway/src/main.js')],
        {
          cwd: WORKSPACE,
          env: {
            ...process.env,
            DATABASE_URL: stack.databaseUrl,
            REDIS_URL: stack.redisUrl,
            OFG_REGION: stack.region,
            OFG_MASTER_KEY: stack.masterKey,
            GATEWAY_PORT: String(port),
            OFG_DEFAULT_PROJECT_ID: stack.projectId,
            OFG_DEFAULT_DOMAIN_ID: stack.domainId,
            OFG_ADMIN_USER: stack.user,
            OFG_ADMIN_PASSWORD: stack.password,
            OFG_ADMIN_AK: stack.ak,
            OFG_ADMIN_SK: stack.sk,
            RATE_LIMIT_PER_SECOND: '5',
            RATE_LIMIT_BURST: '5',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      limited.stdout?.pipe(log);
      limited.stderr?.pipe(log);
      await waitForOk(`${limitedUrl}/health/ready`, 60_000);
    }, 90_000);

    afterAll(async () => {
      if (!limited || limited.exitCode !== null) return;
      const exited = new Promise((resolve) => limited!.once('exit', resolve));
      limited.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
      clearTimeout(timer);
      if (limited.exitCode === null) limited.kill('SIGKILL');
      // Let the shared bucket of the admin key drain before other suites use it.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    });

    const burst = async (send: () => Promise<Response>, n: number): Promise<Response[]> => {
      const out: Response[] = [];
      for (let i = 0; i < n; i++) out.push(await send());
      return out;
    };

    it('answers 429 FSS.0429 with Retry-After to an access key over its limit, then serves it again', async () => {
      const client = new FgsClient({});
      client.stack.gatewayUrl = limitedUrl;
      const send = async (): Promise<Response> => {
        const req = recorded(client, 'GET', `/v2/${p}/fgs/functions`);
        return fetch(req.url, req.init);
      };
      const answers = await burst(send, 12);
      expect(answers[0].status).toBe(200);
      const refused = answers.filter((r) => r.status === 429);
      expect(refused.length).toBeGreaterThanOrEqual(5);
      expect(answers.filter((r) => r.status === 200).length).toBeLessThanOrEqual(7);
      const retryAfter = Number(refused[0].headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(await refused[0].json()).toEqual({
        error_code: 'FSS.0429',
        error_msg: expect.stringMatching(/5 requests per second per access key/),
      });
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      expect((await send()).status).toBe(200);
    });

    it('limits a token user the same way', async () => {
      const token = await issueToken({ ...http.stack, gatewayUrl: limitedUrl });
      const answers = await burst(
        () => fetch(`${limitedUrl}/v2/${p}/fgs/functions`, { headers: { 'X-Auth-Token': token } }),
        12,
      );
      expect(answers[0].status).toBe(200);
      const refused = answers.find((r) => r.status === 429);
      expect(refused?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(await refused?.json()).toMatchObject({ error_code: 'FSS.0429' });
    });
  });
});
