import { randomBytes } from 'node:crypto';
import { renameEntries } from '@ofg/testing';
import { SOURCES, zipOf } from '../support/code-fixtures';
import { AuthMode, FgsClient } from '../support/fgs-client';
import { deployFunction } from '../support/functions';

interface NegativeCase {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  auth?: AuthMode;
  status: number;
  code?: string;
}

const suffix = Date.now().toString(36);

/** A valid create body to derive invalid ones from. */
async function validCreate(name: string): Promise<Record<string, unknown>> {
  return {
    func_name: name,
    package: 'default',
    runtime: 'Node.js18.15',
    timeout: 10,
    handler: 'index.handler',
    memory_size: 128,
    code_type: 'zip',
    code_filename: 'index.zip',
    func_code: { file: (await zipOf({ 'index.js': SOURCES.hostname })).toString('base64') },
  };
}

/** A zip whose entry escapes its folder; zip writers refuse such names, so the bytes are patched. */
async function zipSlip(): Promise<string> {
  return renameEntries(
    await zipOf({ 'zz/evil.js': 'module.exports = 1;' }),
    'zz/evil.js',
    '../evil.js',
  ).toString('base64');
}

describe('bad input is answered with FunctionGraph error bodies, never a 500', () => {
  const http = new FgsClient();
  const p = http.stack.projectId;
  const fns = `/v2/${p}/fgs/functions`;
  let existingUrn = '';
  let token = '';
  const cases: NegativeCase[] = [];

  beforeAll(async () => {
    token = await http.token();
    existingUrn = await deployFunction(http, `neg-${suffix}`, SOURCES.hostname);
    const base = await validCreate(`neg-new-${suffix}`);
    const create = (
      name: string,
      patch: Record<string, unknown>,
      status: number,
      code: string,
    ): NegativeCase => ({
      name,
      method: 'POST',
      path: fns,
      body: { ...base, ...patch },
      status,
      code,
    });
    const userData21 = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`K${i}`, 'v']));
    cases.push(
      create('name starting with a digit', { func_name: '1abc' }, 400, 'FSS.1002'),
      create('name longer than 60 characters', { func_name: 'a'.repeat(61) }, 400, 'FSS.1002'),
      create('name with a space', { func_name: 'a b' }, 400, 'FSS.1002'),
      create('missing name', { func_name: undefined }, 400, 'FSS.1002'),
      create('unknown runtime', { runtime: 'Cobol85' }, 400, 'FSS.1005'),
      create('runtime not installed here', { runtime: 'Java8' }, 400, 'FSS.1005'),
      create('memory size not offered', { memory_size: 100 }, 400, 'FSS.1007'),
      create('memory size as a string', { memory_size: '128' }, 400, 'FSS.1007'),
      create('timeout below 3 s', { timeout: 2 }, 400, 'FSS.1008'),
      create('timeout above 900 s', { timeout: 901 }, 400, 'FSS.1008'),
      create('handler without a dot', { handler: 'index' }, 400, 'FSS.1003'),
      create('handler longer than 128 characters', { handler: 'a'.repeat(125) + '.run' }, 400, 'FSS.1003'),
      create('unknown code type', { code_type: 'tarball' }, 400, 'FSS.1006'),
      create('user_data that is not a JSON object', { user_data: 'not json' }, 400, 'FSS.1009'),
      create(
        'more than 20 environment variables',
        { user_data: JSON.stringify(userData21) },
        400,
        'FSS.1017',
      ),
      create(
        'environment variables over 4 KB',
        { user_data: JSON.stringify({ BIG: 'x'.repeat(5000) }) },
        400,
        'FSS.1018',
      ),
      create('description over 512 characters', { description: 'd'.repeat(513) }, 400, 'FSS.1019'),
      create(
        'initializer timeout of 0',
        { initializer_handler: 'index.init', initializer_timeout: 0 },
        400,
        'FSS.1405',
      ),
      create('malformed zip', { func_code: { file: randomBytes(300).toString('base64') } }, 400, 'FSS.1011'),
      create('zip entry escaping its folder', { func_code: { file: await zipSlip() } }, 400, 'FSS.1011'),
      create('empty code', { func_code: { file: '' } }, 400, 'FSS.1012'),
      create(
        'inline code over 10 KB',
        { code_type: 'inline', func_code: { file: Buffer.from('x'.repeat(11 * 1024)).toString('base64') } },
        413,
        'FSS.1072',
      ),
      create(
        'obs code URL that is not http(s)',
        { code_type: 'obs', code_url: 'ftp://example.invalid/code.zip', func_code: undefined },
        400,
        'FSS.1010',
      ),
      create('duplicate function name', { func_name: `neg-${suffix}` }, 409, 'FSS.1061'),
      {
        name: 'malformed JSON body',
        method: 'POST',
        path: fns,
        rawBody: '{"func_name": ',
        status: 400,
        code: 'FSS.0400',
      },
      {
        name: 'project of another tenant',
        method: 'GET',
        path: `/v2/${randomBytes(16).toString('hex')}/fgs/functions`,
        status: 404,
      },
      {
        name: 'signature with a wrong secret key',
        method: 'GET',
        path: fns,
        auth: { kind: 'aksk', sk: 'wrong-secret' },
        status: 401,
        code: 'APIGW.0301',
      },
      {
        name: 'unknown access key',
        method: 'GET',
        path: fns,
        auth: { kind: 'aksk', ak: 'NOSUCHKEY0000000000' },
        status: 401,
        code: 'APIGW.0301',
      },
      {
        name: 'stale X-Sdk-Date (20 min)',
        method: 'GET',
        path: fns,
        auth: { kind: 'aksk', date: new Date(Date.now() - 20 * 60_000) },
        status: 401,
        code: 'APIGW.0301',
      },
      {
        name: 'no credentials at all',
        method: 'GET',
        path: fns,
        auth: { kind: 'none' },
        status: 401,
        code: 'APIGW.0301',
      },
      {
        name: 'forged token',
        method: 'GET',
        path: fns,
        auth: { kind: 'token', token: 'MIIforged' + randomBytes(20).toString('hex') },
        status: 401,
        code: 'APIGW.0301',
      },
      {
        name: 'unknown function',
        method: 'GET',
        path: `${fns}/no-such-fn-${suffix}/config`,
        status: 404,
        code: 'FSS.1051',
      },
      {
        name: 'malformed URN',
        method: 'GET',
        path: `${fns}/urn:fss:local/config`,
        status: 400,
        code: 'FSS.1309',
      },
      {
        name: 'URN naming another project',
        method: 'GET',
        path: `${fns}/urn:fss:local:${randomBytes(16).toString('hex')}:function:default:neg-${suffix}:latest/config`,
        status: 404,
        code: 'FSS.1051',
      },
      {
        name: 'invoking an unknown function',
        method: 'POST',
        path: `${fns}/no-such-fn-${suffix}/invocations`,
        body: {},
        status: 404,
        code: 'FSS.1051',
      },
      {
        name: 'list with maxitems=0',
        method: 'GET',
        path: `${fns}?maxitems=0`,
        status: 400,
        code: 'FSS.1001',
      },
      {
        name: 'list with maxitems=401',
        method: 'GET',
        path: `${fns}?maxitems=401`,
        status: 400,
        code: 'FSS.1001',
      },
      {
        name: 'list with a negative marker',
        method: 'GET',
        path: `${fns}?marker=-1`,
        status: 400,
        code: 'FSS.1001',
      },
      {
        name: 'trigger type not supported',
        method: 'POST',
        path: `/v2/${p}/fgs/triggers/${existingUrn}`,
        body: { trigger_type_code: 'DDS', event_data: {} },
        status: 400,
        code: 'FSS.1101',
      },
      {
        name: 'timer rate out of range',
        method: 'POST',
        path: `/v2/${p}/fgs/triggers/${existingUrn}`,
        body: {
          trigger_type_code: 'TIMER',
          event_data: { name: 't1', schedule_type: 'Rate', schedule: '61m' },
        },
        status: 400,
        code: 'FSS.1109',
      },
      {
        name: 'timer cron malformed',
        method: 'POST',
        path: `/v2/${p}/fgs/triggers/${existingUrn}`,
        body: {
          trigger_type_code: 'TIMER',
          event_data: { name: 't2', schedule_type: 'Cron', schedule: '99 * * * * *' },
        },
        status: 400,
        code: 'FSS.1109',
      },
      {
        name: 'unknown timer trigger',
        method: 'GET',
        path: `/v2/${p}/fgs/triggers/${existingUrn}/TIMER/00000000-0000-4000-8000-000000000000`,
        status: 404,
        code: 'FSS.1140',
      },
      { name: 'unknown route', method: 'GET', path: `/v2/${p}/fgs/no-such-thing`, status: 404 },
      {
        name: 'literal {project_id} placeholder',
        method: 'GET',
        path: '/v2/%7Bproject_id%7D/fgs/functions',
        status: 400,
      },
    );
  });

  it('has at least 30 negative cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it('answers each case with the right status and error_code', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const res = await http.request<{ error_code?: string; error_msg?: string }>(c.method, c.path, {
        body: c.body,
        rawBody: c.rawBody,
        headers: c.headers,
        auth: c.auth,
      });
      const ok =
        res.status === c.status &&
        (!c.code || res.json?.error_code === c.code) &&
        typeof res.json?.error_msg === 'string';
      if (!ok)
        failures.push(
          `${c.name}: expected ${c.status} ${c.code ?? ''}, got ${res.status} ${res.text.slice(0, 200)}`,
        );
      expect(res.status).toBeLessThan(500);
    }
    expect(failures).toEqual([]);
  });

  it('rejects payloads over the sync (6 MB) and async (256 KB) limits with 413', async () => {
    const auth: AuthMode = { kind: 'token', token };
    const sync = await http.request<{ error_code: string }>('POST', `${fns}/${existingUrn}/invocations`, {
      auth,
      rawBody: JSON.stringify({ blob: 'x'.repeat(6 * 1024 * 1024) }),
    });
    expect(sync.status).toBe(413);
    expect(sync.json.error_code).toBe('FSS.0413');
    const asyncRes = await http.request<{ error_code: string }>(
      'POST',
      `${fns}/${existingUrn}/invocations-async`,
      {
        auth,
        rawBody: JSON.stringify({ blob: 'x'.repeat(256 * 1024) }),
      },
    );
    expect(asyncRes.status).toBe(413);
    expect(asyncRes.json.error_code).toBe('FSS.0413');
  });
});
