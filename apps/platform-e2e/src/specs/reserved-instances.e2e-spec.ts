import Docker from 'dockerode';
import {
  CronConfig,
  FuncCode,
  ListFunctionReservedInstancesRequest,
  ListReservedInstanceConfigsRequest,
  ShowFuncReservedInstanceMetricsRequest,
  TacticsConfig,
  UpdateFunctionCodeRequest,
  UpdateFunctionCodeRequestBody,
  UpdateFunctionMaxInstanceConfigRequest,
  UpdateFunctionMaxInstanceConfigRequestBody,
  UpdateFunctionReservedInstancesCountRequest,
  UpdateFunctionReservedInstancesCountRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { CONTAINER_LABELS } from '@ofg/contracts';
import { ExtraInvoker, startExtraInvoker } from '@ofg/testing';
import { SOURCES, zipBase64 } from '../support/code-fixtures';
import { FgsClient } from '../support/fgs-client';
import { deployFunction, invokeV1 } from '../support/functions';
import { officialSdkClient, sdkFailure } from '../support/sdk';
import { seedTenant, SeededTenant } from '../support/tenants';

type Json = Record<string, unknown>;

const docker = new Docker();
const suffix = Date.now().toString(36);

/** Running containers of one function, by the invoker that owns each (Docker labels). */
async function containersByInvoker(unqualifiedUrn: string): Promise<Map<string, string[]>> {
  const found = await docker.listContainers({
    filters: { label: [`${CONTAINER_LABELS.functionUrn}=${unqualifiedUrn}`] },
  });
  const byInvoker = new Map<string, string[]>();
  for (const c of found) {
    const invoker = c.Labels[CONTAINER_LABELS.invokerId] ?? '?';
    byInvoker.set(invoker, [...(byInvoker.get(invoker) ?? []), c.Id]);
  }
  return byInvoker;
}

const total = (byInvoker: Map<string, string[]>): number =>
  [...byInvoker.values()].reduce((sum, ids) => sum + ids.length, 0);

/** Invoker id → number of containers, which failing assertions print in full. */
const counts = (byInvoker: Map<string, string[]>): Record<string, number> =>
  Object.fromEntries([...byInvoker].map(([invoker, ids]) => [invoker, ids.length]));

/** Polls `read` until `done` holds, bounded by `timeoutMs`; returns the last value read either way. */
async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    value = await read();
  }
  return value;
}

/** Stops a process gracefully and waits (bounded) until it is gone. */
async function terminate(pid: number): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  await eventually(
    async () => alive(),
    (running) => !running,
    30_000,
  );
}

