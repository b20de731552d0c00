import {
  CreateFunctionRequest,
  CreateFunctionVersionRequest,
  CreateFunctionVersionRequestBody,
  CreateVersionAliasRequest,
  CreateVersionAliasRequestBody,
  DeleteFunctionRequest,
  DeleteVersionAliasRequest,
  FunctionGraphClient,
  InvokeFunctionRequest,
  ListFunctionVersionsRequest,
  ListVersionAliasesRequest,
  ShowVersionAliasRequest,
  UpdateFunctionCodeRequest,
  UpdateFunctionCodeRequestBody,
  FuncCode,
  UpdateVersionAliasRequest,
  UpdateVersionAliasRequestBody,
  VersionStrategy,
  VersionStrategyRules,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { Client } from 'pg';
import { zipBase64 } from '../support/code-fixtures';
import { FgsClient } from '../support/fgs-client';
import { pollUntil } from '../support/processes';
import { officialSdkClient, sdkFailure, sdkNodeFunctionBody } from '../support/sdk';
import { seedTenant } from '../support/tenants';

/** Each code says which code and which version ran it. */
function source(code: string): string {
  return `exports.handler = async (event, context) => ({ code: '${code}', version: context.getVersion(), n: event.n });`;
}

interface Ran {
  code: string;
  version: string;
  n: number;
}

/** Runs `count` calls of `call(i)` with at most `concurrency` in flight. */
async function pooled<T>(count: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await call(i);
      }
    }),
  );
  return results;
}

