import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { FgsClient, FgsResponse } from '../support/fgs-client';
import { InvokeResult, deployFunction, invokeV1, zipFunctionBody } from '../support/functions';

const suffix = Date.now().toString(36);
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Reports hashes of what it sees, so the secret itself never travels in a result (or a Redis reply). */
const SECRET_READER = `const crypto = require('crypto');
const h = (v) => (typeof v === 'string' ? crypto.createHash('sha256').update(v).digest('hex') : null);
exports.handler = async (event, context) => ({
  env: h(process.env.SECRET_X),
  userData: h(context.getUserData('SECRET_X')),
  runtimeUserData: h(JSON.parse(process.env.RUNTIME_USERDATA || '{}').SECRET_X),
  plain: context.getUserData('PLAIN'),
  token: context.getToken(),
  ak: context.getSecurityAccessKey(),
  sk: context.getSecuritySecretKey(),
  securityToken: context.getSecurityToken(),
});`;

/** The seeds' Example 4: invoke another function of the project with the agency token from the context. */
const CALLER = `exports.handler = async (event, context) => {
  const base = process.env.OFG_API_ENDPOINT;
  const call = async (project, urn) => {
    const res = await fetch(base + '/v2/' + project + '/fgs/functions/' + urn + '/invocations', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-CFF-Request-Version': 'v1',
        'x-auth-token': context.getToken(),
      },
      body: JSON.stringify({ n: 21 }),
    });
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch (e) { body = text; }
    return { status: res.status, body };
  };
  return {
    endpoint: base,
    own: await call(context.getProjectID(), event.targetUrn),
    other: await call(event.otherProject, event.otherUrn),
    credentials: {
      ak: context.getSecurityAccessKey(),
      sk: context.getSecuritySecretKey(),
      securityToken: context.getSecurityToken(),
    },
  };
};`;

const TARGET = `exports.handler = async (event, context) => ({ doubled: event.n * 2, by: context.getFunctionName() });`;

/** Every value in the Redis db of the stack, whatever its type. */
async function allRedisText(redisUrl: string): Promise<string[]> {
  const redis = new Redis(redisUrl);
  const out: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        out.push(key);
        const type = await redis.type(key);
        if (type === 'string') out.push((await redis.get(key)) ?? '');
        else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'list') out.push(...(await redis.lrange(key, 0, -1)));
        else if (type === 'set') out.push(...(await redis.smembers(key)));
        else if (type === 'zset') out.push(...(await redis.zrange(key, 0, -1)));
        else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return out;
}

