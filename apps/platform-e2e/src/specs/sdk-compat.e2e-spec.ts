import { createHash, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException';
import { ServiceResponseException } from '@huaweicloud/huaweicloud-sdk-core/exception/ServiceResponseException';
import { Region } from '@huaweicloud/huaweicloud-sdk-core/region/region';
import {
  AsyncInvokeFunctionRequest,
  BatchDeleteFunctionTriggersRequest,
  CreateFunctionRequest,
  CreateFunctionRequestBody,
  CreateFunctionTriggerRequest,
  CreateFunctionTriggerRequestBody,
  DeleteFunctionRequest,
  DeleteFunctionTriggerRequest,
  FuncCode,
  FunctionGraphClient,
  InvokeFunctionRequest,
  ListFunctionsRequest,
  ListFunctionTriggersRequest,
  ShowFunctionCodeRequest,
  ShowFunctionConfigRequest,
  ShowFunctionTriggerRequest,
  TriggerEventDataRequestBody,
  UpdateFunctionCodeRequest,
  UpdateFunctionCodeRequestBody,
  UpdateFunctionConfigRequest,
  UpdateFunctionConfigRequestBody,
  UpdateTriggerRequest,
  UpdateTriggerRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { Client } from 'pg';
import { zipOf } from '../support/code-fixtures';
import { AuthMode, FgsClient } from '../support/fgs-client';
import { startFileServer } from '../support/file-server';
import {
  KEY_TYPES,
  RESPONSE_SHAPES,
  ResponseShape,
  shapeProblems,
  ShapeName,
} from '../support/response-shapes';
import { officialSdkClient } from '../support/sdk';

/** What one operation answered, whichever way it was sent. */
interface Outcome<T = unknown> {
  status: number;
  body: T;
  errorCode?: string;
  requestId?: string;
}

type Json = Record<string, unknown>;

/** Create-function fields, in wire (snake_case) names. */
interface CreateFields {
  func_name: string;
  package: string;
  runtime: string;
  timeout: number;
  handler: string;
  memory_size: number;
  code_type: string;
  code_filename?: string;
  code_url?: string;
  file?: string;
  user_data?: string;
  description?: string;
}

interface ConfigFields {
  func_name: string;
  runtime: string;
  timeout: number;
  handler: string;
  memory_size: number;
  user_data?: string;
  description?: string;
}

interface TimerFields {
  name: string;
  schedule_type: 'Rate' | 'Cron';
  schedule: string;
  user_event?: string;
}

/** The implemented FunctionGraph operations (contract §3), each driven one way. */
interface FgsDriver {
  createFunction(f: CreateFields): Promise<Outcome>;
  listFunctions(q: { marker?: number; maxitems?: number; package_name?: string }): Promise<Outcome>;
  showFunctionConfig(urn: string): Promise<Outcome>;
  showFunctionCode(urn: string): Promise<Outcome>;
  updateFunctionCode(
    urn: string,
    f: { code_type: string; code_filename?: string; file: string },
  ): Promise<Outcome>;
  updateFunctionConfig(urn: string, f: ConfigFields): Promise<Outcome>;
  invokeFunction(urn: string, event: Json, opts: { version?: 'v0' | 'v1'; tail?: boolean }): Promise<Outcome>;
  asyncInvokeFunction(urn: string, event: Json): Promise<Outcome>;
  createFunctionTrigger(urn: string, timer: TimerFields, status?: 'ACTIVE' | 'DISABLED'): Promise<Outcome>;
  listFunctionTriggers(urn: string): Promise<Outcome>;
  showFunctionTrigger(urn: string, type: string, id: string): Promise<Outcome>;
  updateTrigger(urn: string, type: string, id: string, status: 'ACTIVE' | 'DISABLED'): Promise<Outcome>;
  deleteFunctionTrigger(urn: string, type: string, id: string): Promise<Outcome>;
  batchDeleteFunctionTriggers(urn: string): Promise<Outcome>;
  deleteFunction(urn: string): Promise<Outcome>;
}

/** The SDK types events as maps of objects; any JSON object is what it sends. */
function sdkEvent(event: Json): Record<string, object> {
  return event as Record<string, object>;
}

/** The unchanged official SDK with AK/SK: requests built from its model classes, answers as it returns them. */
class SdkDriver implements FgsDriver {
  constructor(private readonly sdk: FunctionGraphClient) {}

  /** The SDK adds `httpStatusCode` to the parsed body (arrays included) and throws for non-2xx answers. */
  private async run(call: () => Promise<unknown>): Promise<Outcome> {
    try {
      const res = (await call()) as Json & { httpStatusCode: number };
      const status = res.httpStatusCode;
      if (Array.isArray(res)) return { status, body: [...(res as unknown[])] };
      const body: Json = { ...res };
      delete body['httpStatusCode'];
      return { status, body };
    } catch (err) {
      if (!(err instanceof ServiceResponseException)) throw err;
      return {
        status: Number(err.httpStatusCode),
        body: { error_code: err.errorCode, error_msg: err.errorMsg },
        errorCode: err.errorCode,
        requestId: err.requestId,
      };
    }
  }

  createFunction(f: CreateFields): Promise<Outcome> {
    const body = new CreateFunctionRequestBody()
      .withFuncName(f.func_name)
      .withPackage(f.package)
      .withRuntime(f.runtime)
      .withTimeout(f.timeout)
      .withHandler(f.handler)
      .withMemorySize(f.memory_size)
      .withCodeType(f.code_type);
    if (f.code_filename) body.withCodeFilename(f.code_filename);
    if (f.code_url) body.withCodeUrl(f.code_url);
    if (f.file) body.withFuncCode(new FuncCode().withFile(f.file));
    if (f.user_data) body.withUserData(f.user_data);
    if (f.description) body.withDescription(f.description);
    return this.run(() => this.sdk.createFunction(new CreateFunctionRequest().withBody(body)));
  }

  listFunctions(q: { marker?: number; maxitems?: number; package_name?: string }): Promise<Outcome> {
    const req = new ListFunctionsRequest();
    if (q.marker !== undefined) req.withMarker(String(q.marker));
    if (q.maxitems !== undefined) req.withMaxitems(String(q.maxitems));
    if (q.package_name !== undefined) req.withPackageName(q.package_name);
    return this.run(() => this.sdk.listFunctions(req));
  }

  showFunctionConfig(urn: string): Promise<Outcome> {
    return this.run(() => this.sdk.showFunctionConfig(new ShowFunctionConfigRequest().withFunctionUrn(urn)));
  }

  showFunctionCode(urn: string): Promise<Outcome> {
    return this.run(() => this.sdk.showFunctionCode(new ShowFunctionCodeRequest().withFunctionUrn(urn)));
  }

  updateFunctionCode(
    urn: string,
    f: { code_type: string; code_filename?: string; file: string },
  ): Promise<Outcome> {
    const body = new UpdateFunctionCodeRequestBody()
      .withCodeType(f.code_type)
      .withFuncCode(new FuncCode().withFile(f.file));
    if (f.code_filename) body.withCodeFilename(f.code_filename);
    return this.run(() =>
      this.sdk.updateFunctionCode(new UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(body)),
    );
  }

  updateFunctionConfig(urn: string, f: ConfigFields): Promise<Outcome> {
    const body = new UpdateFunctionConfigRequestBody()
      .withFuncName(f.func_name)
      .withRuntime(f.runtime)
      .withTimeout(f.timeout)
      .withHandler(f.handler)
      .withMemorySize(f.memory_size);
    if (f.user_data !== undefined) body.withUserData(f.user_data);
    if (f.description !== undefined) body.withDescription(f.description);
    return this.run(() =>
      this.sdk.updateFunctionConfig(new UpdateFunctionConfigRequest().withFunctionUrn(urn).withBody(body)),
    );
  }

  invokeFunction(
    urn: string,
    event: Json,
    opts: { version?: 'v0' | 'v1'; tail?: boolean },
  ): Promise<Outcome> {
    const req = new InvokeFunctionRequest().withFunctionUrn(urn).withBody(sdkEvent(event));
    if (opts.version) req.withXCFFRequestVersion(opts.version);
    if (opts.tail) req.withXCffLogType('tail');
    return this.run(() => this.sdk.invokeFunction(req));
  }

  asyncInvokeFunction(urn: string, event: Json): Promise<Outcome> {
    return this.run(() =>
      this.sdk.asyncInvokeFunction(
        new AsyncInvokeFunctionRequest().withFunctionUrn(urn).withBody(sdkEvent(event)),
      ),
    );
  }

  createFunctionTrigger(urn: string, timer: TimerFields, status?: 'ACTIVE' | 'DISABLED'): Promise<Outcome> {
    const data = new TriggerEventDataRequestBody()
      .withName(timer.name)
      .withScheduleType(timer.schedule_type)
      .withSchedule(timer.schedule);
    if (timer.user_event !== undefined) data.withUserEvent(timer.user_event);
    const body = new CreateFunctionTriggerRequestBody().withTriggerTypeCode('TIMER').withEventData(data);
    if (status) body.withTriggerStatus(status);
    return this.run(() =>
      this.sdk.createFunctionTrigger(new CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(body)),
    );
  }

  listFunctionTriggers(urn: string): Promise<Outcome> {
    return this.run(() =>
      this.sdk.listFunctionTriggers(new ListFunctionTriggersRequest().withFunctionUrn(urn)),
    );
  }

  showFunctionTrigger(urn: string, type: string, id: string): Promise<Outcome> {
    return this.run(() =>
      this.sdk.showFunctionTrigger(
        new ShowFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode(type).withTriggerId(id),
      ),
    );
  }

  updateTrigger(urn: string, type: string, id: string, status: 'ACTIVE' | 'DISABLED'): Promise<Outcome> {
    return this.run(() =>
      this.sdk.updateTrigger(
        new UpdateTriggerRequest()
          .withFunctionUrn(urn)
          .withTriggerTypeCode(type)
          .withTriggerId(id)
          .withBody(new UpdateTriggerRequestBody().withTriggerStatus(status)),
      ),
    );
  }

  deleteFunctionTrigger(urn: string, type: string, id: string): Promise<Outcome> {
    return this.run(() =>
      this.sdk.deleteFunctionTrigger(
        new DeleteFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode(type).withTriggerId(id),
      ),
    );
  }

  batchDeleteFunctionTriggers(urn: string): Promise<Outcome> {
    return this.run(() =>
      this.sdk.batchDeleteFunctionTriggers(new BatchDeleteFunctionTriggersRequest().withFunctionUrn(urn)),
    );
  }

  deleteFunction(urn: string): Promise<Outcome> {
    return this.run(() => this.sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn)));
  }
}