describe('function versions and aliases through the official SDK', () => {
  const http = new FgsClient();
  const sdk: FunctionGraphClient = officialSdkClient(http.stack);
  const name = `va-${Date.now().toString(36)}`;
  const latestUrn = http.urn(name);
  const urnOf = (qualifier: string): string => http.urn(name, qualifier);
  const path = (qualifier = 'latest', suffix = ''): string => http.fnPath(urnOf(qualifier), suffix);
  let counter = 0;

  /** Invokes through the SDK (v1 envelope); distinct bodies keep signed calls from looking like replays. */
  async function invoke(qualifier: string, n = counter++): Promise<Ran> {
    const out = (await sdk.invokeFunction(
      new InvokeFunctionRequest()
        .withFunctionUrn(urnOf(qualifier))
        .withXCFFRequestVersion('v1')
        .withBody({ n } as unknown as Record<string, object>),
    )) as unknown as { status: number; result: string };
    expect(out.status).toBe(200);
    return JSON.parse(out.result) as Ran;
  }

  /** 1,000 sync invocations of the alias, 16 at a time; the share each code got. */
  async function split(alias: string): Promise<Record<string, number>> {
    const runs = await pooled(1000, 16, () => invoke(`!${alias}`));
    const counts: Record<string, number> = {};
    for (const r of runs) counts[`${r.code}@${r.version}`] = (counts[`${r.code}@${r.version}`] ?? 0) + 1;
    return counts;
  }

  async function setCode(code: string): Promise<void> {
    await sdk.updateFunctionCode(
      new UpdateFunctionCodeRequest().withFunctionUrn(latestUrn).withBody(
        new UpdateFunctionCodeRequestBody()
          .withCodeType('zip')
          .withCodeFilename('index.zip')
          .withFuncCode(new FuncCode().withFile(await zipBase64({ 'index.js': source(code) }))),
      ),
    );
  }

  function publish(
    body: CreateFunctionVersionRequestBody,
    urn = latestUrn,
  ): Promise<Record<string, unknown>> {
    return sdk.createFunctionVersion(
      new CreateFunctionVersionRequest().withFunctionUrn(urn).withBody(body),
    ) as unknown as Promise<Record<string, unknown>>;
  }

  function createAlias(body: CreateVersionAliasRequestBody): Promise<Record<string, unknown>> {
    return sdk.createVersionAlias(
      new CreateVersionAliasRequest().withFunctionUrn(latestUrn).withBody(body),
    ) as unknown as Promise<Record<string, unknown>>;
  }

  function updateAlias(alias: string, body: UpdateVersionAliasRequestBody): Promise<Record<string, unknown>> {
    return sdk.updateVersionAlias(
      new UpdateVersionAliasRequest().withFunctionUrn(latestUrn).withAliasName(alias).withBody(body),
    ) as unknown as Promise<Record<string, unknown>>;
  }

  /** Publishes the head after changing its description (a config change), under `version`. */
  async function publishAfterConfigChange(version: string): Promise<void> {
    const config = await http.request<Record<string, unknown>>('GET', path('latest', '/config'));
    const changed = await http.request('PUT', path('latest', '/config'), {
      body: { ...config.json, description: `before ${version}` },
    });
    expect(changed.status).toBe(200);
    await publish(new CreateFunctionVersionRequestBody().withVersion(version));
  }

  async function expectError(
    call: Promise<unknown>,
    status: number,
    code: string,
  ): Promise<{ httpStatusCode: number; errorCode?: string; errorMsg?: string }> {
    const failure = await sdkFailure(call);
    expect([failure.httpStatusCode, failure.errorCode]).toEqual([status, code]);
    return failure;
  }

  beforeAll(async () => {
    const created = (await sdk.createFunction(
      new CreateFunctionRequest().withBody(await sdkNodeFunctionBody(name, source('A'))),
    )) as unknown as { func_urn: string };
    expect(created.func_urn).toBe(latestUrn);
    // One instance serves the suite's 16 concurrent calls per version.
    const config = await http.request<Record<string, unknown>>('GET', path('latest', '/config'));
    const concurrent = await http.request('PUT', path('latest', '/config'), {
      body: { ...config.json, strategy_config: { concurrency: -1, concurrent_num: 16 } },
    });
    expect(concurrent.status).toBe(200);
  });

  afterAll(async () => {
    await http.request('DELETE', http.fnPath(latestUrn.replace(/:latest$/, '')));
  });

  it('publishes immutable versions that keep their own code after latest changes', async () => {
    const head = (await http.request<{ digest: string }>('GET', path('latest', '/config'))).json;
    const v1 = await publish(
      new CreateFunctionVersionRequestBody()
        .withVersion('v1')
        .withDescription('first')
        .withDigest(head.digest),
    );
    expect(v1).toMatchObject({
      func_urn: urnOf('v1'),
      func_name: name,
      version: 'v1',
      version_description: 'first',
      digest: head.digest,
      runtime: 'Node.js20.15',
    });

    // Nothing changed since v1.
    await expectError(publish(new CreateFunctionVersionRequestBody().withVersion('v1b')), 400, 'FSS.1016');

    await setCode('B');
    await expectError(publish(new CreateFunctionVersionRequestBody().withVersion('v1')), 409, 'FSS.1062');
    await expectError(
      publish(new CreateFunctionVersionRequestBody().withVersion('v2').withDigest(head.digest)),
      428,
      'FSS.0428',
    );
    await expectError(publish(new CreateFunctionVersionRequestBody().withVersion('latest')), 400, 'FSS.1015');
    await expectError(
      publish(new CreateFunctionVersionRequestBody().withVersion('bad name')),
      400,
      'FSS.1015',
    );
    await expectError(
      publish(new CreateFunctionVersionRequestBody().withVersion('v2'), urnOf('v1')),
      400,
      'FSS.1015',
    );
    const v2 = await publish(new CreateFunctionVersionRequestBody().withVersion('v2'));
    expect(v2['digest']).not.toBe(head.digest);

    // Without a name, FunctionGraph's vYYYYMMDD-HHMMSS.
    await setCode('C');
    const stamped = await publish(new CreateFunctionVersionRequestBody().withDescription('stamped'));
    expect(String(stamped['version'])).toMatch(/^v\d{8}-\d{6}$/);

    expect(await invoke('v1')).toMatchObject({ code: 'A', version: 'v1' });
    expect(await invoke('v2')).toMatchObject({ code: 'B', version: 'v2' });
    expect(await invoke('latest')).toMatchObject({ code: 'C', version: 'latest' });
    await setCode('D');
    expect(await invoke('latest')).toMatchObject({ code: 'D', version: 'latest' });
    expect(await invoke('v1')).toMatchObject({ code: 'A', version: 'v1' });
    expect(await invoke(String(stamped['version']))).toMatchObject({ code: 'C' });

    // A version URN reads the version; a version cannot be changed.
    const v1Config = await http.request<Record<string, unknown>>('GET', path('v1', '/config'));
    expect(v1Config.json).toMatchObject({ version: 'v1', func_urn: urnOf('v1'), digest: head.digest });
    const frozen = await http.request<{ error_code: string }>('PUT', path('v1', '/code'), {
      body: { code_type: 'zip', func_code: { file: await zipBase64({ 'index.js': source('X') }) } },
    });
    expect([frozen.status, frozen.json.error_code]).toEqual([400, 'FSS.1015']);

    const all = (await sdk.listFunctionVersions(
      new ListFunctionVersionsRequest().withFunctionUrn(latestUrn),
    )) as unknown as {
      versions: { version: string; func_urn: string }[];
      next_marker: number;
      count: number;
    };
    expect(all.versions.map((v) => v.version)).toEqual(['latest', 'v1', 'v2', stamped['version']]);
    expect([all.count, all.next_marker]).toEqual([4, 4]);
    const page2 = (await sdk.listFunctionVersions(
      new ListFunctionVersionsRequest().withFunctionUrn(latestUrn).withMarker('2').withMaxitems('1'),
    )) as unknown as { versions: { version: string }[]; next_marker: number; count: number };
    expect(page2.versions.map((v) => v.version)).toEqual(['v2']);
    expect([page2.count, page2.next_marker]).toEqual([4, 3]);
  });

  it('splits an alias 70/30 by weight, then by the new weights, within 5 percentage points', async () => {
    const live = await createAlias(
      new CreateVersionAliasRequestBody()
        .withName('live')
        .withVersion('v1')
        .withDescription('canary')
        .withAdditionalVersionWeights({ v2: 30 }),
    );
    expect(live).toMatchObject({
      name: 'live',
      version: 'v1',
      description: 'canary',
      alias_urn: urnOf('!live'),
      additional_version_weights: { v2: 30 },
    });

    const first = await split('live');
    expect(Object.keys(first).sort()).toEqual(['A@v1', 'B@v2']);
    const share = first['B@v2'] / 1000;
    console.log(`alias live 70/30: v1 ${first['A@v1']}, v2 ${first['B@v2']} of 1000`);
    expect(Math.abs(share - 0.3)).toBeLessThanOrEqual(0.05);

    const moved = await updateAlias(
      'live',
      new UpdateVersionAliasRequestBody().withVersion('v1').withAdditionalVersionWeights({ v2: 80 }),
    );
    expect(moved['additional_version_weights']).toEqual({ v2: 80 });
    const second = await split('live');
    console.log(`alias live 20/80: v1 ${second['A@v1'] ?? 0}, v2 ${second['B@v2'] ?? 0} of 1000`);
    expect(Math.abs((second['B@v2'] ?? 0) / 1000 - 0.8)).toBeLessThanOrEqual(0.05);

    const shown = (await sdk.showVersionAlias(
      new ShowVersionAliasRequest().withFunctionUrn(latestUrn).withAliasName('live'),
    )) as unknown as Record<string, unknown>;
    expect(shown).toMatchObject({ name: 'live', version: 'v1', additional_version_weights: { v2: 80 } });
  });

  it('routes requests that match a header or cookie rule to the additional version', async () => {
    await updateAlias(
      'live',
      new UpdateVersionAliasRequestBody().withVersion('v1').withAdditionalVersionStrategy({
        v2: new VersionStrategy()
          .withCombineType('or')
          .withRules([
            new VersionStrategyRules()
              .withRuleType('header')
              .withParam('X-Canary')
              .withOp('in')
              .withValue('yes,1'),
            new VersionStrategyRules()
              .withRuleType('cookie')
              .withParam('group')
              .withOp('=')
              .withValue('beta'),
          ]),
      }),
    );
    const viaAlias = (headers: Record<string, string>) =>
      http.request<{ code: string; version: string }>('POST', path('!live', '/invocations'), {
        body: { n: counter++ },
        headers,
      });
    const matching: Record<string, string>[] = [
      { 'X-Canary': 'yes' },
      { 'x-canary': '1' },
      { Cookie: 'a=b; group=beta' },
    ];
    for (const headers of matching) {
      const res = await viaAlias(headers);
      expect([res.status, res.json.code, res.json.version]).toEqual([200, 'B', 'v2']);
      expect(JSON.parse(res.headers.get('x-cff-invoke-summary') ?? '{}')).toMatchObject({ version: 'v2' });
    }
    const other: Record<string, string>[] = [{}, { 'X-Canary': 'no' }, { Cookie: 'group=alpha' }];
    for (const headers of other) {
      const res = await viaAlias(headers);
      expect([res.status, res.json.code, res.json.version]).toEqual([200, 'A', 'v1']);
    }
    // The SDK sends no such header: all of its calls stay on the main version.
    const runs = await pooled(50, 8, () => invoke('!live'));
    expect(new Set(runs.map((r) => `${r.code}@${r.version}`))).toEqual(new Set(['A@v1']));
  });

  it('keeps a version answering with its own code after the alias moves off it', async () => {
    await updateAlias('live', new UpdateVersionAliasRequestBody().withVersion('v2'));
    const runs = await pooled(20, 4, () => invoke('!live'));
    expect(new Set(runs.map((r) => `${r.code}@${r.version}`))).toEqual(new Set(['B@v2']));
    expect(await invoke('v1')).toMatchObject({ code: 'A', version: 'v1' });
    const aliases = (await sdk.listVersionAliases(
      new ListVersionAliasesRequest().withFunctionUrn(latestUrn),
    )) as unknown as { name: string; version: string }[];
    expect(Array.isArray(aliases)).toBe(true);
    expect(aliases.map((a) => [a.name, a.version])).toEqual([['live', 'v2']]);
  });

  it('accepts async configs, reservations and timer triggers of existing versions and aliases only', async () => {
    const putConfig = (qualifier: string) =>
      http.request<{ func_urn: string; error_code: string }>('PUT', path(qualifier, '/async-invoke-config'), {
        body: { max_async_retry_attempts: 0 },
      });
    const forVersion = await putConfig('v1');
    expect([forVersion.status, forVersion.json.func_urn]).toEqual([200, urnOf('v1')]);
    const forAlias = await putConfig('!live');
    expect([forAlias.status, forAlias.json.func_urn]).toEqual([200, urnOf('!live')]);
    expect((await putConfig('v404')).json.error_code).toBe('FSS.1052');
    expect((await putConfig('!nope')).json.error_code).toBe('FSS.1053');

    const reserve = (qualifier: string, count: number) =>
      http.request<{ count: number; error_code: string }>('PUT', path(qualifier, '/reservedinstances'), {
        body: { count },
      });
    const reservedNow = async (): Promise<number> => {
      const res = await http.request<{ reservedInstanceNum: { value: number }[] }>(
        'GET',
        path('latest', '/instancereports'),
      );
      return res.json.reservedInstanceNum[0].value;
    };
    // The invoker starts a reserved instance of the version itself, and latest stays free to change.
    expect((await reserve('v1', 1)).status).toBe(200);
    await pollUntil(reservedNow, (n) => n === 1, 'a reserved instance of v1', 30_000);
    await setCode('E');
    expect(await invoke('v1')).toMatchObject({ code: 'A', version: 'v1' });
    expect((await reserve('v1', 0)).status).toBe(200);
    await pollUntil(reservedNow, (n) => n === 0, 'the reservation of v1 released', 30_000);
    expect((await reserve('!live', 0)).status).toBe(200);
    const unknownVersion = await reserve('v404', 0);
    expect([unknownVersion.status, unknownVersion.json.error_code]).toEqual([404, 'FSS.1052']);

    const trigger = await http.request<{ trigger_id: string }>(
      'POST',
      `/v2/${http.stack.projectId}/fgs/triggers/${urnOf('!live')}`,
      {
        body: {
          trigger_type_code: 'TIMER',
          event_data: {
            name: 'alias-tick',
            schedule_type: 'Cron',
            schedule: '*/1 * * * * *',
            user_event: 'x',
          },
        },
      },
    );
    expect(trigger.status).toBe(201);
    const db = new Client({ connectionString: http.stack.databaseUrl });
    await db.connect();
    try {
      const result = await pollUntil(
        async () => {
          const { rows } = await db.query<{ result: string }>(
            `SELECT i.result FROM invocations i JOIN functions f ON f.id = i.function_id
              WHERE f.func_name = $1 AND i.trigger_type = 'TIMER' AND i.status = 'SUCCESS' LIMIT 1`,
            [name],
          );
          return rows[0]?.result;
        },
        (r) => r !== undefined,
        'a successful TIMER invocation through the alias',
        60_000,
      );
      // The alias's main version is v2 now: the timer runs v2's code, not latest's.
      expect(JSON.parse(String(result))).toMatchObject({ code: 'B', version: 'v2' });
    } finally {
      await db.end();
    }
    await expectError(
      sdk.deleteVersionAlias(
        new DeleteVersionAliasRequest().withFunctionUrn(latestUrn).withAliasName('live'),
      ),
      403,
      'FSS.1154',
    );
    const listed = await http.request<{ trigger_id: string }[]>(
      'GET',
      `/v2/${http.stack.projectId}/fgs/triggers/${urnOf('!live')}`,
    );
    expect(listed.json.map((t) => t.trigger_id)).toEqual([trigger.json.trigger_id]);
    const removed = await http.request(
      'DELETE',
      `/v2/${http.stack.projectId}/fgs/triggers/${urnOf('!live')}`,
    );
    expect(removed.status).toBe(204);
  });

  it('answers bad version and alias requests with the spec error codes', async () => {
    const missing = `${name}-missing`;
    const other = await seedTenant('ver');

    // Publish and list.
    await expectError(
      sdk.createFunctionVersion(
        new CreateFunctionVersionRequest()
          .withFunctionUrn(http.urn(missing))
          .withBody(new CreateFunctionVersionRequestBody()),
      ),
      404,
      'FSS.1051',
    );
    const foreign = await other.http.request<{ error_code: string }>(
      'POST',
      `/v2/${other.projectId}/fgs/functions/${latestUrn}/versions`,
      { body: { version: 'stolen' } },
    );
    expect([foreign.status, foreign.json.error_code]).toEqual([404, 'FSS.1051']);
    const foreignList = await other.http.request<{ error_code: string }>(
      'GET',
      `/v2/${other.projectId}/fgs/functions/${latestUrn}/aliases`,
    );
    expect([foreignList.status, foreignList.json.error_code]).toEqual([404, 'FSS.1051']);
    for (const query of ['maxitems=0', 'maxitems=401', 'marker=-1', 'maxitems=abc']) {
      const res = await http.request<{ error_code: string }>(
        'GET',
        `${path('latest', '/versions')}?${query}`,
      );
      expect([query, res.status, res.json.error_code]).toEqual([query, 400, 'FSS.1001']);
    }
    await expectError(
      sdk.listFunctionVersions(new ListFunctionVersionsRequest().withFunctionUrn(urnOf('v404'))),
      404,
      'FSS.1052',
    );

    // Create alias: names, versions, weights.
    const alias = (n: string, version: string) =>
      new CreateVersionAliasRequestBody().withName(n).withVersion(version);
    await expectError(createAlias(alias('bad name', 'v1')), 400, 'FSS.1014');
    await expectError(createAlias(alias('9lives', 'v1')), 400, 'FSS.1014');
    await expectError(createAlias(new CreateVersionAliasRequestBody().withName('nov')), 400, 'FSS.1015');
    await expectError(createAlias(alias('ghost', 'v404')), 404, 'FSS.1052');
    await expectError(
      createAlias(alias('w1', 'v1').withAdditionalVersionWeights({ latest: 10 })),
      400,
      'FSS.1091',
    );
    await expectError(
      createAlias(alias('w2', 'v1').withAdditionalVersionWeights({ v404: 10 })),
      400,
      'FSS.1091',
    );
    await expectError(
      createAlias(alias('w3', 'v1').withAdditionalVersionWeights({ v2: 10, latest: 5 })),
      400,
      'FSS.1091',
    );
    await expectError(
      createAlias(alias('w4', 'v1').withAdditionalVersionWeights({ v2: 101 })),
      400,
      'FSS.1092',
    );
    await expectError(
      createAlias(alias('w5', 'v1').withAdditionalVersionWeights({ v2: -5 })),
      400,
      'FSS.1092',
    );
    await expectError(
      createAlias(alias('w6', 'v1').withAdditionalVersionWeights({ v1: 10 })),
      400,
      'FSS.1093',
    );
    await expectError(createAlias(alias('live', 'v1')), 409, 'FSS.1063');
    // v2 already backs alias `live`.
    await expectError(createAlias(alias('second', 'v2')), 409, 'FSS.1066');

    // Ten aliases at most, each on a version of its own.
    await createAlias(alias('a-v1', 'v1'));
    await createAlias(alias('a-latest', 'latest'));
    for (let i = 0; i < 7; i += 1) {
      await publishAfterConfigChange(`k${i}`);
      await createAlias(alias(`a-k${i}`, `k${i}`));
    }
    await publishAfterConfigChange('k-last');
    await expectError(createAlias(alias('eleventh', 'k-last')), 403, 'FSS.1043');
    const listed = (await sdk.listVersionAliases(
      new ListVersionAliasesRequest().withFunctionUrn(latestUrn),
    )) as unknown as unknown[];
    expect(listed).toHaveLength(10);

    // Get, update and delete.
    await expectError(
      sdk.showVersionAlias(new ShowVersionAliasRequest().withFunctionUrn(latestUrn).withAliasName('nope')),
      404,
      'FSS.1053',
    );
    await expectError(
      updateAlias('nope', new UpdateVersionAliasRequestBody().withVersion('v1')),
      404,
      'FSS.1053',
    );
    await expectError(
      updateAlias(
        'a-v1',
        new UpdateVersionAliasRequestBody().withVersion('v1').withAdditionalVersionWeights({ v2: 1.5 }),
      ),
      400,
      'FSS.1092',
    );
    await expectError(
      updateAlias('a-v1', new UpdateVersionAliasRequestBody().withVersion('v2')),
      409,
      'FSS.1066',
    );
    await expectError(
      sdk.deleteVersionAlias(
        new DeleteVersionAliasRequest().withFunctionUrn(latestUrn).withAliasName('nope'),
      ),
      404,
      'FSS.1053',
    );
    const badStrategy = await http.request<{ error_code: string }>(
      'PUT',
      `${path('latest', '/aliases')}/a-v1`,
      {
        body: {
          version: 'v1',
          additional_version_strategy: {
            v2: { rules: [{ rule_type: 'query', param: 'a', op: '=', value: 'b' }] },
          },
        },
      },
    );
    expect([badStrategy.status, badStrategy.json.error_code]).toEqual([400, 'FSS.1091']);

    // Invoking or deleting what does not exist, or what an alias still uses.
    await expectError(
      sdk.invokeFunction(
        new InvokeFunctionRequest()
          .withFunctionUrn(urnOf('v404'))
          .withBody({ n: 1 } as unknown as Record<string, object>),
      ),
      404,
      'FSS.1052',
    );
    await expectError(
      sdk.invokeFunction(
        new InvokeFunctionRequest()
          .withFunctionUrn(urnOf('!nope'))
          .withBody({ n: 2 } as unknown as Record<string, object>),
      ),
      404,
      'FSS.1053',
    );
    await expectError(
      sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urnOf('v404'))),
      404,
      'FSS.1052',
    );
    // v2 is live's main version, v1 the main version of a-v1.
    await expectError(
      sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urnOf('v2'))),
      403,
      'FSS.1094',
    );
    await expectError(
      sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urnOf('!live'))),
      403,
      'FSS.1094',
    );
    // An additional version cannot go either.
    await updateAlias(
      'a-k0',
      new UpdateVersionAliasRequestBody().withVersion('k0').withAdditionalVersionWeights({ 'k-last': 5 }),
    );
    await expectError(
      sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urnOf('k-last'))),
      403,
      'FSS.1094',
    );

    // An unused version goes, with its async config; invoking it afterwards is FSS.1052.
    await sdk.deleteVersionAlias(
      new DeleteVersionAliasRequest().withFunctionUrn(latestUrn).withAliasName('a-k1'),
    );
    await http.request('PUT', path('k1', '/async-invoke-config'), { body: {} });
    await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urnOf('k1')));
    await expectError(
      sdk.invokeFunction(
        new InvokeFunctionRequest()
          .withFunctionUrn(urnOf('k1'))
          .withBody({ n: 3 } as unknown as Record<string, object>),
      ),
      404,
      'FSS.1052',
    );
    const versions = (await sdk.listFunctionVersions(
      new ListFunctionVersionsRequest().withFunctionUrn(latestUrn),
    )) as unknown as { versions: { version: string }[] };
    expect(versions.versions.map((v) => v.version)).not.toContain('k1');
  });

  it('deletes the function with every version and alias when the URN is unqualified', async () => {
    const before = await http.request<{ func_id: string }>('GET', path('latest', '/config'));
    const deleted = await http.request('DELETE', http.fnPath(latestUrn.replace(/:latest$/, '')));
    expect(deleted.status).toBe(204);
    await expectError(
      sdk.listFunctionVersions(new ListFunctionVersionsRequest().withFunctionUrn(latestUrn)),
      404,
      'FSS.1051',
    );
    const db = new Client({ connectionString: http.stack.databaseUrl });
    await db.connect();
    try {
      for (const table of ['function_versions', 'function_aliases', 'triggers', 'async_invoke_configs']) {
        const { rows } = await db.query(`SELECT 1 FROM ${table} WHERE function_id = $1`, [
          before.json.func_id,
        ]);
        expect([table, rows.length]).toEqual([table, 0]);
      }
    } finally {
      await db.end();
    }
  });
});