describe('encrypted user data and agencies', () => {
  const http = new FgsClient();
  const p = http.stack.projectId;
  const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
  let readerUrn = '';

  const expectMasked = (res: FgsResponse, what: string): void => {
    expect({ what, leaked: res.text.includes(secret) }).toEqual({ what, leaked: false });
  };

  beforeAll(async () => {
    const created = await http.request<Record<string, unknown>>('POST', `/v2/${p}/fgs/functions`, {
      body: await zipFunctionBody(`secret-reader-${suffix}`, SECRET_READER, {
        user_data: JSON.stringify({ PLAIN: 'plain-value' }),
        encrypted_user_data: JSON.stringify({ SECRET_X: secret }),
      }),
    });
    expect(created.status).toBe(200);
    expect(created.json['encrypted_user_data']).toBe('******');
    expectMasked(created, 'create');
    readerUrn = String(created.json['func_urn']);
  });

  it('hands the decrypted variables to the function through process.env and context.getUserData', async () => {
    const res = await invokeV1(http, readerUrn, {});
    expect(res.json.status).toBe(200);
    expect(JSON.parse(res.json.result)).toEqual({
      env: sha256(secret),
      userData: sha256(secret),
      runtimeUserData: sha256(secret),
      plain: 'plain-value',
      // No agency: no credentials in the context.
      token: '',
      ak: '',
      sk: '',
      securityToken: '',
    });
    const async = await http.request('POST', http.fnPath(readerUrn, '/invocations-async'), { body: {} });
    expect(async.status).toBe(202);
  });

  it('masks the variables in every API response, and keeps them through a read-modify-write', async () => {
    const config = await http.request<Record<string, unknown>>('GET', http.fnPath(readerUrn, '/config'));
    expect(config.json['encrypted_user_data']).toBe('******');
    expectMasked(config, 'get config');
    expectMasked(await http.request('GET', `/v2/${p}/fgs/functions?maxitems=400`), 'list');
    expectMasked(await http.request('GET', http.fnPath(readerUrn, '/code')), 'get code');

    // The mask GET returned, sent back as is, means "unchanged".
    const updated = await http.request<Record<string, unknown>>('PUT', http.fnPath(readerUrn, '/config'), {
      body: {
        func_name: config.json['func_name'],
        runtime: config.json['runtime'],
        handler: config.json['handler'],
        memory_size: config.json['memory_size'],
        timeout: config.json['timeout'],
        user_data: config.json['user_data'],
        encrypted_user_data: config.json['encrypted_user_data'],
        description: 'still secret',
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.json['encrypted_user_data']).toBe('******');
    expectMasked(updated, 'update config');
    // A different event than before: a byte-identical signed call within the same second would be a replay.
    const after = JSON.parse((await invokeV1(http, readerUrn, { after: 'update' })).json.result) as {
      env: string;
    };
    expect(after.env).toBe(sha256(secret));
  });

  it('lets a function with an agency call another function of its project with context.getToken()', async () => {
    const targetUrn = await deployFunction(http, `agency-target-${suffix}`, TARGET);
    const callerUrn = await deployFunction(http, `agency-caller-${suffix}`, CALLER, { timeout: 30 });
    const withRole = await http.request('PUT', http.fnPath(callerUrn, '/config'), {
      body: {
        func_name: `agency-caller-${suffix}`,
        runtime: 'Node.js20.15',
        handler: 'index.handler',
        memory_size: 128,
        timeout: 30,
        xrole: 'fgs_agency',
      },
    });
    expect(withRole.status).toBe(200);
    const otherProject = randomBytes(16).toString('hex');
    const otherUrn = `urn:fss:${http.stack.region}:${otherProject}:function:default:anything:latest`;

    const res = await invokeV1(http, callerUrn, { targetUrn, otherProject, otherUrn });
    expect(res.json.status).toBe(200);
    const out = JSON.parse(res.json.result) as {
      endpoint: string;
      own: { status: number; body: InvokeResult };
      other: { status: number; body: { error_code?: string } };
      credentials: { ak: string; sk: string; securityToken: string };
    };
    expect(out.endpoint).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:\d+$/);
    expect(out.own.status).toBe(200);
    expect(JSON.parse(out.own.body.result)).toEqual({ doubled: 42, by: `agency-target-${suffix}` });
    expect(out.other).toMatchObject({ status: 404, body: { error_code: 'FSS.0404' } });

    // The temporary AK/SK/security token from the same context sign requests from outside too.
    const { ak, sk, securityToken } = out.credentials;
    expect(ak).toMatch(/^[A-Z0-9]{20}$/);
    const temp = { kind: 'aksk' as const, ak, sk };
    const withToken = { 'X-Security-Token': securityToken };
    const list = await http.request<{ functions: Array<{ func_urn: string }> }>(
      'GET',
      `/v2/${p}/fgs/functions?maxitems=400`,
      { auth: temp, headers: withToken },
    );
    expect(list.status).toBe(200);
    expect(list.json.functions.map((f) => f.func_urn)).toContain(targetUrn.replace(/:latest$/, ''));
    const invoked = await http.request<InvokeResult>('POST', http.fnPath(targetUrn, '/invocations'), {
      auth: temp,
      headers: { ...withToken, 'X-CFF-Request-Version': 'v1' },
      body: { n: 5 },
    });
    expect(invoked.status).toBe(200);
    expect(JSON.parse(invoked.json.result)).toMatchObject({ doubled: 10 });

    const withoutToken = await http.request('GET', `/v2/${p}/fgs/functions`, { auth: temp });
    expect(withoutToken).toMatchObject({ status: 401, json: { error_code: 'APIGW.0301' } });
    const wrongToken = await http.request('GET', `/v2/${p}/fgs/functions`, {
      auth: temp,
      headers: { 'X-Security-Token': `${securityToken.slice(0, -2)}xx` },
    });
    expect(wrongToken.status).toBe(401);
    const elsewhere = await http.request('GET', `/v2/${otherProject}/fgs/functions`, {
      auth: temp,
      headers: { ...withToken, 'X-Project-Id': otherProject },
    });
    expect(elsewhere).toMatchObject({ status: 404, json: { error_code: 'FSS.0404' } });
  });

  it('leaves the secret in no app log and in no Redis key or value', async () => {
    // Let the apps flush what they logged about the invocations above.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const logs = readdirSync(http.stack.logDir).filter((f) => f.endsWith('.log'));
    expect(logs).toEqual(expect.arrayContaining(['gateway.log', 'invoker.log']));
    for (const file of logs) {
      const text = readFileSync(join(http.stack.logDir, file), 'utf8');
      expect({ file, leaked: text.includes(secret) }).toEqual({ file, leaked: false });
    }
    const values = await allRedisText(http.stack.redisUrl);
    expect(values.length).toBeGreaterThan(0);
    expect(values.filter((v) => v.includes(secret))).toEqual([]);
  });
});