/**
 * Plain HTTP with an `X-Auth-Token`: the Node SDK 3.1.211 has no token credential type (BasicCredentials signs
 * with AK/SK, optionally with an `X-Security-Token`), so the token path is exercised on the wire as the SDK would
 * lay the requests out (same paths, headers and JSON bodies).
 */
class TokenDriver implements FgsDriver {
  private readonly base: string;

  constructor(
    private readonly http: FgsClient,
    private readonly token: string,
  ) {
    this.base = `/v2/${http.stack.projectId}/fgs`;
  }

  private async run(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Outcome> {
    const res = await this.http.request<Json & { error_code?: string }>(method, `${this.base}${path}`, {
      body,
      headers,
      auth: { kind: 'token', token: this.token },
    });
    return {
      status: res.status,
      body: res.json,
      errorCode: res.status >= 400 ? res.json?.error_code : undefined,
      requestId: res.headers.get('x-request-id') ?? undefined,
    };
  }

  createFunction(f: CreateFields): Promise<Outcome> {
    const { file, ...rest } = f;
    return this.run('POST', '/functions', {
      ...rest,
      ...(file !== undefined ? { func_code: { file } } : {}),
    });
  }

  listFunctions(q: { marker?: number; maxitems?: number; package_name?: string }): Promise<Outcome> {
    const query = new URLSearchParams(
      Object.entries(q)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return this.run('GET', `/functions${query ? `?${query}` : ''}`);
  }

  showFunctionConfig(urn: string): Promise<Outcome> {
    return this.run('GET', `/functions/${urn}/config`);
  }

  showFunctionCode(urn: string): Promise<Outcome> {
    return this.run('GET', `/functions/${urn}/code`);
  }

  updateFunctionCode(
    urn: string,
    f: { code_type: string; code_filename?: string; file: string },
  ): Promise<Outcome> {
    const { file, ...rest } = f;
    return this.run('PUT', `/functions/${urn}/code`, { ...rest, func_code: { file } });
  }

  updateFunctionConfig(urn: string, f: ConfigFields): Promise<Outcome> {
    return this.run('PUT', `/functions/${urn}/config`, f);
  }

  invokeFunction(
    urn: string,
    event: Json,
    opts: { version?: 'v0' | 'v1'; tail?: boolean },
  ): Promise<Outcome> {
    return this.run('POST', `/functions/${urn}/invocations`, event, {
      ...(opts.version ? { 'X-CFF-Request-Version': opts.version } : {}),
      ...(opts.tail ? { 'X-Cff-Log-Type': 'tail' } : {}),
    });
  }

  asyncInvokeFunction(urn: string, event: Json): Promise<Outcome> {
    return this.run('POST', `/functions/${urn}/invocations-async`, event);
  }

  createFunctionTrigger(urn: string, timer: TimerFields, status?: 'ACTIVE' | 'DISABLED'): Promise<Outcome> {
    return this.run('POST', `/triggers/${urn}`, {
      trigger_type_code: 'TIMER',
      event_data: timer,
      ...(status ? { trigger_status: status } : {}),
    });
  }

  listFunctionTriggers(urn: string): Promise<Outcome> {
    return this.run('GET', `/triggers/${urn}`);
  }

  showFunctionTrigger(urn: string, type: string, id: string): Promise<Outcome> {
    return this.run('GET', `/triggers/${urn}/${type}/${id}`);
  }

  updateTrigger(urn: string, type: string, id: string, status: 'ACTIVE' | 'DISABLED'): Promise<Outcome> {
    return this.run('PUT', `/triggers/${urn}/${type}/${id}`, { trigger_status: status });
  }

  deleteFunctionTrigger(urn: string, type: string, id: string): Promise<Outcome> {
    return this.run('DELETE', `/triggers/${urn}/${type}/${id}`);
  }

  batchDeleteFunctionTriggers(urn: string): Promise<Outcome> {
    return this.run('DELETE', `/triggers/${urn}`);
  }

  deleteFunction(urn: string): Promise<Outcome> {
    return this.run('DELETE', `/functions/${urn}`);
  }
}

const suffix = Date.now().toString(36);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const source = (version: number): string =>
  `exports.handler = async (event, context) => {
  console.log('compat log ' + context.getRequestID());
  return { echo: event, mark: process.env.COMPAT_MARK || '', version: ${version} };
};`;

function expectShape(name: ShapeName, body: unknown, without?: string[]): void {
  expect(shapeProblems(name, body, { without })).toEqual([]);
}

/** Signed requests are unique by their second-resolution X-Sdk-Date: a deliberate repeat waits for the next one. */
async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
}

/** The async ledger row of a request once it is final. */
async function waitForAsyncResult(
  databaseUrl: string,
  requestId: string,
  timeoutMs: number,
): Promise<{ status: string; result: string }> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const { rows } = await db.query<{ status: string; result: string }>(
        'SELECT status, result FROM invocations WHERE request_id = $1',
        [requestId],
      );
      if (rows[0] && ['SUCCESS', 'FAIL', 'DISCARD'].includes(rows[0].status)) return rows[0];
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`async request ${requestId} did not finish within ${timeoutMs} ms`);
  } finally {
    await db.end();
  }
}

