import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import {
  CreateEventRequest,
  CreateEventRequestBody,
  CreateFunctionRequest,
  CreateTagsRequest,
  DeleteEventRequest,
  DeleteFunctionRequest,
  DeleteTagsRequest,
  ExportFunctionRequest,
  FunctionGraphClient,
  ImportFunctionRequest,
  ImportFunctionRequestBody,
  KvItem,
  ListEnterpriseResourceRequestBody,
  ListEventsRequest,
  ListFunctionTagsRequest,
  ShowEventRequest,
  ShowFunctionConfigRequest,
  ShowProjectTagsListRequest,
  ShowResInstanceInfoRequest,
  ShowTracingRequest,
  UpdateEventRequest,
  UpdateEventRequestBody,
  UpdateFunctionTagsRequestBody,
  UpdateTracingRequest,
  UpdateTracingRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { functionTracingAad, SecretCipher, signRequest } from '@ofg/security';
import { Client } from 'pg';
import * as yauzl from 'yauzl';
import { FgsClient, FgsResponse } from '../support/fgs-client';
import { invokeV1 } from '../support/functions';
import { officialSdkClient, sdkFailure, sdkNodeFunctionBody } from '../support/sdk';
import { SeededTenant, seedTenant } from '../support/tenants';

type Json = Record<string, unknown>;

const SOURCE = `exports.handler = async (event) => ({
  echo: event.word,
  greeting: process.env.GREETING || '',
  secret: process.env.SECRET_X || '',
});`;

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

function expectFgsError(res: FgsResponse<unknown>, status: number, code: string): void {
  expect([res.status, (res.json as Json | undefined)?.['error_code']]).toEqual([status, code]);
}

async function expectSdkError(call: Promise<unknown>, status: number, code: string): Promise<void> {
  const err = await sdkFailure(call);
  expect([err.httpStatusCode, err.errorCode]).toEqual([status, code]);
}

/** The files of a zip, by name. */
function unzip(data: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const files = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr || !stream) return reject(streamErr ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        }),
      );
      zip.readEntry();
    });
  });
}

