import { FgsError } from '@ofg/contracts';
import type {
  BucketWindow,
  FunctionRepository,
  InvocationBucket,
  InvocationMetricsRepository,
  InvocationScope,
  MonthlyUsage,
  RankedFunction,
} from '@ofg/data-access';
import type { GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { MetricsService } from './metrics.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const OTHER = 'fedcba9876543210fedcba9876543210';
const auth = { projectId: PROJECT, domainId: 'dom', userId: 'u', method: 'token' as const };
const URN = `urn:fss:local:${PROJECT}:function:default:hello`;

/** Records what the service asked for and answers with canned figures. */
class FakeMetrics {
  readonly bucketCalls: { projectId: string; scope: InvocationScope; window: BucketWindow }[] = [];
  readonly rankCalls: unknown[][] = [];
  buckets: (window: BucketWindow) => InvocationBucket[] = () => [];
  months: MonthlyUsage[] = [];
  ranked: { items: RankedFunction[]; total: number } = { items: [], total: 0 };

  async bucketStatistics(projectId: string, scope: InvocationScope, window: BucketWindow) {
    this.bucketCalls.push({ projectId, scope, window });
    return this.buckets(window);
  }

  async monthlyUsage(projectId: string, from: Date, to: Date) {
    this.rankCalls.push(['monthly', projectId, from, to]);
    return this.months;
  }

  async rankFunctions(...args: unknown[]) {
    this.rankCalls.push(args);
    return this.ranked;
  }
}

function setup() {
  const fn = aFunctionEntity({ projectId: PROJECT });
  const functions = {
    findByName: async (projectId: string, pkg: string, name: string) =>
      projectId === fn.projectId && pkg === fn.package && name === fn.funcName ? fn : null,
  } as unknown as FunctionRepository;
  const metrics = new FakeMetrics();
  const service = new MetricsService(
    metrics as unknown as InvocationMetricsRepository,
    new FunctionResolver(functions),
    { region: 'local' } as GatewayConfig,
  );
  return { service, metrics, fn };
}

async function codeOf(call: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (err) {
    return err instanceof FgsError ? err.code : String(err);
  }
  return undefined;
}

describe('MetricsService', () => {
  it("charts the function's last period over all its qualifiers, or the one the URN names", async () => {
    const { service, metrics, fn } = setup();
    metrics.buckets = (w) => [
      {
        bucketMs: w.to.getTime() - w.stepMs,
        count: 10,
        failCount: 3,
        systemErrorCount: 0,
        avgDurationMs: 150.2,
        maxDurationMs: 300,
        minDurationMs: 100,
      },
    ];
    const dto = await service.functionStatistics(auth, URN, '60');
    expect(metrics.bucketCalls[0]).toMatchObject({ projectId: PROJECT, scope: { functionId: fn.id } });
    expect(metrics.bucketCalls[0].scope.qualifier).toBeUndefined();
    expect(metrics.bucketCalls[0].window.stepMs).toBe(60_000);
    expect(dto.count).toHaveLength(60);
    expect(dto.count.at(-1)?.value).toBe(10);
    expect(dto.duration.at(-1)?.value).toBe(150);
    expect(dto.fail_count.at(-1)?.value).toBe(3);
    expect(dto.count[0].value).toBe(0);

    await service.functionStatistics(auth, `${URN}:latest`, '1440');
    expect(metrics.bucketCalls[1].scope).toEqual({ functionId: fn.id, qualifier: 'latest' });
    expect(metrics.bucketCalls[1].window.stepMs).toBe(30 * 60_000);
  });

  it('answers a bad period with FSS.0400 and a missing or foreign function with FSS.1051, reading nothing', async () => {
    const { service, metrics } = setup();
    for (const period of ['0', 'day', '-1', '43201', '1.5'])
      expect(await codeOf(service.functionStatistics(auth, URN, period))).toBe('FSS.0400');
    expect(await codeOf(service.functionStatistics(auth, 'nosuch', '60'))).toBe('FSS.1051');
    expect(
      await codeOf(service.functionStatistics(auth, `urn:fss:local:${OTHER}:function:default:hello`, '60')),
    ).toBe('FSS.1051');
    expect(await codeOf(service.functionStatistics(auth, 'urn:fss:local:x', '60'))).toBe('FSS.1309');
    expect(await codeOf(service.functionStatistics(auth, `${URN}:v9`, '60'))).toBe('FSS.1052');
    expect(metrics.bucketCalls).toEqual([]);
  });

  it("charts the whole project for monitor_data and lists each month's usage for monthly_report", async () => {
    const { service, metrics } = setup();
    const monitor = await service.tenantStatistics(auth, { filter: 'monitor_data', period: '30' });
    expect(metrics.bucketCalls[0].scope).toEqual({});
    expect(monitor.statistics?.count).toHaveLength(30);
    expect(monitor.count).toBeUndefined();

    const thisMonth = new Date().toISOString().slice(0, 7);
    metrics.months = [{ month: thisMonth, count: 42, gbSeconds: 12.6 }];
    const monthly = await service.tenantStatistics(auth, { filter: 'monthly_report', option: '2' });
    expect(monthly.statistics).toBeUndefined();
    expect(monthly.count).toHaveLength(3);
    expect(monthly.count?.at(-1)).toEqual({ date: thisMonth, value: 42 });
    expect(monthly.count?.[0].value).toBe(0);
    expect(monthly.gbs?.at(-1)).toEqual({ date: thisMonth, value: 13 });
    expect(monthly.gpu_gbs?.map((m) => m.value)).toEqual([0, 0, 0]);
    expect(await codeOf(service.tenantStatistics(auth, {}))).toBe('FSS.1001');
  });

  it('keys the report by unqualified URN with whole-ms durations', async () => {
    const { service, metrics, fn } = setup();
    metrics.ranked = {
      items: [
        { functionId: fn.id, package: 'default', funcName: 'hello', value: 123.6 },
        { functionId: 'x', package: 'app', funcName: 'other', value: 7 },
      ],
      total: 5,
    };
    await expect(service.functionReport(auth, { type: 'duration', limit: '2' })).resolves.toEqual({
      values: [
        { key: URN, value: 124 },
        { key: `urn:fss:local:${PROJECT}:function:app:other`, value: 7 },
      ],
      next_marker: 2,
      count: 5,
    });
    expect(metrics.rankCalls[0]).toEqual([PROJECT, 'duration', expect.any(Date), expect.any(Date), 2]);
    expect(await codeOf(service.functionReport(auth, { type: 'nope' }))).toBe('FSS.1001');
  });

  it('answers function-flow metrics with empty buckets', async () => {
    const { service } = setup();
    const end = Date.UTC(2030, 0, 1, 1);
    const dto = service.tenantMetric(auth, {
      start_time: String(end - 3_600_000),
      end_time: String(end),
      period: '15',
    });
    expect(dto.count?.map((p) => p.value)).toEqual([0, 0, 0, 0]);
    expect(dto.duration?.map((p) => p.value)).toEqual([-1, -1, -1, -1]);
    expect(dto.running_count).toHaveLength(4);
    expect(await codeOf(() => service.tenantMetric(auth, { start_time: 'soon' }))).toBe('FSS.1001');
  });
});