describe('response shapes table', () => {
  it('documents every omitted, optional or extra key against the spec list', () => {
    for (const [name, shape] of Object.entries(RESPONSE_SHAPES) as [string, ResponseShape][]) {
      const spec = new Set<string>(shape.spec);
      const extra = new Set(Object.keys(shape.extra ?? {}));
      const misplaced = [
        ...Object.keys(shape.omitted).filter((k) => !spec.has(k)),
        ...(shape.optional ?? []).filter((k) => !spec.has(k) && !extra.has(k)),
        ...[...extra].filter((k) => spec.has(k)),
        ...[...spec, ...extra].filter((k) => !(k in shape.omitted) && !(k in KEY_TYPES)),
      ];
      expect(`${name}: ${misplaced.join(', ')}`).toBe(`${name}: `);
    }
  });

  it('reports missing, mistyped, unexpected and omitted keys', () => {
    expect(shapeProblems('asyncInvokeFunction', {})).toEqual(['asyncInvokeFunction: missing request_id']);
    expect(shapeProblems('asyncInvokeFunction', { request_id: 7 })).toEqual([
      'asyncInvokeFunction: request_id should be string, is integer',
    ]);
    expect(shapeProblems('asyncInvokeFunction', { request_id: 'r', status: 1 })).toEqual([
      'asyncInvokeFunction: unexpected key status',
    ]);
    expect(shapeProblems('updateFunctionCode', { code_encrypt_kms_key_id: '' })).toContain(
      'updateFunctionCode: code_encrypt_kms_key_id is documented as omitted but was sent',
    );
    expect(shapeProblems('showFunctionCode', { func_code: { file: 1 } })).toContain(
      'showFunctionCode: func_code.file should be string, is integer',
    );
    expect(shapeProblems('trigger', [])).toEqual(['trigger: expected a JSON object, got array']);
  });
});