describe('test events, tracing, tags, import and export', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  // Export answers application/zip: the SDK hands the body over as-is only when axios reads it as bytes.
  const binarySdk = FunctionGraphClient.newBuilder()
    .withCredential(
      new BasicCredentials().withAk(http.stack.ak).withSk(http.stack.sk).withProjectId(http.stack.projectId),
    )
    .withEndpoint(http.stack.gatewayUrl)
    .withOptions({
      customUserAgent: 'openfunctiongraph-e2e',
      axiosRequestConfig: { responseType: 'arraybuffer' },
    })
    .build();
  const suffix = Date.now().toString(36);
  const project = http.stack.projectId;
  let other: SeededTenant;
  let token: string;
  let fnUrn: string;
  let fnId: string;

  beforeAll(async () => {
    other = await seedTenant('lifecycle');
    token = await http.token();
    const created = (await sdk.createFunction(
      new CreateFunctionRequest().withBody(
        (await sdkNodeFunctionBody(`extras-${suffix}`, SOURCE))
          .withUserData(JSON.stringify({ GREETING: 'hi' }))
          .withEncryptedUserData(JSON.stringify({ SECRET_X: `s3cr3t-${suffix}` }))
          .withDescription('lifecycle extras'),
      ),
    )) as unknown as Json;
    fnUrn = String(created['func_urn']);
    fnId = String(created['func_id']);
  });

  // Token auth where a request repeats byte for byte (replay protection refuses repeated signed mutations).
  const asToken = (): { auth: { kind: 'token'; token: string } } => ({ auth: { kind: 'token', token } });
  const eventsPath = (urn: string, id = ''): string =>
    `/v2/${project}/fgs/functions/${urn}/events${id ? `/${id}` : ''}`;

  describe('test events', () => {
    it('creates, lists, shows, updates and deletes events through the SDK', async () => {
      const created = (await sdk.createEvent(
        new CreateEventRequest()
          .withFunctionUrn(fnUrn)
          .withBody(new CreateEventRequestBody().withName('event-1').withContent(b64({ word: 'one' }))),
      )) as unknown as Json;
      expect(created).toMatchObject({ id: expect.any(String), name: 'event-1' });
      const id = String(created['id']);

      const listed = (await sdk.listEvents(new ListEventsRequest().withFunctionUrn(fnUrn))) as unknown as {
        events: Json[];
        count: number;
        next_marker: number;
      };
      expect(listed.count).toBe(1);
      expect(listed.next_marker).toBe(1);
      expect(listed.events).toEqual([{ id, name: 'event-1', last_modified: expect.any(Number) }]);
      expect(Math.abs(Number(listed.events[0]['last_modified']) - Date.now() / 1000)).toBeLessThan(600);

      const shown = (await sdk.showEvent(
        new ShowEventRequest().withFunctionUrn(fnUrn).withEventId(id),
      )) as unknown as Json;
      expect(shown).toMatchObject({ id, name: 'event-1', content: b64({ word: 'one' }) });

      const updated = (await sdk.updateEvent(
        new UpdateEventRequest()
          .withFunctionUrn(fnUrn)
          .withEventId(id)
          .withBody(new UpdateEventRequestBody().withContent(b64({ word: 'two' }))),
      )) as unknown as Json;
      expect(updated).toEqual(expect.objectContaining({ id, name: 'event-1' }));
      const reread = await http.request<Json>('GET', eventsPath(fnUrn, id));
      expect(JSON.parse(Buffer.from(String(reread.json['content']), 'base64').toString())).toEqual({
        word: 'two',
      });

      // The unqualified URN and the short name reach the same events.
      const short = await http.request<{ count: number }>('GET', eventsPath(`extras-${suffix}`));
      expect(short.json.count).toBe(1);

      await sdk.deleteEvent(new DeleteEventRequest().withFunctionUrn(fnUrn).withEventId(id));
      await expectSdkError(
        sdk.showEvent(new ShowEventRequest().withFunctionUrn(fnUrn).withEventId(id)),
        404,
        'FSS.1070',
      );
      expectFgsError(await http.request('DELETE', eventsPath(fnUrn, id), asToken()), 404, 'FSS.1070');
    });

    it('enforces the name rules, the 4 KB size, unique names and 10 events per function', async () => {
      const create = (name: unknown, content: unknown) =>
        http.request<Json>('POST', eventsPath(fnUrn), { body: { name, content }, ...asToken() });
      for (const name of ['9lives', 'a'.repeat(26), 'trailing-', 'bad name', '', 42])
        expectFgsError(await create(name, b64({})), 400, 'FSS.1074');
      expectFgsError(await create('plainjson', '{"word":"raw"}'), 400, 'FSS.1074');
      expectFgsError(await create('notjson', Buffer.from('hello').toString('base64')), 400, 'FSS.1074');
      expectFgsError(await create('nocontent', undefined), 400, 'FSS.1074');
      expectFgsError(await create('toolarge', b64({ pad: 'x'.repeat(4090) })), 403, 'FSS.1069');
      expect((await create('justfits', b64({ pad: 'x'.repeat(4084) }))).status).toBe(200);

      expect((await create(`E${'x'.repeat(24)}`, b64({ n: 1 }))).status).toBe(200);
      expectFgsError(await create(`E${'x'.repeat(24)}`, b64({ n: 2 })), 403, 'FSS.1073');
      for (let i = 3; i <= 10; i += 1) expect((await create(`fill-${i}`, b64({ i }))).status).toBe(200);
      await expectSdkError(
        sdk.createEvent(
          new CreateEventRequest()
            .withFunctionUrn(fnUrn)
            .withBody(new CreateEventRequestBody().withName('eleventh').withContent(b64({ n: 11 }))),
        ),
        403,
        'FSS.1068',
      );
      const list = await http.request<{ count: number }>('GET', eventsPath(fnUrn), asToken());
      expect(list.json.count).toBe(10);
      const first = (list.json as unknown as { events: Json[] }).events[0];
      expectFgsError(
        await http.request('PUT', eventsPath(fnUrn, String(first['id'])), {
          body: { content: 'nope' },
          ...asToken(),
        }),
        400,
        'FSS.1074',
      );
    });

    it('answers unknown functions, events and projects with the spec codes, never a 500', async () => {
      const ghost = `urn:fss:${http.stack.region}:${project}:function:default:ghost-${suffix}:latest`;
      expectFgsError(await http.request('GET', eventsPath(ghost)), 404, 'FSS.1051');
      expectFgsError(
        await http.request('POST', eventsPath(ghost), { body: { name: 'x', content: b64({}) } }),
        404,
        'FSS.1051',
      );
      for (const id of ['not-a-uuid', '3b659dc0-12fc-40dc-aa05-a321d9424cb3']) {
        expectFgsError(await http.request('GET', eventsPath(fnUrn, id)), 404, 'FSS.1070');
        expectFgsError(
          await http.request('PUT', eventsPath(fnUrn, id), { body: { content: b64({ id }) } }),
          404,
          'FSS.1070',
        );
      }
      expectFgsError(
        await http.request('GET', eventsPath(`${fnUrn.replace(/:latest$/, '')}:9`)),
        404,
        'FSS.1052',
      );
      // Another tenant naming this function, and this tenant naming another project.
      expectFgsError(
        await other.http.request('GET', `/v2/${other.projectId}/fgs/functions/${fnUrn}/events`),
        404,
        'FSS.1051',
      );
      expectFgsError(
        await http.request('GET', `/v2/${other.projectId}/fgs/functions/${fnUrn}/events`),
        404,
        'FSS.0404',
      );
    });
  });

  describe('tracing', () => {
    it('stores the key pair sealed, masks the secret, keeps it for the mask and switches off', async () => {
      await expectSdkError(sdk.showTracing(new ShowTracingRequest().withFunctionUrn(fnUrn)), 404, 'FSS.0404');
      const secret = `apm-sk-${suffix}-value`;
      const put = await sdk.updateTracing(
        new UpdateTracingRequest()
          .withFunctionUrn(fnUrn)
          .withBody(new UpdateTracingRequestBody().withTracingAk('APMAK0001').withTracingSk(secret)),
      );
      expect(JSON.stringify(put)).not.toContain(secret);
      const shown = (await sdk.showTracing(
        new ShowTracingRequest().withFunctionUrn(fnUrn),
      )) as unknown as Json;
      expect(shown).toMatchObject({ tracing_ak: 'APMAK0001', tracing_sk: '******' });
      expect(JSON.stringify(shown)).not.toContain(secret);

      // At rest: only a SecretCipher envelope bound to the function.
      const db = new Client({ connectionString: http.stack.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query<{ tracing_sk_ciphertext: string }>(
          'SELECT tracing_sk_ciphertext FROM function_tracing WHERE function_id = $1',
          [fnId],
        );
        expect(rows).toHaveLength(1);
        expect(rows[0].tracing_sk_ciphertext).not.toContain(secret);
        expect(
          new SecretCipher(http.stack.masterKey!).decrypt(
            rows[0].tracing_sk_ciphertext,
            functionTracingAad(fnId),
          ),
        ).toBe(secret);
      } finally {
        await db.end();
      }

      // A read-modify-write with the mask changes the access key only.
      const remasked = await http.request('PUT', `/v2/${project}/fgs/functions/${fnUrn}/tracing`, {
        body: { tracing_ak: 'APMAK0002', tracing_sk: '******' },
      });
      expect(remasked.status).toBe(200);
      expect((await http.request<Json>('GET', `/v2/${project}/fgs/functions/${fnUrn}/tracing`)).json).toEqual(
        { tracing_ak: 'APMAK0002', tracing_sk: '******' },
      );

      // Neither the gateway's logs nor any answer carried the secret.
      const logs = readdirSync(http.stack.logDir)
        .filter((f) => f.startsWith('gateway'))
        .map((f) => readFileSync(join(http.stack.logDir, f), 'utf8'))
        .join('\n');
      expect(logs).not.toContain(secret);

      await sdk.updateTracing(
        new UpdateTracingRequest()
          .withFunctionUrn(fnUrn)
          .withBody(new UpdateTracingRequestBody().withTracingAk('').withTracingSk('')),
      );
      await expectSdkError(sdk.showTracing(new ShowTracingRequest().withFunctionUrn(fnUrn)), 404, 'FSS.0404');
    });

    it('refuses half a key pair, malformed keys, unknown functions and other tenants', async () => {
      const path = `/v2/${project}/fgs/functions/${fnUrn}/tracing`;
      expectFgsError(await http.request('PUT', path, { body: { tracing_ak: 'ONLYAK' } }), 400, 'FSS.0400');
      expectFgsError(await http.request('PUT', path, { body: { tracing_sk: 'only-sk' } }), 400, 'FSS.0400');
      expectFgsError(
        await http.request('PUT', path, { body: { tracing_ak: 'A K', tracing_sk: 's' } }),
        400,
        'FSS.0400',
      );
      expectFgsError(await http.request('PUT', path, { body: ['array'] }), 400, 'FSS.0400');
      const ghost = `/v2/${project}/fgs/functions/ghost-${suffix}/tracing`;
      expectFgsError(await http.request('GET', ghost), 404, 'FSS.1051');
      expectFgsError(
        await http.request('PUT', ghost, { body: { tracing_ak: 'A', tracing_sk: 'B' } }),
        404,
        'FSS.1051',
      );
      expectFgsError(
        await other.http.request('PUT', `/v2/${other.projectId}/fgs/functions/${fnUrn}/tracing`, {
          body: { tracing_ak: 'A', tracing_sk: 'B' },
        }),
        404,
        'FSS.1051',
      );
    });
  });

  describe('tags', () => {
    const tagsPath = (resourceId: string, op = ''): string =>
      `/v2/${project}/functions/${resourceId}/tags${op}`;

    it('tags a function, lists, queries and removes tags through the SDK', async () => {
      await sdk.createTags(
        new CreateTagsRequest()
          .withResourceType('functions')
          .withResourceId(fnId)
          .withBody(
            new UpdateFunctionTagsRequestBody()
              .withAction('create')
              .withTags([
                new KvItem().withKey('env').withValue('dev'),
                new KvItem().withKey(`team-${suffix}`).withValue('payments'),
              ]),
          ),
      );
      const listed = (await sdk.listFunctionTags(
        new ListFunctionTagsRequest().withResourceType('functions').withResourceId(fnId),
      )) as unknown as { tags: Json[]; sys_tags: Json[] };
      expect(listed.tags).toEqual([
        { key: 'env', value: 'dev' },
        { key: `team-${suffix}`, value: 'payments' },
      ]);
      expect(listed.sys_tags).toEqual([{ key: '_sys_enterprise_project_id', value: '0' }]);

      // An existing key takes the new value.
      const overwrite = await http.request('POST', tagsPath(fnId, '/create'), {
        body: { action: 'create', tags: [{ key: 'env', value: 'prod' }] },
      });
      expect(overwrite.status).toBe(204);

      const projectTags = (await sdk.showProjectTagsList(
        new ShowProjectTagsListRequest().withResourceType('functions'),
      )) as unknown as { tags: { key: string; values: string[] }[] };
      expect(projectTags.tags).toEqual(
        expect.arrayContaining([
          { key: 'env', values: ['prod'] },
          { key: `team-${suffix}`, values: ['payments'] },
        ]),
      );

      const filtered = (await sdk.showResInstanceInfo(
        new ShowResInstanceInfoRequest()
          .withResourceType('functions')
          .withAction('filter')
          .withBody(
            new ListEnterpriseResourceRequestBody()
              .withAction('filter')
              .withLimit('10')
              .withOffset('0')
              .withMatches([new KvItem().withKey(`team-${suffix}`).withValue('payments')]),
          ),
      )) as unknown as { resources: Json[]; total_count: number };
      expect(filtered.total_count).toBe(1);
      expect(filtered.resources).toEqual([
        {
          resource_id: fnId,
          resource_name: `extras-${suffix}`,
          resource_detail: { detailId: fnUrn.replace(/:latest$/, '') },
          tags: [
            { key: 'env', value: 'prod' },
            { key: `team-${suffix}`, value: 'payments' },
          ],
          sys_tags: [{ key: '_sys_enterprise_project_id', value: '0' }],
        },
      ]);
      const counted = (await sdk.showResInstanceInfo(
        new ShowResInstanceInfoRequest()
          .withResourceType('functions')
          .withAction('count')
          .withBody(
            new ListEnterpriseResourceRequestBody().withMatches([
              new KvItem().withKey('resource_name').withValue(`EXTRAS-${suffix}`),
            ]),
          ),
      )) as unknown as Json;
      expect(counted).toMatchObject({ total_count: 1 });

      await sdk.deleteTags(
        new DeleteTagsRequest()
          .withResourceType('functions')
          .withResourceId(fnId)
          .withBody(
            new UpdateFunctionTagsRequestBody()
              .withAction('delete')
              .withTags([new KvItem().withKey(`team-${suffix}`).withValue('payments')]),
          ),
      );
      const after = await http.request<{ tags: Json[] }>('GET', tagsPath(fnId));
      expect(after.json.tags).toEqual([{ key: 'env', value: 'prod' }]);
    });

    it('caps tags at 20, checks keys and values, and keeps tenants apart', async () => {
      const twenty = Array.from({ length: 19 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
      expect((await http.request('POST', tagsPath(fnId, '/create'), { body: { tags: twenty } })).status).toBe(
        204,
      );
      expectFgsError(
        await http.request('POST', tagsPath(fnId, '/create'), { body: { tags: [{ key: 'twenty-first' }] } }),
        400,
        'FSS.0400',
      );
      for (const tag of [
        { key: '_sys_x' },
        { key: '' },
        { key: 'k'.repeat(129) },
        { key: 'ok', value: 'bad;value' },
      ])
        expectFgsError(
          await http.request('POST', tagsPath(fnId, '/create'), { body: { tags: [tag] } }),
          400,
          'FSS.0400',
        );
      expectFgsError(
        await http.request('POST', tagsPath(fnId, '/create'), {
          body: { action: 'delete', tags: [{ key: 'a' }] },
        }),
        400,
        'FSS.0400',
      );
      expectFgsError(
        await http.request('POST', `/v2/${project}/functions/resource-instances/list`, { body: {} }),
        400,
        'FSS.0400',
      );
      expectFgsError(
        await http.request('POST', `/v2/${project}/functions/resource-instances/filter`, {
          body: { limit: '5000' },
        }),
        400,
        'FSS.0400',
      );
      expectFgsError(
        await http.request('GET', tagsPath('3b659dc0-12fc-40dc-aa05-a321d9424cb3')),
        404,
        'FSS.1051',
      );
      expectFgsError(await http.request('GET', tagsPath(`ghost-${suffix}`)), 404, 'FSS.1051');
      // Only `functions` can be tagged: another resource type has no route.
      expectFgsError(await http.request('GET', `/v2/${project}/widgets/${fnId}/tags`), 404, 'APIGW.0101');

      // The other tenant neither sees nor changes this function's tags, and its lists hold none of them.
      expectFgsError(
        await other.http.request('GET', `/v2/${other.projectId}/functions/${fnId}/tags`),
        404,
        'FSS.1051',
      );
      expectFgsError(
        await other.http.request('POST', `/v2/${other.projectId}/functions/${fnId}/tags/create`, {
          body: { tags: [{ key: 'evil' }] },
        }),
        404,
        'FSS.1051',
      );
      const theirs = await other.http.request<{ tags: Json[] }>(
        'GET',
        `/v2/${other.projectId}/functions/tags`,
      );
      expect(theirs.json.tags).toEqual([]);
      const theirCount = await other.http.request<Json>(
        'POST',
        `/v2/${other.projectId}/functions/resource-instances/count`,
        { body: { tags: [{ key: 'env' }] } },
      );
      expect(theirCount.json).toEqual({ total_count: 0 });
      expectFgsError(
        await http.request('GET', `/v2/${other.projectId}/functions/${fnId}/tags`),
        404,
        'FSS.0404',
      );
    });
  });

  describe('import and export', () => {
    it('exports a function, deletes it, imports it and invokes it with the same result', async () => {
      const first = await invokeV1(http, fnUrn, { word: 'round-trip' }, false);
      expect(first.status).toBe(200);
      expect(JSON.parse(first.json.result)).toEqual({
        echo: 'round-trip',
        greeting: 'hi',
        secret: `s3cr3t-${suffix}`,
      });
      const configBefore = (await sdk.showFunctionConfig(
        new ShowFunctionConfigRequest().withFunctionUrn(fnUrn),
      )) as unknown as Json;

      const exported = (await binarySdk.exportFunction(
        new ExportFunctionRequest().withFunctionUrn(fnUrn).withConfig(true).withCode(true),
      )) as unknown as { httpStatusCode: number; body: Buffer };
      expect(exported.httpStatusCode).toBe(200);
      const archive = Buffer.from(exported.body);
      const files = await unzip(archive);
      expect([...files.keys()].sort()).toEqual([`extras-${suffix}.yaml`, `extras-${suffix}.zip`]);
      const yaml = files.get(`extras-${suffix}.yaml`)!.toString();
      expect(JSON.parse(yaml)).toMatchObject({
        func_name: `extras-${suffix}`,
        runtime: 'Node.js20.15',
        handler: 'index.handler',
        digest: configBefore['digest'],
        sealed_encrypted_user_data: expect.any(String),
      });
      expect(yaml).not.toContain(`s3cr3t-${suffix}`);
      expect(archive.includes(Buffer.from(`s3cr3t-${suffix}`))).toBe(false);

      // Content type and file name, and the other export shapes.
      const raw = await fetchExport(`code=true&config=true`);
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toBe('application/zip');
      expect(raw.headers.get('content-disposition')).toBe(`attachment; filename="extras-${suffix}.zip"`);
      // Same files; only the sealed variables differ (sealed afresh, with a new IV, by every export).
      const again = await unzip(Buffer.from(await raw.arrayBuffer()));
      expect(again.get(`extras-${suffix}.zip`)!.equals(files.get(`extras-${suffix}.zip`)!)).toBe(true);
      const { sealed_encrypted_user_data: sealedAgain, ...restAgain } = JSON.parse(
        again.get(`extras-${suffix}.yaml`)!.toString(),
      ) as Json;
      const { sealed_encrypted_user_data: sealedFirst, ...restFirst } = JSON.parse(yaml) as Json;
      expect(restAgain).toEqual(restFirst);
      expect(sealedAgain).not.toBe(sealedFirst);
      expect([
        ...(await unzip(Buffer.from(await (await fetchExport('type=code')).arrayBuffer()))).keys(),
      ]).toEqual([`extras-${suffix}.zip`]);
      expect([
        ...(await unzip(Buffer.from(await (await fetchExport('config=true')).arrayBuffer()))).keys(),
      ]).toEqual([`extras-${suffix}.yaml`]);

      await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(fnUrn));
      await expectSdkError(
        sdk.showFunctionConfig(new ShowFunctionConfigRequest().withFunctionUrn(fnUrn)),
        404,
        'FSS.1051',
      );

      const imported = (await sdk.importFunction(
        new ImportFunctionRequest().withBody(
          new ImportFunctionRequestBody()
            .withFuncName(`extras-${suffix}`)
            .withFileName(`extras-${suffix}.zip`)
            .withFileType('zip')
            .withFileCode(archive.toString('base64'))
            .withPackage('default'),
        ),
      )) as unknown as Json;
      expect(imported).toMatchObject({ func_urn: fnUrn, code_type: 'zip' });
      const configAfter = (await sdk.showFunctionConfig(
        new ShowFunctionConfigRequest().withFunctionUrn(fnUrn),
      )) as unknown as Json;
      const same = (c: Json): Json => {
        const { func_id, resource_id, last_modified, image_name, ...rest } = c;
        void func_id;
        void resource_id;
        void last_modified;
        void image_name;
        return rest;
      };
      expect(same(configAfter)).toEqual(same(configBefore));
      expect(configAfter['func_id']).not.toBe(fnId);

      // The same event again, by token (replay protection refuses the same signed request within a second).
      const second = await http.request<{ result: string }>(
        'POST',
        `/v2/${project}/fgs/functions/${fnUrn}/invocations`,
        {
          body: { word: 'round-trip' },
          headers: { 'X-CFF-Request-Version': 'v1' },
          ...asToken(),
        },
      );
      expect(second.status).toBe(200);
      expect(JSON.parse(second.json.result)).toEqual(JSON.parse(first.json.result));
      fnId = String(configAfter['func_id']);

      // Importing again: the name exists.
      await expectSdkError(
        sdk.importFunction(
          new ImportFunctionRequest().withBody(
            new ImportFunctionRequestBody()
              .withFuncName(`extras-${suffix}`)
              .withFileName('again.zip')
              .withFileType('zip')
              .withFileCode(archive.toString('base64')),
          ),
        ),
        409,
        'FSS.1061',
      );
      // Under another name the archive makes a second, independent function.
      const copy = await http.request<Json>('POST', `/v2/${project}/fgs/functions/import`, {
        body: {
          func_name: `copy-${suffix}`,
          file_name: 'a.zip',
          file_type: 'zip',
          file_code: archive.toString('base64'),
        },
      });
      expect(copy.status).toBe(200);
      expect(copy.json).toMatchObject({ func_name: `copy-${suffix}`, digest: configBefore['digest'] });
    });

    it('answers bad exports and imports with the spec codes, never a 500', async () => {
      const ghost = `urn:fss:${http.stack.region}:${project}:function:default:ghost-${suffix}:latest`;
      await expectSdkError(
        sdk.exportFunction(new ExportFunctionRequest().withFunctionUrn(ghost).withConfig(true)),
        404,
        'FSS.1051',
      );
      expectFgsError(
        await http.request('GET', `/v2/${project}/fgs/functions/${fnUrn}/export`),
        400,
        'FSS.1001',
      );
      expectFgsError(
        await http.request('GET', `/v2/${project}/fgs/functions/${fnUrn}/export?type=code&code=true`),
        400,
        'FSS.1001',
      );
      expectFgsError(
        await other.http.request('GET', `/v2/${other.projectId}/fgs/functions/${fnUrn}/export?code=true`),
        404,
        'FSS.1051',
      );

      const good = await fetchExport('code=true&config=true');
      const archive = Buffer.from(await good.arrayBuffer()).toString('base64');
      const imp = (body: Json) => http.request('POST', `/v2/${project}/fgs/functions/import`, { body });
      const base = { func_name: `neg-${suffix}`, file_name: 'f.zip', file_type: 'zip', file_code: archive };
      expectFgsError(await imp({ ...base, file_type: 'rar' }), 400, 'FSS.1013');
      expectFgsError(await imp({ ...base, func_name: '1-bad' }), 400, 'FSS.1002');
      expectFgsError(await imp({ ...base, file_code: '%%%' }), 400, 'FSS.1011');
      expectFgsError(
        await imp({ ...base, file_code: Buffer.from('not a zip').toString('base64') }),
        400,
        'FSS.1011',
      );
      const codeOnly = Buffer.from(await (await fetchExport('type=code')).arrayBuffer()).toString('base64');
      expectFgsError(await imp({ ...base, file_code: codeOnly }), 400, 'FSS.1025');
      const configOnly = Buffer.from(await (await fetchExport('type=config')).arrayBuffer()).toString(
        'base64',
      );
      expectFgsError(await imp({ ...base, file_code: configOnly }), 400, 'FSS.1012');
      const { file_code, ...missing } = base;
      void file_code;
      expectFgsError(await imp(missing), 400, 'FSS.1011');
      // The other tenant imports the archive into its own project: a new function there, nothing here.
      const theirs = await other.http.request<Json>('POST', `/v2/${other.projectId}/fgs/functions/import`, {
        body: { ...base, func_name: `theirs-${suffix}` },
      });
      expect(theirs.status).toBe(200);
      expect(String(theirs.json['func_urn'])).toContain(other.projectId);
      expectFgsError(
        await http.request('GET', `/v2/${project}/fgs/functions/theirs-${suffix}/config`),
        404,
        'FSS.1051',
      );
    });
  });

  /** GET …/export with AK/SK, read as bytes (FgsClient decodes bodies as text). */
  async function fetchExport(query: string): Promise<Response> {
    const url = `${http.stack.gatewayUrl}/v2/${project}/fgs/functions/${fnUrn}/export?${query}`;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    Object.assign(
      headers,
      signRequest({ method: 'GET', url, headers, body: '', ak: http.stack.ak, sk: http.stack.sk }),
    );
    return fetch(url, { headers });
  }
});
