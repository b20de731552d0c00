import {
  CreateFunctionRequest,
  CreateFunctionRequestBody,
  CreateFunctionTriggerRequest,
  CreateFunctionTriggerRequestBody,
  FuncCode,
  ShowFunctionTriggerRequest,
  TriggerEventDataRequestBody,
  UpdateriggerEventData,
  UpdateTriggerRequest,
  UpdateTriggerRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { buildZip } from '@ofg/testing';
import { FgsClient } from '../support/fgs-client';
import { deployFunction } from '../support/functions';
import { officialSdkClient, sdkFailure } from '../support/sdk';
import { seedTenant } from '../support/tenants';

type Json = Record<string, unknown>;

/**
 * A Node.js function behind APIG: `mode=echo` answers the event as JSON with a multi-valued header, `mode=string`
 * a bare string, `mode=throw` fails; otherwise the request body with two bytes appended, Base64-encoded.
 */
const ECHO_FUNCTION = `
exports.handler = async (event) => {
  const mode = (event.queryStringParameters || {}).mode;
  if (mode === 'string') return 'plain string';
  if (mode === 'throw') throw new Error('boom from the function');
  if (mode === 'echo') {
    return { statusCode: 200, isBase64Encoded: false, headers: { 'Content-Type': 'application/json', 'X-Multi': ['a', 'b'] }, body: JSON.stringify(event) };
  }
  const bytes = Buffer.concat([Buffer.from(event.body, 'base64'), Buffer.from([0x00, 0xff])]);
  return { statusCode: 201, isBase64Encoded: true, headers: { 'Content-Type': 'application/octet-stream' }, body: bytes.toString('base64') };
};
`;

const NODE = '/opt/function/runtime/nodejs20.15/rtsp/nodejs/bin/node';

/** An HTTP function (runtime `http`): echoes what its server received, with two cookies. */
const HTTP_SERVER = `const http = require('http');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    res.statusCode = 202;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.end(JSON.stringify({ method: req.method, url: req.url, trace: req.headers['x-trace'], body: Buffer.concat(chunks).toString() }));
  });
}).listen(8000, '127.0.0.1');
`;

describe('APIG triggers', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const suffix = Date.now().toString(36);
  const group = `grp-${suffix}`;
  const triggersOf = (urn: string): string => `/v2/${http.stack.projectId}/fgs/triggers/${urn}`;
  let echoUrn: string;
  let token: string;

  /** APIG event_data as the SDK models it; `overrides` in wire names. */
  function apigData(name: string, path: string, overrides: Json = {}): TriggerEventDataRequestBody {
    const data = new TriggerEventDataRequestBody()
      .withGroupId(group)
      .withEnvId('DEFAULT_ENVIRONMENT_RELEASE_ID')
      .withEnvName('RELEASE')
      .withAuth('NONE')
      .withProtocol('HTTPS')
      .withName(name)
      .withPath(path)
      .withMatchMode('SWA')
      .withReqMethod('ANY')
      .withBackendType('FUNCTION')
      .withType(1)
      .withSlDomain(`${group}.apig.local`);
    return Object.assign(data, overrides);
  }

  async function createApig(
    urn: string,
    data: TriggerEventDataRequestBody,
    status?: 'ACTIVE' | 'DISABLED',
  ): Promise<Json> {
    const body = new CreateFunctionTriggerRequestBody()
      .withTriggerTypeCode('APIG')
      .withEventTypeCode('APICreated')
      .withEventData(data);
    if (status) body.withTriggerStatus(status);
    return (await sdk.createFunctionTrigger(
      new CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(body),
    )) as unknown as Json;
  }

  const apiFields = (trigger: Json): Json => trigger['event_data'] as Json;

  beforeAll(async () => {
    echoUrn = await deployFunction(http, `apig-echo-${suffix}`, ECHO_FUNCTION);
    token = await http.token();
  });

  describe('serving a Node.js function', () => {
    let invokeUrl: string;
    let trigger: Json;

    beforeAll(async () => {
      trigger = await createApig(echoUrn, apigData(`API_echo_${suffix}`, '/echo'));
      invokeUrl = String(apiFields(trigger)['invoke_url']);
    });

    it('answers the trigger with the API fields the platform adds', async () => {
      expect(trigger['trigger_type_code']).toBe('APIG');
      expect(trigger['trigger_status']).toBe('ACTIVE');
      const data = apiFields(trigger);
      expect(data).toMatchObject({
        group_id: group,
        name: `API_echo_${suffix}`,
        api_name: `API_echo_${suffix}`,
        group_name: group,
        triggerid: trigger['trigger_id'],
        path: '/echo',
        req_method: 'ANY',
        auth: 'NONE',
      });
      expect(data['api_id']).toMatch(/^[0-9a-f]{32}$/);
      expect(invokeUrl).toMatch(new RegExp(`/apig/${http.stack.projectId}/${group}/echo$`));
      const shown = (await sdk.showFunctionTrigger(
        new ShowFunctionTriggerRequest()
          .withFunctionUrn(echoUrn)
          .withTriggerTypeCode('APIG')
          .withTriggerId(String(trigger['trigger_id'])),
      )) as unknown as Json;
      expect(apiFields(shown)).toEqual(data);
    });

    it('hands the function the APIG event of a GET with query and headers', async () => {
      const res = await fetch(`${invokeUrl}/sub/path?mode=echo&x=1&x=2&empty=`, {
        headers: { 'X-Custom': 'Value', Accept: 'application/json' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-multi')).toBe('a, b');
      const requestId = res.headers.get('x-cff-request-id');
      expect(requestId).toBeTruthy();
      const event = (await res.json()) as Json;
      expect(event).toMatchObject({
        httpMethod: 'GET',
        path: '/echo/sub/path',
        pathParameters: { '': 'sub/path' },
        queryStringParameters: { mode: 'echo', x: '1', empty: '' },
        isBase64Encoded: true,
        body: '',
        requestContext: {
          apiId: apiFields(trigger)['api_id'],
          requestId,
          stage: 'RELEASE',
        },
      });
      const headers = event['headers'] as Record<string, string>;
      expect(headers['x-custom']).toBe('Value');
      expect(headers['accept']).toBe('application/json');
      for (const name of Object.keys(headers)) expect(name).toBe(name.toLowerCase());
      expect(headers['x-real-ip']).toBe((event['requestContext'] as Json)['sourceIp']);
    });

    it('round-trips a binary POST body through Base64 both ways', async () => {
      const sent = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const res = await fetch(invokeUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: sent,
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.concat([sent, Buffer.from([0x00, 0xff])]));
    });

    it('answers 502 FSS.0502 when the function returns a plain string or fails', async () => {
      const plain = await fetch(`${invokeUrl}?mode=string`);
      expect(plain.status).toBe(502);
      expect(await plain.json()).toMatchObject({ error_code: 'FSS.0502' });
      const failed = await fetch(`${invokeUrl}?mode=throw`, { method: 'PUT', body: 'x' });
      expect(failed.status).toBe(502);
      expect(failed.headers.get('x-func-err-code')).toBe('4001');
      const body = (await failed.json()) as Json;
      expect(body['error_code']).toBe('FSS.0502');
      expect(String(body['error_msg'])).toContain('boom from the function');
    });

    it('answers 404 APIGW.0101 for paths and groups without an API', async () => {
      const base = `${http.stack.gatewayUrl}/apig/${http.stack.projectId}`;
      for (const url of [`${base}/${group}/echoes`, `${base}/${group}/`, `${base}/no-such-group/echo`]) {
        const res = await fetch(url);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ error_code: 'APIGW.0101' });
      }
    });
  });

  it('proxies an HTTP function behind an APIG trigger', async () => {
    const created = (await sdk.createFunction(
      new CreateFunctionRequest().withBody(
        new CreateFunctionRequestBody()
          .withFuncName(`apig-http-${suffix}`)
          .withPackage('default')
          .withRuntime('http')
          .withTimeout(15)
          .withHandler('index.handler')
          .withMemorySize(256)
          .withCodeType('zip')
          .withCodeFilename('code.zip')
          .withFuncCode(
            new FuncCode().withFile(
              (
                await buildZip([
                  { name: 'bootstrap', data: `${NODE} $RUNTIME_CODE_ROOT/server.js\n`, mode: 0o100755 },
                  { name: 'server.js', data: HTTP_SERVER },
                ])
              ).toString('base64'),
            ),
          ),
      ),
    )) as unknown as Json;
    const trigger = await createApig(
      String(created['func_urn']),
      apigData(`API_web_${suffix}`, '/web', { req_method: 'POST' }),
    );
    const res = await fetch(`${String(apiFields(trigger)['invoke_url'])}/orders?verbose=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'X-Trace': 'abc' },
      body: 'order body',
    });
    expect(res.status).toBe(202);
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({
      method: 'POST',
      url: '/web/orders?verbose=1',
      trace: 'abc',
      body: 'order body',
    });
    // The API is POST only.
    expect((await fetch(String(apiFields(trigger)['invoke_url']))).status).toBe(404);
  });

  it('refuses unauthenticated and foreign callers of an IAM API and serves the project', async () => {
    const trigger = await createApig(echoUrn, apigData(`API_iam_${suffix}`, '/secure', { auth: 'IAM' }));
    const url = `${String(apiFields(trigger)['invoke_url'])}?mode=echo`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error_code: 'APIGW.0301' });
    const badToken = await fetch(url, { headers: { 'X-Auth-Token': 'not-a-token' } });
    expect(badToken.status).toBe(401);

    const other = await seedTenant('apig');
    const foreign = await fetch(url, { headers: { 'X-Auth-Token': await other.http.token() } });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ error_code: 'FSS.0403' });

    const withToken = await fetch(url, { headers: { 'X-Auth-Token': token } });
    expect(withToken.status).toBe(200);
    expect((await withToken.json()) as Json).toMatchObject({ path: '/secure' });
    const signed = await http.request('GET', new URL(url).pathname + new URL(url).search);
    expect(signed.status).toBe(200);
  });

  it('does not serve a DISABLED API until it is enabled again', async () => {
    const trigger = await createApig(echoUrn, apigData(`API_off_${suffix}`, '/switch'), 'DISABLED');
    expect(trigger['trigger_status']).toBe('DISABLED');
    const url = `${String(apiFields(trigger)['invoke_url'])}?mode=echo`;
    const update = (status: 'ACTIVE' | 'DISABLED') =>
      sdk.updateTrigger(
        new UpdateTriggerRequest()
          .withFunctionUrn(echoUrn)
          .withTriggerTypeCode('APIG')
          .withTriggerId(String(trigger['trigger_id']))
          .withBody(new UpdateTriggerRequestBody().withTriggerStatus(status)),
      );
    expect((await fetch(url)).status).toBe(404);
    await update('ACTIVE');
    expect((await fetch(url)).status).toBe(200);
    await update('DISABLED');
    const off = await fetch(url);
    expect(off.status).toBe(404);
    expect(await off.json()).toMatchObject({ error_code: 'APIGW.0101' });
  });

  it('merges the SDK update event_data array into a DIS trigger', async () => {
    const created = await http.request<Json>('POST', triggersOf(echoUrn), {
      body: {
        trigger_type_code: 'DIS',
        event_data: { stream_name: `stream-${suffix}`, sharditerator_type: 'LATEST' },
      },
    });
    expect(created.status).toBe(201);
    expect(created.json['event_data']).toEqual({
      stream_name: `stream-${suffix}`,
      sharditerator_type: 'LATEST',
      batch_size: 100,
      polling_interval: 30,
    });
    const updated = (await sdk.updateTrigger(
      new UpdateTriggerRequest()
        .withFunctionUrn(echoUrn)
        .withTriggerTypeCode('DIS')
        .withTriggerId(String(created.json['trigger_id']))
        .withBody(
          new UpdateTriggerRequestBody().withEventData([new UpdateriggerEventData().withPollingInterval(5)]),
        ),
    )) as unknown as Json;
    expect(apiFields(updated)).toMatchObject({ stream_name: `stream-${suffix}`, polling_interval: 5 });
  });

  describe('negative cases of the trigger API', () => {
    // Token auth: replay protection refuses byte-identical signed mutations, and duplicates are exactly that.
    const post = (body: Json, urn = echoUrn) =>
      http.request<Json>('POST', triggersOf(urn), { body, auth: { kind: 'token', token } });
    const apig = (overrides: Json): Json => ({
      trigger_type_code: 'APIG',
      event_data: {
        group_id: `neg-${suffix}`,
        env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID',
        auth: 'NONE',
        protocol: 'HTTP',
        name: `API_neg_${suffix}`,
        path: '/neg',
        match_mode: 'SWA',
        req_method: 'GET',
        backend_type: 'FUNCTION',
        type: 1,
        sl_domain: 'neg.apig.local',
        ...overrides,
      },
    });

    it.each<[string, Json, number, string]>([
      ['APIG without group_id', apig({ group_id: undefined }), 400, 'FSS.1107'],
      ['APIG with APP authentication', apig({ auth: 'APP' }), 400, 'FSS.1107'],
      ['APIG with a backend other than FUNCTION', apig({ backend_type: 'MOCK' }), 400, 'FSS.1107'],
      [
        'DEDICATEDGATEWAY without instance_id',
        { ...apig({}), trigger_type_code: 'DEDICATEDGATEWAY' },
        400,
        'FSS.1107',
      ],
      [
        'TIMER with a bad rate',
        { trigger_type_code: 'TIMER', event_data: { name: 'neg', schedule_type: 'Rate', schedule: '0m' } },
        400,
        'FSS.1109',
      ],
      [
        'DIS with an unknown iterator',
        { trigger_type_code: 'DIS', event_data: { stream_name: 's', sharditerator_type: 'OLDEST' } },
        400,
        'FSS.1104',
      ],
      [
        'DMS without a consumer group',
        { trigger_type_code: 'DMS', event_data: { queue_id: 'q' } },
        400,
        'FSS.1103',
      ],
      [
        'RABBITMQ without an exchange',
        { trigger_type_code: 'RABBITMQ', event_data: { batch_size: 5 } },
        400,
        'FSS.1103',
      ],
      [
        'an unsupported type (DDS)',
        { trigger_type_code: 'DDS', event_data: { instance_id: 'i' } },
        400,
        'FSS.1101',
      ],
      ['an unknown type', { trigger_type_code: 'CARRIER_PIGEON', event_data: {} }, 400, 'FSS.1101'],
    ])('refuses %s', async (_label, body, status, code) => {
      const res = await post(body);
      expect({ status: res.status, code: res.json['error_code'] }).toEqual({ status, code });
    });

    it('refuses duplicates with each type’s code', async () => {
      expect((await post(apig({}))).status).toBe(201);
      const sameName = await post(apig({ path: '/other' }));
      expect({ status: sameName.status, code: sameName.json['error_code'] }).toEqual({
        status: 409,
        code: 'FSS.1147',
      });
      const samePath = await post(apig({ name: `API_neg2_${suffix}`, req_method: 'ANY' }));
      expect({ status: samePath.status, code: samePath.json['error_code'] }).toEqual({
        status: 409,
        code: 'FSS.1146',
      });
      const dms = {
        trigger_type_code: 'DMS',
        event_data: { queue_id: `q-${suffix}`, consumer_group_id: 'g' },
      };
      expect((await post(dms)).status).toBe(201);
      const dmsAgain = await post(dms);
      expect({ status: dmsAgain.status, code: dmsAgain.json['error_code'] }).toEqual({
        status: 409,
        code: 'FSS.1142',
      });
      const dis = {
        trigger_type_code: 'DIS',
        event_data: { stream_name: `dup-${suffix}`, sharditerator_type: 'TRIM_HORIZON' },
      };
      expect((await post(dis)).status).toBe(201);
      const disAgain = await post(dis);
      expect({ status: disAgain.status, code: disAgain.json['error_code'] }).toEqual({
        status: 409,
        code: 'FSS.1143',
      });
    });

    it('answers each type’s not-found code for unknown triggers and FSS.1153 for the current status', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const [type, code] of [
        ['APIG', 'FSS.1138'],
        ['DIS', 'FSS.1134'],
        ['DMS', 'FSS.1133'],
        ['TIMER', 'FSS.1140'],
        ['NOPE', 'FSS.1131'],
      ]) {
        const res = await http.request<Json>('GET', `${triggersOf(echoUrn)}/${type}/${missing}`);
        expect({ type, status: res.status, code: res.json['error_code'] }).toEqual({
          type,
          status: 404,
          code,
        });
      }
      const created = await post({
        trigger_type_code: 'RABBITMQ',
        event_data: { exchange_name: `ex-${suffix}` },
      });
      expect(created.status).toBe(201);
      expect(created.json['event_data']).toEqual({ exchange_name: `ex-${suffix}`, batch_size: 10 });
      const same = await http.request<Json>(
        'PUT',
        `${triggersOf(echoUrn)}/RABBITMQ/${String(created.json['trigger_id'])}`,
        { body: { trigger_status: 'ACTIVE' } },
      );
      expect({ status: same.status, code: same.json['error_code'] }).toEqual({
        status: 412,
        code: 'FSS.1153',
      });
    });

    it('keeps other projects out', async () => {
      const other = await seedTenant('apigneg');
      const foreignPath = await http.request<Json>('GET', `/v2/${other.projectId}/fgs/triggers/${echoUrn}`);
      expect(foreignPath.status).toBe(404);
      const foreignUrn = await other.http.request<Json>(
        'GET',
        `/v2/${other.projectId}/fgs/triggers/${echoUrn}`,
      );
      expect({ status: foreignUrn.status, code: foreignUrn.json['error_code'] }).toEqual({
        status: 404,
        code: 'FSS.1051',
      });
      const sdkCall = await sdkFailure(
        officialSdkClient({
          ...http.stack,
          ak: other.ak,
          sk: other.sk,
          projectId: other.projectId,
        }).createFunctionTrigger(
          new CreateFunctionTriggerRequest()
            .withFunctionUrn(echoUrn)
            .withBody(
              new CreateFunctionTriggerRequestBody()
                .withTriggerTypeCode('APIG')
                .withEventData(apigData(`API_foreign_${suffix}`, '/foreign')),
            ),
        ),
      );
      expect(sdkCall.httpStatusCode).toBe(404);
      expect(sdkCall.errorCode).toBe('FSS.1051');
    });
  });
});