describe('reserved instances kept warm across two invokers', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const name = `reserved-${suffix}`;
  const urn = http.urn(name);
  const unqualified = urn.replace(/:latest$/, '');
  const mainInvoker = http.stack.invokerId;
  let extra: ExtraInvoker;
  let newcomer: ExtraInvoker | undefined;
  let tenantB: SeededTenant;

  const reserve = (count: number, body?: UpdateFunctionReservedInstancesCountRequestBody) =>
    sdk.updateFunctionReservedInstancesCount(
      new UpdateFunctionReservedInstancesCountRequest()
        .withFunctionUrn(urn)
        .withBody(body ?? new UpdateFunctionReservedInstancesCountRequestBody().withCount(count)),
    ) as unknown as Promise<Json>;
  const report = async (): Promise<{ instances: number; reserved: number }> => {
    const res = (await sdk.showFuncReservedInstanceMetrics(
      new ShowFuncReservedInstanceMetricsRequest().withFuncUrn(urn),
    )) as unknown as { instanceNum: { value: number }[]; reservedInstanceNum: { value: number }[] };
    return { instances: res.instanceNum[0].value, reserved: res.reservedInstanceNum[0].value };
  };

  beforeAll(async () => {
    extra = await startExtraInvoker(http.stack, 'reserved', Number(new URL(http.stack.invokerUrl).port) + 10);
    await deployFunction(http, name, SOURCES.hostname);
    tenantB = await seedTenant('resv');
  }, 120_000);

  // Later specs expect the stack's one invoker: the extra ones go (SIGTERM removes their containers) and so does
  // the reservation, even when a test above failed.
  afterAll(async () => {
    await http.request('PUT', http.fnPath(urn, '/reservedinstances'), { body: { count: 0 } });
    await http.request('DELETE', http.fnPath(urn));
    for (const invoker of [extra, newcomer]) if (invoker) await terminate(invoker.pid);
  }, 60_000);

  it('keeps 3 reserved containers ready, spread over both invokers, and serves invocations from them', async () => {
    const tactics = new TacticsConfig().withCronConfigs([
      new CronConfig()
        .withName('mornings')
        .withCron('0 0 8 * * *')
        .withCount(2)
        .withStartTime(1_700_000_000)
        .withExpiredTime(1_900_000_000),
    ]);
    const answer = await reserve(
      3,
      new UpdateFunctionReservedInstancesCountRequestBody()
        .withCount(3)
        .withIdleMode(false)
        .withTacticsConfig(tactics),
    );
    expect(answer['count']).toBe(3);
    expect(answer['idle_mode']).toBe(false);
    expect(answer['tactics_config']).toEqual({
      cron_configs: [
        {
          name: 'mornings',
          cron: '0 0 8 * * *',
          count: 2,
          start_time: 1_700_000_000,
          expired_time: 1_900_000_000,
        },
      ],
      metric_configs: [],
    });

    const placed = await eventually(
      () => containersByInvoker(unqualified),
      (m) =>
        total(m) === 3 && (m.get(mainInvoker)?.length ?? 0) > 0 && (m.get(extra.invokerId)?.length ?? 0) > 0,
      90_000,
    );
    expect([total(placed), Object.keys(counts(placed)).sort()]).toEqual([
      3,
      [mainInvoker, extra.invokerId].sort(),
    ]);

    // The reserved containers are the function's warm instances: an invocation starts none.
    const res = await invokeV1(http, urn, {}, false);
    expect(res.status).toBe(200);
    expect([...placed.values()].flat().some((id) => id.startsWith(res.json.result))).toBe(true);
    expect(total(await containersByInvoker(unqualified))).toBe(3);
  });

  it('shows the reservation in the list, config and live report queries of the official SDK', async () => {
    const list = (await sdk.listFunctionReservedInstances(
      new ListFunctionReservedInstancesRequest().withUrn(urn),
    )) as unknown as Json;
    expect(list['reservedinstances']).toEqual([{ func_urn: urn, count: 3 }]);
    expect(list['count']).toBe(1);
    expect(list['page_info']).toEqual({ next_marker: 1, previous_marker: 0, current_count: 1 });

    const all = (await sdk.listFunctionReservedInstances(
      new ListFunctionReservedInstancesRequest(),
    )) as unknown as {
      reservedinstances: { func_urn: string }[];
    };
    expect(all.reservedinstances.map((r) => r.func_urn)).toContain(urn);

    const configs = (await sdk.listReservedInstanceConfigs(
      new ListReservedInstanceConfigsRequest().withFunctionUrn(unqualified),
    )) as unknown as Json;
    expect(configs['reserved_instances']).toEqual([
      {
        function_urn: unqualified,
        qualifier_type: 'version',
        qualifier_name: 'latest',
        min_count: 3,
        idle_mode: false,
        tactics_config: expect.objectContaining({ metric_configs: [] }),
      },
    ]);
    expect(configs['count']).toBe(1);

    const figures = await eventually(report, (r) => r.reserved === 3, 30_000);
    expect(figures.reserved).toBe(3);
    expect(figures.instances).toBeGreaterThanOrEqual(3);
  });

  it('refuses code and configuration updates while the function has reserved instances (FSS.1077)', async () => {
    const err = await sdkFailure(
      sdk.updateFunctionCode(
        new UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(
          new UpdateFunctionCodeRequestBody()
            .withCodeType('zip')
            .withCodeFilename('index.zip')
            .withFuncCode(new FuncCode().withFile(await zipBase64({ 'index.js': SOURCES.helloV2 }))),
        ),
      ),
    );
    expect([err.httpStatusCode, err.errorCode]).toEqual([400, 'FSS.1077']);
    const config = await http.request<Json>('PUT', http.fnPath(urn, '/config'), {
      body: {
        func_name: name,
        runtime: 'Node.js20.15',
        timeout: 10,
        handler: 'index.handler',
        memory_size: 256,
      },
    });
    expect([config.status, config.json['error_code']]).toEqual([400, 'FSS.1077']);
    const maxBelow = await sdkFailure(
      sdk.updateFunctionMaxInstanceConfig(
        new UpdateFunctionMaxInstanceConfigRequest()
          .withFunctionUrn(urn)
          .withBody(new UpdateFunctionMaxInstanceConfigRequestBody().withMaxInstanceNum(2)),
      ),
    );
    expect([maxBelow.httpStatusCode, maxBelow.errorCode]).toEqual([400, 'FSS.1076']);
  });

  it.each([
    ['a negative count', { count: -1 }, 400, 'FSS.0400'],
    ['a count as text', { count: 'three' }, 400, 'FSS.0400'],
    ['no count', { idle_mode: true }, 400, 'FSS.0400'],
    ['a count above the maximum', { count: 1001 }, 400, 'FSS.1076'],
    [
      'a bad cron policy',
      {
        count: 1,
        tactics_config: {
          cron_configs: [{ name: 'x', cron: 'often', count: 1, start_time: 1, expired_time: 2 }],
        },
      },
      400,
      'FSS.0400',
    ],
  ])('refuses %s', async (_label, body, status, code) => {
    const res = await http.request<Json>('PUT', http.fnPath(urn, '/reservedinstances'), { body });
    expect([res.status, res.json['error_code']]).toEqual([status, code]);
  });

  it('answers an unknown function, a version that does not exist and bad paging with the spec codes', async () => {
    const unknown = await sdkFailure(
      sdk.updateFunctionReservedInstancesCount(
        new UpdateFunctionReservedInstancesCountRequest()
          .withFunctionUrn(http.urn(`nosuch-${suffix}`))
          .withBody(new UpdateFunctionReservedInstancesCountRequestBody().withCount(1)),
      ),
    );
    expect([unknown.httpStatusCode, unknown.errorCode]).toEqual([404, 'FSS.1051']);
    const version = await http.request<Json>('PUT', http.fnPath(http.urn(name, 'v9'), '/reservedinstances'), {
      body: { count: 1 },
    });
    expect([version.status, version.json['error_code']]).toEqual([404, 'FSS.1052']);
    const report404 = await http.request<Json>(
      'GET',
      http.fnPath(http.urn(`nosuch-${suffix}`), '/instancereports'),
    );
    expect([report404.status, report404.json['error_code']]).toEqual([404, 'FSS.1051']);
    const paging = await http.request<Json>(
      'GET',
      `/v2/${http.stack.projectId}/fgs/functions/reservedinstances?limit=0`,
    );
    expect([paging.status, paging.json['error_code']]).toEqual([400, 'FSS.1001']);
  });

  it("keeps another tenant away from this tenant's reservations", async () => {
    const put = await tenantB.http.request<Json>(
      'PUT',
      `/v2/${tenantB.projectId}/fgs/functions/${urn}/reservedinstances`,
      { body: { count: 1 } },
    );
    expect([put.status, put.json['error_code']]).toEqual([404, 'FSS.1051']);
    const report404 = await tenantB.http.request<Json>(
      'GET',
      `/v2/${tenantB.projectId}/fgs/functions/${urn}/instancereports`,
    );
    expect(report404.status).toBe(404);
    const list = await tenantB.http.request<Json>(
      'GET',
      `/v2/${tenantB.projectId}/fgs/functions/reservedinstances`,
    );
    expect([list.status, list.json['count'], list.json['reservedinstances']]).toEqual([200, 0, []]);
    const filtered = await tenantB.http.request<Json>(
      'GET',
      `/v2/${tenantB.projectId}/fgs/functions/reservedinstanceconfigs?function_urn=${encodeURIComponent(urn)}`,
    );
    expect([filtered.status, filtered.json['count']]).toEqual([200, 0]);
  });

  it('makes up for a killed invoker: the survivor brings the reserved containers back to 3', async () => {
    process.kill(extra.pid, 'SIGKILL');
    const after = await eventually(
      () => containersByInvoker(unqualified),
      (m) => (m.get(mainInvoker)?.length ?? 0) === 3 && total(m) === 3,
      90_000,
    );
    // The dead invoker's containers were swept by the survivor, so they are not counted twice.
    expect(counts(after)).toEqual({ [mainInvoker]: 3 });
    expect((await eventually(report, (r) => r.reserved === 3, 30_000)).reserved).toBe(3);
  });

  it('rebalances onto a new invoker, and on count 0 releases them to the keep-alive and lifts the freeze', async () => {
    // A short keep-alive on the newcomer, so its released instances visibly expire within the test.
    const joined = await startExtraInvoker(
      http.stack,
      'reserved2',
      Number(new URL(http.stack.invokerUrl).port) + 11,
      { INSTANCE_KEEPALIVE_MS: '3000' },
    );
    newcomer = joined;
    const rebalanced = await eventually(
      () => containersByInvoker(unqualified),
      (m) => (m.get(joined.invokerId)?.length ?? 0) > 0,
      90_000,
    );
    expect(counts(rebalanced)).toHaveProperty([joined.invokerId]);
    expect((await eventually(report, (r) => r.reserved === 3, 30_000)).reserved).toBe(3);

    expect(await reserve(0)).toMatchObject({ count: 0 });
    expect((await eventually(report, (r) => r.reserved === 0, 30_000)).reserved).toBe(0);
    const list = (await sdk.listFunctionReservedInstances(
      new ListFunctionReservedInstancesRequest().withUrn(urn),
    )) as unknown as Json;
    expect(list['count']).toBe(0);
    // Released instances are ordinary warm instances now: the newcomer's go after its 3 s keep-alive.
    const expired = await eventually(
      () => containersByInvoker(unqualified),
      (m) => (m.get(joined.invokerId)?.length ?? 0) === 0,
      60_000,
    );
    expect(counts(expired)).not.toHaveProperty([joined.invokerId]);

    const updated = await http.request('PUT', http.fnPath(urn, '/code'), {
      body: { code_type: 'inline', func_code: { file: Buffer.from(SOURCES.helloV2).toString('base64') } },
    });
    expect(updated.status).toBe(200);
    // The code change retires the main invoker's released instances at once instead of after its keep-alive.
    const gone = await eventually(
      () => containersByInvoker(unqualified),
      (m) => total(m) === 0,
      60_000,
    );
    expect(counts(gone)).toEqual({});

    const max = (await sdk.updateFunctionMaxInstanceConfig(
      new UpdateFunctionMaxInstanceConfigRequest()
        .withFunctionUrn(urn)
        .withBody(new UpdateFunctionMaxInstanceConfigRequestBody().withMaxInstanceNum(5)),
    )) as unknown as Json;
    expect(max['func_urn']).toBe(urn);
    expect(max['strategy_config']).toMatchObject({ concurrency: 5 });
  });
});