const MODES = [
  ['the official SDK with AK/SK', 'sdk'],
  ['plain HTTP with an X-Auth-Token', 'token'],
] as const;

describe.each(MODES)('every implemented operation through %s', (_label, mode) => {
  const http = new FgsClient();
  const region = http.stack.region;
  const project = http.stack.projectId;
  const prefix = `${mode === 'sdk' ? 'sk' : 'tk'}-${suffix}`;
  const pkg = `pg-${prefix}`;
  const names = { zip: `${prefix}-zip`, inline: `${prefix}-inline`, obs: `${prefix}-obs` };
  const urnOf = (name: string, p = 'default', qualifier?: string): string =>
    `urn:fss:${region}:${project}:function:${p}:${name}${qualifier ? `:${qualifier}` : ''}`;
  const latest = (name: string, p = 'default'): string => urnOf(name, p, 'latest');
  const obsFiles = new Map<string, Buffer>();
  let driver: FgsDriver;
  let plainAuth: AuthMode;
  let codeServer: { server: Server; url: string };
  let eventNo = 0;
  // Every event is distinct, so no two signed invocations are byte-identical.
  const event = (extra: Json = {}): Json => ({ n: ++eventNo, mode, ...extra });

  const create = (name: string, fields: Partial<CreateFields>): CreateFields => ({
    func_name: name,
    package: 'default',
    runtime: 'Node.js20.15',
    timeout: 30,
    handler: 'index.handler',
    memory_size: 128,
    code_type: 'zip',
    ...fields,
  });

  beforeAll(async () => {
    if (mode === 'sdk') {
      driver = new SdkDriver(officialSdkClient(http.stack));
      plainAuth = { kind: 'aksk' };
    } else {
      const token = await http.token();
      driver = new TokenDriver(http, token);
      plainAuth = { kind: 'token', token };
    }
    codeServer = await startFileServer(obsFiles);
  });

  afterAll(async () => {
    await new Promise((r) => codeServer.server.close(r));
  });

  it('createFunction with a zip package', async () => {
    const zip = await zipOf({ 'index.js': source(1) });
    const res = await driver.createFunction(
      create(names.zip, {
        code_filename: 'index.zip',
        file: zip.toString('base64'),
        user_data: JSON.stringify({ COMPAT_MARK: 'zip' }),
        description: 'created by the compatibility suite',
      }),
    );
    expect(res.status).toBe(200);
    expectShape('createFunction', res.body);
    expect(res.body).toMatchObject({
      func_urn: latest(names.zip),
      func_name: names.zip,
      namespace: project,
      package: 'default',
      runtime: 'Node.js20.15',
      timeout: 30,
      handler: 'index.handler',
      memory_size: 128,
      cpu: 300,
      code_type: 'zip',
      code_filename: 'index.zip',
      code_size: zip.length,
      digest: createHash('sha512').update(zip).digest('hex'),
      version: 'latest',
      user_data: JSON.stringify({ COMPAT_MARK: 'zip' }),
      encrypted_user_data: '',
      description: 'created by the compatibility suite',
      type: 'v2',
      strategy_config: { concurrency: -1 },
    });
    expect(String((res.body as Json)['func_id'])).toMatch(UUID);
    expect(String((res.body as Json)['last_modified'])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
  });

  it('createFunction with inline code (Base64 of the source file)', async () => {
    const res = await driver.createFunction(
      create(names.inline, {
        code_type: 'inline',
        file: Buffer.from(source(1)).toString('base64'),
        user_data: JSON.stringify({ COMPAT_MARK: 'inline' }),
      }),
    );
    expect(res.status).toBe(200);
    expectShape('createFunction', res.body);
    expect(res.body).toMatchObject({ func_urn: latest(names.inline), code_type: 'inline' });
    const run = await driver.invokeFunction(latest(names.inline), event(), { version: 'v1' });
    expect(run.status).toBe(200);
    expect(JSON.parse(String((run.body as Json)['result']))).toMatchObject({ mark: 'inline', version: 1 });
  });

  it('createFunction with an obs code_url the gateway downloads', async () => {
    const zip = await zipOf({ 'index.js': source(3) });
    obsFiles.set(`/packages/${names.obs}/code.zip`, zip);
    const codeUrl = `${codeServer.url}/packages/${names.obs}/code.zip`;
    const res = await driver.createFunction(create(names.obs, { code_type: 'obs', code_url: codeUrl }));
    expect(res.status).toBe(200);
    expectShape('createFunction', res.body);
    expect(res.body).toMatchObject({
      func_urn: latest(names.obs),
      code_type: 'obs',
      code_url: codeUrl,
      code_filename: 'code.zip',
      code_size: zip.length,
      digest: createHash('sha512').update(zip).digest('hex'),
    });
    const run = await driver.invokeFunction(latest(names.obs), event(), { version: 'v1' });
    expect(JSON.parse(String((run.body as Json)['result']))).toMatchObject({ version: 3 });
  });

  it('listFunctions pages with marker and maxitems', async () => {
    const zip = (await zipOf({ 'index.js': source(1) })).toString('base64');
    const paged = [1, 2, 3].map((i) => `${prefix}-page${i}`);
    for (const name of paged) {
      const res = await driver.createFunction(
        create(name, { package: pkg, code_filename: 'index.zip', file: zip }),
      );
      expect(res.status).toBe(200);
      expect((res.body as Json)['func_urn']).toBe(latest(name, pkg));
    }
    const first = await driver.listFunctions({ package_name: pkg, maxitems: 2 });
    expect(first.status).toBe(200);
    expectShape('listFunctions', first.body);
    const page1 = first.body as { functions: Json[]; next_marker: number; count: number };
    expect(page1.functions).toHaveLength(2);
    expect(page1.next_marker).toBe(2);
    expect(page1.count).toBe(3);
    const second = await driver.listFunctions({ package_name: pkg, maxitems: 2, marker: page1.next_marker });
    const page2 = second.body as { functions: Json[]; next_marker: number; count: number };
    expect(page2.functions).toHaveLength(1);
    expect(page2.next_marker).toBe(3);
    expect(page2.count).toBe(3);
    const items = [...page1.functions, ...page2.functions];
    expect(items.map((f) => f['func_name']).sort()).toEqual(paged);
    for (const item of items) {
      expectShape('listFunctionsItem', item);
      // List items carry the URN without a qualifier.
      expect(item['func_urn']).toBe(urnOf(String(item['func_name']), pkg));
      expect(item['package']).toBe(pkg);
    }
    const past = await driver.listFunctions({ package_name: pkg, marker: 3 });
    expect(past.body).toMatchObject({ functions: [], next_marker: 3, count: 3 });

    const all = await driver.listFunctions({});
    const everything = all.body as { functions: Json[]; count: number };
    expect(everything.count).toBeGreaterThanOrEqual(6);
    expect(everything.functions.map((f) => f['func_name'])).toEqual(
      expect.arrayContaining([names.zip, names.inline, names.obs, ...paged]),
    );
    for (const name of paged) expect((await driver.deleteFunction(latest(name, pkg))).status).toBe(204);
  });

  it('showFunctionConfig and showFunctionCode', async () => {
    const config = await driver.showFunctionConfig(latest(names.zip));
    expect(config.status).toBe(200);
    expectShape('showFunctionConfig', config.body);
    expect(config.body).toMatchObject({ func_urn: latest(names.zip), timeout: 30, memory_size: 128 });
    // Short forms of the URN resolve to the same function.
    const short = await driver.showFunctionConfig(names.zip);
    expect((short.body as Json)['func_id']).toBe((config.body as Json)['func_id']);

    const code = await driver.showFunctionCode(latest(names.zip));
    expect(code.status).toBe(200);
    expectShape('showFunctionCode', code.body);
    expect(code.body).toMatchObject({
      func_urn: latest(names.zip),
      func_name: names.zip,
      runtime: 'Node.js20.15',
      code_type: 'zip',
      code_filename: 'index.zip',
      digest: (config.body as Json)['digest'],
      code_size: (config.body as Json)['code_size'],
      func_code: { file: '', link: '' },
    });
  });

  it('updateFunctionCode replaces what runs', async () => {
    const before = (await driver.showFunctionCode(latest(names.zip))).body as Json;
    const zip = await zipOf({ 'index.js': source(2) });
    const res = await driver.updateFunctionCode(latest(names.zip), {
      code_type: 'zip',
      code_filename: 'index.zip',
      file: zip.toString('base64'),
    });
    expect(res.status).toBe(200);
    expectShape('updateFunctionCode', res.body);
    expect(res.body).toMatchObject({
      func_urn: latest(names.zip),
      code_size: zip.length,
      digest: createHash('sha512').update(zip).digest('hex'),
    });
    expect((res.body as Json)['digest']).not.toBe(before['digest']);
    const run = await driver.invokeFunction(latest(names.zip), event(), { version: 'v1' });
    expect(JSON.parse(String((run.body as Json)['result']))).toMatchObject({ version: 2 });
  });

  it('updateFunctionConfig changes timeout, memory, user_data and description', async () => {
    const userData = JSON.stringify({ COMPAT_MARK: `updated-${mode}` });
    const res = await driver.updateFunctionConfig(latest(names.zip), {
      func_name: names.zip,
      runtime: 'Node.js20.15',
      timeout: 45,
      handler: 'index.handler',
      memory_size: 256,
      user_data: userData,
      description: `updated through ${mode}`,
    });
    expect(res.status).toBe(200);
    expectShape('updateFunctionConfig', res.body);
    const expected = {
      timeout: 45,
      memory_size: 256,
      cpu: 400,
      user_data: userData,
      description: `updated through ${mode}`,
    };
    expect(res.body).toMatchObject(expected);
    const readBack = await driver.showFunctionConfig(latest(names.zip));
    expect(readBack.body).toMatchObject(expected);
    const run = await driver.invokeFunction(latest(names.zip), event(), { version: 'v1' });
    expect(JSON.parse(String((run.body as Json)['result']))).toMatchObject({ mark: `updated-${mode}` });
  });

  it('invokeFunction v1 with and without the log tail, and v0', async () => {
    const urn = latest(names.zip);
    const tailEvent = event({ tail: true });
    const tail = await driver.invokeFunction(urn, tailEvent, { version: 'v1', tail: true });
    expect(tail.status).toBe(200);
    // The SDK copies the X-Cff-Request-Id header into the object; over plain HTTP it stays a header.
    expectShape('invokeFunction', tail.body, mode === 'sdk' ? [] : ['X-Cff-Request-Id']);
    const v1 = tail.body as { request_id: string; result: string; log: string; status: number } & Json;
    expect(v1.request_id).toMatch(UUID);
    if (mode === 'sdk') expect(v1['X-Cff-Request-Id']).toBe(v1.request_id);
    expect(v1.status).toBe(200);
    expect(JSON.parse(v1.result)).toEqual({ echo: tailEvent, mark: `updated-${mode}`, version: 2 });
    expect(v1.log).toContain(`compat log ${v1.request_id}`);
    expect(v1.log).toContain(`Start invoke request '${v1.request_id}'`);

    const quiet = await driver.invokeFunction(urn, event(), { version: 'v1' });
    expectShape('invokeFunction', quiet.body, mode === 'sdk' ? [] : ['X-Cff-Request-Id']);
    expect((quiet.body as Json)['log']).toBe('');

    const v0Event = event({ v0: true });
    const v0 = await driver.invokeFunction(urn, v0Event, { version: 'v0' });
    expect(v0.status).toBe(200);
    // v0 is the handler's result itself (the SDK parses it because it is JSON text).
    const raw = { ...(v0.body as Json) };
    delete raw['X-Cff-Request-Id'];
    expect(raw).toEqual({ echo: v0Event, mark: `updated-${mode}`, version: 2 });
  });

  it('invokeFunction headers on the wire (plain HTTP with the same credentials)', async () => {
    const urn = latest(names.zip);
    const path = `/v2/${project}/fgs/functions/${urn}/invocations`;
    const withTail = await http.request<{ request_id: string }>('POST', path, {
      auth: plainAuth,
      body: event({ headers: 'tail' }),
      headers: { 'X-CFF-Request-Version': 'v1', 'X-Cff-Log-Type': 'tail' },
    });
    expect(withTail.status).toBe(200);
    const h = withTail.headers;
    expect(h.get('x-cff-request-id')).toBe(withTail.json.request_id);
    expect(h.get('x-cff-response-version')).toBe('v1');
    expect(h.get('x-func-err-code')).toBe('0');
    expect(h.get('x-is-func-err')).toBe('false');
    expect(Number(h.get('x-cff-billing-duration'))).toBeGreaterThanOrEqual(0);
    const summary = JSON.parse(h.get('x-cff-invoke-summary') ?? '{}') as Record<string, unknown>;
    expect(summary).toMatchObject({ memorySize: 256 });
    for (const key of ['duration', 'billingDuration', 'memoryUsed'])
      expect(typeof summary[key]).toBe('number');
    const log = Buffer.from(h.get('x-cff-function-log') ?? '', 'base64').toString('utf8');
    expect(log).toContain(`Finish invoke request '${withTail.json.request_id}'`);

    const noTail = await http.request('POST', path, {
      auth: plainAuth,
      body: event({ headers: 'none' }),
      headers: { 'X-CFF-Request-Version': 'v0' },
    });
    expect(noTail.status).toBe(200);
    expect(noTail.headers.get('x-cff-function-log')).toBeNull();
    expect(noTail.headers.get('x-cff-response-version')).toBe('v0');
    expect(noTail.headers.get('x-cff-request-id')).toMatch(UUID);
  });

  it('asyncInvokeFunction answers 202 with a request_id that then runs', async () => {
    const asyncEvent = event({ async: true });
    const res = await driver.asyncInvokeFunction(latest(names.zip), asyncEvent);
    expect(res.status).toBe(202);
    expectShape('asyncInvokeFunction', res.body);
    const requestId = String((res.body as Json)['request_id']);
    expect(requestId).toMatch(UUID);
    const done = await waitForAsyncResult(http.stack.databaseUrl, requestId, 60_000);
    expect(done.status).toBe('SUCCESS');
    expect(JSON.parse(done.result)).toMatchObject({ echo: asyncEvent, version: 2 });
  });

  it('trigger lifecycle: create (Rate, Cron), list, show, update, delete one, delete all', async () => {
    const urn = latest(names.zip);
    const rate = await driver.createFunctionTrigger(urn, {
      name: `rate-${mode}`,
      schedule_type: 'Rate',
      schedule: '30m',
      user_event: 'rate event',
    });
    expect(rate.status).toBe(201);
    expectShape('trigger', rate.body);
    expect(rate.body).toMatchObject({
      trigger_type_code: 'TIMER',
      trigger_status: 'ACTIVE',
      event_data: { name: `rate-${mode}`, schedule_type: 'Rate', schedule: '30m', user_event: 'rate event' },
    });
    const rateId = String((rate.body as Json)['trigger_id']);
    expect(rateId).toMatch(UUID);

    // Once a year, so it never fires during the run.
    const cron = await driver.createFunctionTrigger(
      urn,
      { name: `cron-${mode}`, schedule_type: 'Cron', schedule: '0 0 0 1 1 *' },
      'DISABLED',
    );
    expect(cron.status).toBe(201);
    expectShape('trigger', cron.body);
    expect(cron.body).toMatchObject({ trigger_status: 'DISABLED', event_data: { schedule_type: 'Cron' } });
    const cronId = String((cron.body as Json)['trigger_id']);

    const list = await driver.listFunctionTriggers(urn);
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body)).toBe(true);
    const listed = list.body as Json[];
    expect(listed.map((t) => t['trigger_id']).sort()).toEqual([rateId, cronId].sort());
    for (const t of listed) expectShape('trigger', t);

    const shown = await driver.showFunctionTrigger(urn, 'TIMER', rateId);
    expect(shown.status).toBe(200);
    expectShape('trigger', shown.body);
    expect(shown.body).toEqual(rate.body);

    const disabled = await driver.updateTrigger(urn, 'TIMER', rateId, 'DISABLED');
    expect(disabled.status).toBe(200);
    expectShape('trigger', disabled.body);
    expect(disabled.body).toMatchObject({ trigger_id: rateId, trigger_status: 'DISABLED' });
    await nextSecond();
    const again = await driver.updateTrigger(urn, 'TIMER', rateId, 'DISABLED');
    expect(again.status).toBe(412);
    expect(again.errorCode).toBe('FSS.1153');
    const enabled = await driver.updateTrigger(urn, 'TIMER', rateId, 'ACTIVE');
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ trigger_id: rateId, trigger_status: 'ACTIVE' });
    expect((await driver.showFunctionTrigger(urn, 'TIMER', rateId)).body).toMatchObject({
      trigger_status: 'ACTIVE',
    });

    const deleted = await driver.deleteFunctionTrigger(urn, 'TIMER', rateId);
    expect(deleted.status).toBe(204);
    const gone = await driver.showFunctionTrigger(urn, 'TIMER', rateId);
    expect(gone.status).toBe(404);
    expect(gone.errorCode).toBe('FSS.1140');
    expect(((await driver.listFunctionTriggers(urn)).body as Json[]).map((t) => t['trigger_id'])).toEqual([
      cronId,
    ]);

    await driver.createFunctionTrigger(urn, {
      name: `rate2-${mode}`,
      schedule_type: 'Rate',
      schedule: '2h',
    });
    const batch = await driver.batchDeleteFunctionTriggers(urn);
    expect(batch.status).toBe(204);
    const empty = await driver.listFunctionTriggers(urn);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);
  });

  it('deleteFunction removes the function, its code and its triggers', async () => {
    await driver.createFunctionTrigger(latest(names.obs), {
      name: `doomed-${mode}`,
      schedule_type: 'Rate',
      schedule: '1h',
    });
    for (const name of Object.values(names)) {
      const res = await driver.deleteFunction(latest(name));
      expect(res.status).toBe(204);
      const gone = await driver.showFunctionConfig(latest(name));
      expect(gone.status).toBe(404);
      expect(gone.errorCode).toBe('FSS.1051');
      expect(gone.body).toEqual({ error_code: 'FSS.1051', error_msg: expect.any(String) });
    }
    const triggers = await driver.listFunctionTriggers(latest(names.obs));
    expect(triggers.status).toBe(404);
  });
});

