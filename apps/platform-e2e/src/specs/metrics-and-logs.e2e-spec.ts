import {
  EnableLtsLogsRequest,
  FunctionGraphClient,
  ListFunctionAsMetricRequest,
  ListFunctionStatisticsRequest,
  ListQuotasRequest,
  ListStatisticsRequest,
  ShowFunctionMetricsRequest,
  ShowLtsLogDetailsRequest,
  ShowTenantMetricRequest,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { FgsClient } from '../support/fgs-client';
import { deployFunction, invokeV1 } from '../support/functions';
import { pollUntil } from '../support/processes';
import { officialSdkClient, sdkFailure } from '../support/sdk';
import { seedTenant, SeededTenant } from '../support/tenants';

type Json = Record<string, unknown>;
interface Point {
  timestamp: number;
  value: number;
}
interface Statistics {
  count: Point[];
  duration: Point[];
  fail_count: Point[];
  max_duration: Point[];
  min_duration: Point[];
  reject_count: Point[];
  function_error_count: Point[];
  system_error_count: Point[];
}
interface LogRecord {
  request_id: string;
  qualifier: string;
  invoke_type: string;
  status: string;
  error_message: string;
  log: string;
  duration: number;
  memory_used: number;
  time: string;
  start_time: string;
  end_time: string;
}
interface LogPage {
  logs: LogRecord[];
  count: number;
  next_marker: number;
}

/** Sleeps `sleepMs`, prints a line naming the request, then returns or throws as the event says. */
const SOURCE = `exports.handler = async (event, context) => {
  console.log('metrics probe ' + context.getRequestID() + ' sleeping ' + event.sleepMs);
  await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event.fail) throw new Error('planned failure after ' + event.sleepMs);
  return { slept: event.sleepMs, n: event.n };
};`;

const SUCCESS_SLEEPS = [50, 100, 150, 200, 250, 300, 350];
const FAIL_SLEEPS = [400, 450, 500];
/** What a run may add to a sleep (timer lateness, runtime bookkeeping) without the figure being wrong. */
const SLACK_MS = 2000;

const sum = (points: Point[]): number => points.reduce((s, p) => s + p.value, 0);
const withData = (points: Point[]): number[] => points.map((p) => p.value).filter((v) => v !== -1);

/**
 * A tenant of its own makes a known set of invocations (7 successes and 3 errors with known sleeps, plus 2 on a
 * second function); quotas, statistics, the monthly report, the top-N report and the log query must show exactly
 * that, through the official SDK where it has the operation.
 */
describe('quotas, metrics and logs computed from recorded invocations', () => {
  const suffix = Date.now().toString(36);
  let tenant: SeededTenant;
  let http: FgsClient;
  let sdk: FunctionGraphClient;
  let urn: string;
  let unqualified: string;
  let otherUrn: string;
  const requests: { id: string; sleepMs: number; fail: boolean }[] = [];
  let startedAt: number;
  let quotasBefore: Json[];

  const quotas = async (): Promise<Json[]> => {
    const res = (await sdk.listQuotas(new ListQuotasRequest())) as unknown as {
      quotas: { resources: Json[] };
    };
    return res.quotas.resources;
  };
  const quota = (resources: Json[], type: string): Json | undefined =>
    resources.find((r) => r['type'] === type);
  const statistics = async (funcUrn: string, period = '60'): Promise<Statistics> =>
    (await sdk.listFunctionStatistics(
      new ListFunctionStatisticsRequest().withFuncUrn(funcUrn).withPeriod(period),
    )) as unknown as Statistics;
  const logs = (funcUrn: string, query: Record<string, string>) =>
    http.request<LogPage>('GET', `${http.fnPath(funcUrn, '/logs')}?${new URLSearchParams(query).toString()}`);

  beforeAll(async () => {
    tenant = await seedTenant('metrics');
    http = tenant.http;
    sdk = officialSdkClient(http.stack);
    quotasBefore = await quotas();

    urn = await deployFunction(http, `metrics-${suffix}`, SOURCE, { memory: 1024 });
    unqualified = urn.replace(/:latest$/, '');
    otherUrn = await deployFunction(http, `metrics-other-${suffix}`, SOURCE);
    const trigger = await http.request('POST', `/v2/${http.stack.projectId}/fgs/triggers/${urn}`, {
      body: {
        trigger_type_code: 'TIMER',
        trigger_status: 'DISABLED',
        event_data: { name: 'never', schedule_type: 'Rate', schedule: '60m' },
      },
    });
    expect(trigger.status).toBe(201);

    startedAt = Date.now() - 1000;
    const plan = [
      ...SUCCESS_SLEEPS.map((sleepMs) => ({ sleepMs, fail: false })),
      ...FAIL_SLEEPS.map((sleepMs) => ({ sleepMs, fail: true })),
    ];
    for (const [n, step] of plan.entries()) {
      const res = await invokeV1(http, urn, { ...step, n });
      expect(res.status).toBe(200);
      requests.push({ id: res.json.request_id, ...step });
    }
    for (const [n, fail] of [false, true].entries()) {
      const res = await invokeV1(http, otherUrn, { sleepMs: 10, fail, n: 100 + n });
      expect(res.status).toBe(200);
    }
    // Sync records are written in batches off the request path: wait until all 12 are in.
    await pollUntil(
      () => statistics(urn).then((s) => sum(s.count)),
      (n) => n >= 10,
      'the 10 invocations of the first function recorded',
    );
    await pollUntil(
      () => statistics(otherUrn).then((s) => sum(s.count)),
      (n) => n >= 2,
      'the 2 invocations of the second function recorded',
    );
  }, 180_000);

  afterAll(async () => {
    for (const u of [urn, otherUrn]) if (u) await http.request('DELETE', http.fnPath(u));
  }, 60_000);

  it("reports the spec's quota types with the tenant's real usage", async () => {
    expect(quotasBefore.map((r) => r['type'])).toEqual([
      'fgs_func_scale_down_timeout',
      'fgs_func_occurs',
      'fgs_func_pat_idle_time',
      'fgs_func_num',
      'fgs_func_code_size',
      'fgs_workflow_num',
      'fgs_dependency_num',
      'fgs_trigger_num',
    ]);
    expect(quota(quotasBefore, 'fgs_func_num')).toEqual({ type: 'fgs_func_num', quota: 400, used: 0 });
    expect(quota(quotasBefore, 'fgs_func_code_size')).toEqual({
      type: 'fgs_func_code_size',
      quota: 20480,
      used: 0,
      unit: 'MB',
    });
    expect(quota(quotasBefore, 'fgs_trigger_num')).toMatchObject({ quota: -1, used: 0 });

    const after = await quotas();
    expect(quota(after, 'fgs_func_num')).toMatchObject({ quota: 400, used: 2 });
    // Two small zips: a fraction of a MB, shown as 1.
    expect(quota(after, 'fgs_func_code_size')).toMatchObject({ used: 1, unit: 'MB' });
    expect(quota(after, 'fgs_trigger_num')).toMatchObject({ used: 1 });
    expect(quota(after, 'fgs_dependency_num')).toMatchObject({ used: 0 });
    expect(quota(after, 'fgs_workflow_num')).toMatchObject({ quota: 512, used: 0 });
    // The instances that ran the invocations are kept warm and published with the invokers' heartbeats.
    const live = await pollUntil(
      () => quotas().then((r) => Number(quota(r, 'fgs_func_occurs')?.['used'])),
      (n) => n >= 1,
      'warm instances counted in fgs_func_occurs',
    );
    expect(live).toBeGreaterThanOrEqual(1);
  });

  it('counts invocations, errors and durations of the function within the known sleeps', async () => {
    const s = await statistics(urn);
    expect(s.count).toHaveLength(60);
    const stamps = s.count.map((p) => p.timestamp);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i] - stamps[i - 1]).toBe(60_000);
    expect(stamps[59]).toBeLessThanOrEqual(Date.now());
    expect(sum(s.count)).toBe(10);
    expect(sum(s.fail_count)).toBe(3);
    expect(sum(s.function_error_count)).toBe(3);
    expect(sum(s.system_error_count)).toBe(0);
    expect(sum(s.reject_count)).toBe(0);

    const mins = withData(s.min_duration);
    const maxes = withData(s.max_duration);
    expect(Math.min(...mins)).toBeGreaterThanOrEqual(SUCCESS_SLEEPS[0] - 1);
    expect(Math.min(...mins)).toBeLessThan(SUCCESS_SLEEPS[0] + SLACK_MS);
    expect(Math.max(...maxes)).toBeGreaterThanOrEqual(FAIL_SLEEPS[2] - 1);
    expect(Math.max(...maxes)).toBeLessThan(FAIL_SLEEPS[2] + SLACK_MS);
    // The mean over the buckets, weighted by their counts.
    const weighted =
      s.count.reduce((acc, p, i) => acc + (p.value > 0 ? p.value * s.duration[i].value : 0), 0) / 10;
    const sleeps = [...SUCCESS_SLEEPS, ...FAIL_SLEEPS];
    const meanSleep = sleeps.reduce((a, b) => a + b, 0) / sleeps.length;
    expect(weighted).toBeGreaterThanOrEqual(meanSleep - 1);
    expect(weighted).toBeLessThan(meanSleep + SLACK_MS);
    // Buckets without invocations carry no durations.
    const empty = s.count.findIndex((p) => p.value === 0);
    expect(empty).toBeGreaterThanOrEqual(0);
    expect(s.duration[empty].value).toBe(-1);
  });

  it('answers the same figures through slareports, and for the latest qualifier', async () => {
    const metrics = (await sdk.showFunctionMetrics(
      new ShowFunctionMetricsRequest().withFuncUrn(unqualified).withPeriod('60'),
    )) as unknown as Statistics;
    expect([sum(metrics.count), sum(metrics.fail_count)]).toEqual([10, 3]);
    const latest = await statistics(urn, '1440');
    expect(latest.count).toHaveLength(48);
    expect([sum(latest.count), sum(latest.fail_count)]).toEqual([10, 3]);
    const other = await statistics(otherUrn);
    expect([sum(other.count), sum(other.fail_count)]).toEqual([2, 1]);
  });

  it("adds up the tenant's functions and bills its GB-seconds per month", async () => {
    const monitor = (await sdk.listStatistics(
      new ListStatisticsRequest().withFilter('monitor_data').withPeriod('60'),
    )) as unknown as { statistics: Statistics };
    expect(sum(monitor.statistics.count)).toBe(12);
    expect(sum(monitor.statistics.fail_count)).toBe(4);

    const page = await logs(urn, { start_time: String(startedAt), limit: '100' });
    const billed = page.json.logs.reduce((s, r) => s + r.duration, 0) / 1000;
    const otherPage = await logs(otherUrn, { start_time: String(startedAt) });
    const billedOther = (otherPage.json.logs.reduce((s, r) => s + r.duration, 0) / 1000) * (128 / 1024);
    const monthly = (await sdk.listStatistics(
      new ListStatisticsRequest().withFilter('monthly_report').withOption('0'),
    )) as unknown as { count: { date: string; value: number }[]; gbs: { date: string; value: number }[] };
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(monthly.count).toEqual([{ date: thisMonth, value: 12 }]);
    expect(monthly.gbs).toEqual([{ date: thisMonth, value: Math.round(billed + billedOther) }]);
  });

  it('ranks the functions by failures, count and longest run', async () => {
    const report = async (type: string, limit?: string): Promise<Json> =>
      (await sdk.listFunctionAsMetric(
        limit
          ? new ListFunctionAsMetricRequest().withType(type).withLimit(limit)
          : new ListFunctionAsMetricRequest().withType(type),
      )) as unknown as Json;
    const otherUnqualified = otherUrn.replace(/:latest$/, '');
    expect(await report('failcount')).toMatchObject({
      values: [
        { key: unqualified, value: 3 },
        { key: otherUnqualified, value: 1 },
      ],
      next_marker: 2,
      count: 2,
    });
    expect(await report('count', '1')).toMatchObject({ values: [{ key: unqualified, value: 10 }], count: 2 });
    const longest = (await report('maxDuration')) as { values: { key: string; value: number }[] };
    const maxes = withData((await statistics(urn)).max_duration);
    expect(longest.values[0]).toEqual({ key: unqualified, value: Math.max(...maxes) });
    // The SDK's defaults: failures over the last day.
    const defaults = (await sdk.listFunctionAsMetric(new ListFunctionAsMetricRequest())) as unknown as Json;
    expect(defaults['count']).toBe(2);
  });

  it('returns each request log by request id and the window newest first, paged', async () => {
    for (const r of [requests[0], requests[9]]) {
      const res = await logs(urn, { request_id: r.id });
      expect(res.status).toBe(200);
      expect(res.json.count).toBe(1);
      const [record] = res.json.logs;
      expect(record).toMatchObject({
        request_id: r.id,
        qualifier: 'latest',
        invoke_type: 'sync',
        status: r.fail ? 'FAIL' : 'SUCCESS',
      });
      expect(record.log).toContain(`metrics probe ${r.id} sleeping ${r.sleepMs}`);
      expect(record.duration).toBeGreaterThanOrEqual(r.sleepMs - 1);
      if (r.fail) expect(record.error_message).toContain(`planned failure after ${r.sleepMs}`);
      expect(Date.parse(record.end_time)).toBeGreaterThanOrEqual(Date.parse(record.start_time));
    }

    const window = { start_time: String(startedAt), end_time: String(Date.now() + 5000) };
    const first = await logs(urn, { ...window, limit: '4' });
    expect(first.json.count).toBe(10);
    expect(first.json.next_marker).toBe(4);
    const times = first.json.logs.map((l) => Date.parse(l.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const seen = [...first.json.logs];
    for (let marker = first.json.next_marker; marker < first.json.count;) {
      const next = await logs(urn, { ...window, limit: '4', marker: String(marker) });
      seen.push(...next.json.logs);
      marker = next.json.next_marker;
    }
    expect(seen.map((l) => l.request_id).sort()).toEqual(requests.map((r) => r.id).sort());
    // The newest request is the last one made.
    expect(seen[0].request_id).toBe(requests[9].id);

    const before = await logs(urn, {
      start_time: String(startedAt - 7_200_000),
      end_time: String(startedAt - 3_600_000),
    });
    expect(before.json).toEqual({ logs: [], count: 0, next_marker: 0 });
    // A request of the first function is not a log of the second.
    expect((await logs(otherUrn, { request_id: requests[0].id })).json.count).toBe(0);
  });

  it('names a stable log group and stream, accepts the LTS switch, and answers function-flow metrics', async () => {
    const detail = (await sdk.showLtsLogDetails(
      new ShowLtsLogDetailsRequest().withFunctionUrn(urn),
    )) as unknown as Json;
    const config = await http.request<Json>('GET', http.fnPath(urn, '/config'));
    expect(detail).toMatchObject({
      group_name: `functiongraph.log.group.${tenant.projectId}`,
      stream_id: config.json['func_id'],
      stream_name: `functiongraph.log.stream.default.metrics-${suffix}`,
    });
    const again = (await sdk.showLtsLogDetails(
      new ShowLtsLogDetailsRequest().withFunctionUrn(otherUrn),
    )) as unknown as Json;
    expect(again['group_id']).toBe(detail['group_id']);
    expect(again['stream_id']).not.toBe(detail['stream_id']);

    await expect(sdk.enableLtsLogs(new EnableLtsLogsRequest())).resolves.toBeDefined();

    const end = Date.now();
    const flows = (await sdk.showTenantMetric(
      new ShowTenantMetricRequest()
        .withStartTime(String(end - 3_600_000))
        .withEndTime(String(end))
        .withPeriod('10'),
    )) as unknown as Json;
    expect((flows['count'] as Point[]).map((p) => p.value).every((v) => v === 0)).toBe(true);
    expect((flows['count'] as Point[]).length).toBeGreaterThanOrEqual(6);
  });

  it('refuses bad periods, windows and parameters with the spec codes, never a 500', async () => {
    for (const period of ['0', 'abc', '43201', '-1', '1.5']) {
      const err = await sdkFailure(statistics(urn, period));
      expect([period, err.httpStatusCode, err.errorCode]).toEqual([period, 400, 'FSS.0400']);
    }
    const cases: [string, number, string][] = [
      [`/v2/${tenant.projectId}/fgs/functions/statistics`, 400, 'FSS.1001'],
      [`/v2/${tenant.projectId}/fgs/functions/statistics?filter=everything`, 400, 'FSS.1001'],
      [`/v2/${tenant.projectId}/fgs/functions/statistics?filter=monitor_data&period=0`, 400, 'FSS.1001'],
      [`/v2/${tenant.projectId}/fgs/function/report?type=latency`, 400, 'FSS.1001'],
      [`/v2/${tenant.projectId}/fgs/function/report?start_time=${Date.now() + 60_000}`, 400, 'FSS.1001'],
      [`/v2/${tenant.projectId}/fgs/function/report?limit=-1`, 400, 'FSS.1001'],
      [`${http.fnPath(urn, '/logs')}?start_time=${startedAt}&end_time=${startedAt - 1}`, 400, 'FSS.1001'],
      [`${http.fnPath(urn, '/logs')}?start_time=${startedAt - 40 * 86_400_000}`, 400, 'FSS.1001'],
      [`${http.fnPath(urn, '/logs')}?start_time=yesterday`, 400, 'FSS.1001'],
      [`${http.fnPath(urn, '/logs')}?request_id=not-a-request`, 400, 'FSS.1001'],
      [`${http.fnPath(urn, '/logs')}?limit=many`, 400, 'FSS.1001'],
      [`${http.fnPath('urn:fss:x', '/logs')}`, 400, 'FSS.1309'],
    ];
    for (const [path, status, code] of cases) {
      const res = await http.request<Json>('GET', path);
      expect([path, res.status, res.json?.['error_code']]).toEqual([path, status, code]);
    }
  });

  it('answers an unknown function, version or another project like missing resources', async () => {
    const missing = urn.replace(`metrics-${suffix}`, `metrics-none-${suffix}`);
    for (const path of [
      http.fnPath(missing, '/statistics/60'),
      http.fnPath(missing, '/slareports/60'),
      http.fnPath(missing, '/lts-log-detail'),
      http.fnPath(missing, '/logs'),
    ]) {
      const res = await http.request<Json>('GET', path);
      expect([path, res.status, res.json?.['error_code']]).toEqual([path, 404, 'FSS.1051']);
    }
    const version = await http.request<Json>('GET', http.fnPath(`${unqualified}:v404`, '/statistics/60'));
    expect([version.status, version.json['error_code']]).toEqual([404, 'FSS.1052']);

    // The stack's own tenant: this tenant's URN in its project is nobody's function, this tenant's path is refused.
    const main = new FgsClient();
    const foreignUrn = await main.request<Json>(
      'GET',
      `/v2/${main.stack.projectId}/fgs/functions/${urn}/statistics/60`,
    );
    expect([foreignUrn.status, foreignUrn.json['error_code']]).toEqual([404, 'FSS.1051']);
    for (const path of ['/fgs/quotas', `/fgs/functions/${urn}/logs`, '/fgs/function/report']) {
      const res = await main.request<Json>('GET', `/v2/${tenant.projectId}${path}`);
      expect([path, res.status, res.json['error_code']]).toEqual([path, 404, 'FSS.0404']);
    }
    // And nothing of this tenant shows in the other's figures.
    const mainReport = await main.request<{ values: { key: string }[] }>(
      'GET',
      `/v2/${main.stack.projectId}/fgs/function/report?type=count&limit=100`,
    );
    expect(mainReport.status).toBe(200);
    expect(mainReport.json.values.map((v) => v.key)).not.toContain(unqualified);
  });
});