describe('errors as the official SDK surfaces them', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);

  async function sdkError(call: Promise<unknown>): Promise<ClientRequestException> {
    try {
      await call;
    } catch (err) {
      if (err instanceof ClientRequestException) return err;
      throw err;
    }
    throw new Error('expected a ClientRequestException');
  }

  it('a 404 is a ClientRequestException with FSS.1051, the message and the X-Request-Id', async () => {
    const err = await sdkError(
      sdk.showFunctionConfig(new ShowFunctionConfigRequest().withFunctionUrn(`no-such-${suffix}`)),
    );
    expect(err.httpStatusCode).toBe(404);
    expect(err.errorCode).toBe('FSS.1051');
    expect(String(err.errorMsg)).toMatch(/\S/);
    expect(err.requestId).toMatch(UUID);
  });

  it('each request gets its own X-Request-Id, the same one plain HTTP sees', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const err = await sdkError(
        sdk.showFunctionCode(new ShowFunctionCodeRequest().withFunctionUrn(`no-such-${suffix}-${i}`)),
      );
      ids.add(String(err.requestId));
    }
    expect(ids.size).toBe(3);
    const plain = await http.request('GET', http.fnPath(`no-such-${suffix}`, '/config'));
    expect(plain.status).toBe(404);
    expect(plain.headers.get('x-request-id')).toMatch(UUID);
  });

  it('a bad signature is a ClientRequestException with APIGW.0301', async () => {
    const credentials = new BasicCredentials()
      .withAk(http.stack.ak)
      .withSk(`${http.stack.sk}x`)
      .withProjectId(http.stack.projectId);
    const wrong = FunctionGraphClient.newBuilder()
      .withCredential(credentials)
      .withEndpoint(http.stack.gatewayUrl)
      .withOptions({ customUserAgent: 'openfunctiongraph-e2e' })
      .build();
    const err = await sdkError(wrong.listFunctions(new ListFunctionsRequest()));
    expect(err.httpStatusCode).toBe(401);
    expect(err.errorCode).toBe('APIGW.0301');
    expect(err.requestId).toMatch(UUID);
  });

  it('a validation failure is a ClientRequestException with the field error code', async () => {
    const err = await sdkError(
      sdk.createFunction(
        new CreateFunctionRequest().withBody(
          new CreateFunctionRequestBody()
            .withFuncName(`bad-${suffix}`)
            .withPackage('default')
            .withRuntime('Node.js20.15')
            .withTimeout(1)
            .withHandler('index.handler')
            .withMemorySize(128)
            .withCodeType('inline')
            .withFuncCode(new FuncCode().withFile(Buffer.from(source(1)).toString('base64'))),
        ),
      ),
    );
    expect(err.httpStatusCode).toBe(400);
    expect(err.errorCode).toBe('FSS.1008');
    expect(err.requestId).toMatch(UUID);
  });

  it('an unknown request id is never echoed back: the server picks it', async () => {
    const mine = randomUUID();
    const res = await http.request('GET', http.fnPath(`no-such-${suffix}`, '/config'), {
      headers: { 'X-Request-Id': mine },
    });
    expect(res.headers.get('x-request-id')).not.toBe(mine);
  });
});

describe('the official SDK configured with a region instead of a project id', () => {
  const http = new FgsClient();

  it('looks its project up with GET /v3/projects?name=<region> on the gateway, then works', async () => {
    // Contract §1.2: a region overrides the endpoint, so the region object carries the gateway URL; the
    // project name of the bootstrap project equals the region id, as on Huawei Cloud.
    const credentials = new BasicCredentials()
      .withAk(http.stack.ak)
      .withSk(http.stack.sk)
      .withIamEndpoint(http.stack.gatewayUrl);
    const sdk = FunctionGraphClient.newBuilder()
      .withCredential(credentials)
      .withRegion(new Region(http.stack.region, http.stack.gatewayUrl))
      .withOptions({ customUserAgent: 'openfunctiongraph-e2e' })
      .build();
    const { httpStatusCode, ...body } = (await sdk.listFunctions(
      new ListFunctionsRequest().withMaxitems('1'),
    )) as unknown as Json;
    expect(httpStatusCode).toBe(200);
    expectShape('listFunctions', body);
    expect(credentials.projectId).toBe(http.stack.projectId);
  });
});
