/**
 * Warm sync invocation of a trivial Node.js handler at concurrency 1, 16 and 64 (closed loop, BENCH_DURATION_S per
 * row), side by side in one run:
 * - the gateway (`POST .../invocations`, v1, X-Auth-Token) with SYNC_DISPATCH=queue (before) and the default
 *   affinity inbox (after), each on a freshly started stack;
 * - its floors: the warm container's bootstrap `POST /invoke`, and a raw BullMQ add → Worker → ReplyBus round trip
 *   with a job as large as the platform's (bench/support/raw-bullmq.ts);
 * - a peer: serverless-offline's Lambda invoke endpoint serving the same handler (bench/support/serverless-offline.ts).
 * Prints a table, writes tmp/bench-results/invoke-latency.json and the chart docs/benchmarks/warm-sync.svg
 * (BENCH_CHART_ONLY=1 redraws the chart from that file without measuring). Knobs: BENCH_DURATION_S (10),
 * BENCH_WARMUP_S (2), BENCH_CONCURRENCIES (1,16,64), and the bench stack's BENCH_PORT_BASE, BENCH_DATABASE,
 * BENCH_REDIS_DB; the peer listens on BENCH_PORT_BASE + 10.
 * Run: `npm run build && npm run bench:invoke-latency` (see docs/benchmarks.md).
 */
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { RuntimeInvokeRequest } from '@ofg/contracts';
import { StackInfo, stopStack } from '@ofg/testing';
import {
  benchPortBase,
  BenchApi,
  startBenchStack,
  timedPost,
  warmBootstrapInvokeUrl,
} from './support/bench-stack';
import { appPid, processCpuMs } from './support/cpu';
import { closedLoop, ClosedLoopFigures } from './support/parallel';
import { platformJob, RawSyncRoundTrip, RawWorkerSettings } from './support/raw-bullmq';
import { ServerlessOfflinePeer, startServerlessOffline } from './support/serverless-offline';
import { diff, loadAverageText, machineFacts, ms, ratio, summarize, table } from './support/stats';
import { renderBarChart } from './support/svg-chart';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
/** Load at the row's concurrency right before it is measured, not counted. */
const WARMUP_S = Number(process.env['BENCH_WARMUP_S'] ?? 2);
const CONCURRENCIES = (process.env['BENCH_CONCURRENCIES'] ?? '1,16,64').split(',').map(Number);
const HANDLER = 'exports.handler = async (event) => ({ ok: true, n: event.n || 0 });';
const FUNCTION_NAME = 'bench-trivial';
// One full core for the container (cpu = memory / 128 × 100 + 200 millicores): at 256 MB its 0.4-core quota, not the
// platform, bounded every path at 16 and 64 requests in flight.
const MEMORY_MB = 1024;
const TIMEOUT_S = 30;
/** The invoker's defaults, which the stack's invoker inherits unless the environment sets them. */
const WORKER: RawWorkerSettings = {
  concurrency: Number(process.env['WORKER_CONCURRENCY'] ?? 64),
  lockDurationMs: Number(process.env['WORKER_LOCK_DURATION_MS'] ?? 30_000),
  stalledIntervalMs: Number(process.env['WORKER_STALLED_INTERVAL_MS'] ?? 30_000),
};
/** Above the highest concurrency, so one warm container serves every connection. */
const CONCURRENT_NUM = Math.max(100, ...CONCURRENCIES);
const EVENT = JSON.stringify({ n: 1 });
const ROOT = join(__dirname, '..');
const RESULTS = join(ROOT, 'tmp', 'bench-results', 'invoke-latency.json');
const CHART = join(ROOT, 'docs', 'benchmarks', 'warm-sync.svg');

const TARGETS = {
  'gateway-queue': 'gateway, shared BullMQ queue (before)',
  'gateway-affinity': 'gateway, affinity inbox (after)',
  'raw-bullmq': 'raw BullMQ round trip',
  floor: 'floor: container bootstrap /invoke',
  'serverless-offline': 'serverless-offline (Lambda invoke)',
} as const;
type Target = keyof typeof TARGETS;
const TARGET_ORDER = Object.keys(TARGETS) as Target[];
const COLORS: Record<Target, string> = {
  'gateway-queue': '#56B4E9',
  'gateway-affinity': '#0072B2',
  'raw-bullmq': '#E69F00',
  floor: '#7f7f7f',
  'serverless-offline': '#D55E00',
};

interface Row {
  concurrency: number;
  target: Target;
  label: string;
  /** Successful requests measured. */
  requests: number;
  /** Transport errors, timeouts and non-2xx answers. */
  errors: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  rps: number;
  /** Gateway rows: CPU (user + system, /proc) the gateway and the invoker spent per successful request. */
  gatewayCpuMsPerRequest?: number;
  invokerCpuMsPerRequest?: number;
}

/** What the run writes to RESULTS, and what BENCH_CHART_ONLY=1 draws the chart from. */
interface Results {
  benchmark: 'invoke-latency';
  date: string;
  machine: ReturnType<typeof machineFacts>;
  loadAverage: { start: number[]; end: number[] };
  settings: { durationS: number; concurrencies: number[] } & Record<string, unknown>;
  targets: typeof TARGETS;
  rows: Row[];
  comparisons: Comparison[];
}

interface Comparison {
  concurrency: number;
  target: Target;
  label: string;
  p50MinusFloorMs: number;
  p99MinusFloorMs: number;
  rpsOverServerlessOffline: number;
}

async function main(): Promise<void> {
  if (process.env['BENCH_CHART_ONLY'] === '1') {
    writeChart(JSON.parse(readFileSync(RESULTS, 'utf8')) as Results);
    return;
  }
  const loadAtStart = loadavg();
  console.log(
    `[bench] load average at start ${loadAverageText(loadAtStart)}; ${DURATION_S} s per row after ${WARMUP_S} s of ` +
      `warm-up, concurrency ${CONCURRENCIES.join(', ')}`,
  );
  if (!syncDispatchKnown())
    console.log(
      '[bench] note: the compiled gateway does not read SYNC_DISPATCH, so both gateway rows take its one path',
    );
  const rows: Row[] = [];

  console.log('[bench] stack 1 of 2: SYNC_DISPATCH=queue');
  const before = await startBenchStack(undefined, {
    gatewayEnv: { SYNC_DISPATCH: 'queue' },
    triggerEnv: { SYNC_DISPATCH: 'queue' },
  });
  try {
    const gateway = await prepareFunction(before);
    for (const c of CONCURRENCIES) rows.push(await measureHttp('gateway-queue', c, gateway));
  } finally {
    await stopStack(before);
    keepLogs(before, 'sync-dispatch-queue');
  }

  console.log('[bench] stack 2 of 2: SYNC_DISPATCH default (affinity)');
  const stack = await startBenchStack();
  let raw: RawSyncRoundTrip | undefined;
  let peer: ServerlessOfflinePeer | undefined;
  let rawJobBytes = 0;
  try {
    const gateway = await prepareFunction(stack);
    const floorUrl = await warmBootstrapInvokeUrl(stack, gateway.urn);
    const floorBody: RuntimeInvokeRequest = {
      requestId: 'bench-floor',
      event: EVENT,
      timeoutMs: TIMEOUT_S * 1000,
    };
    const floor: HttpTarget = {
      url: floorUrl,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(floorBody),
    };
    await expectAnswer('floor', floor);

    const job = await probeJob(stack, gateway.api, gateway.urn);
    raw = await RawSyncRoundTrip.start({ redisUrl: stack.redisUrl, job, worker: WORKER });
    rawJobBytes = raw.jobBytes;
    console.log(
      `[bench] raw BullMQ jobs carry the platform's sync job of this function: ${rawJobBytes} bytes`,
    );

    console.log('[bench] starting serverless-offline');
    peer = await startServerlessOffline({
      port: benchPortBase() + 10,
      functionName: FUNCTION_NAME,
      source: HANDLER,
      memoryMb: MEMORY_MB,
      timeoutS: TIMEOUT_S,
      logDir: stack.logDir,
    });
    const sls: HttpTarget = {
      url: peer.invokeUrl,
      headers: { 'Content-Type': 'application/json' },
      body: EVENT,
    };
    await expectAnswer('serverless-offline', sls);

    for (const c of CONCURRENCIES) {
      rows.push(await measureHttp('gateway-affinity', c, gateway));
      rows.push(await measureHttp('floor', c, floor));
      rows.push(await measureRaw(c, raw));
      rows.push(await measureHttp('serverless-offline', c, sls));
    }
  } finally {
    await peer?.stop();
    await raw?.close();
    await stopStack(stack);
  }

  const loadAtEnd = loadavg();
  const comparisons = compare(rows);
  console.log(`\n${renderTables(rows, comparisons)}`);
  console.log(
    `\nload average ${loadAverageText(loadAtStart)} at the start, ${loadAverageText(loadAtEnd)} at the end`,
  );

  const results: Results = {
    benchmark: 'invoke-latency',
    date: new Date().toISOString(),
    machine: machineFacts(),
    loadAverage: { start: loadAtStart, end: loadAtEnd },
    settings: {
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      concurrencies: CONCURRENCIES,
      handler: HANDLER,
      event: EVENT,
      memoryMb: MEMORY_MB,
      concurrentNum: CONCURRENT_NUM,
      worker: WORKER,
      rawJobBytes,
      syncDispatchKnown: syncDispatchKnown(),
      peer: { name: 'serverless-offline', version: peer?.version, runner: 'worker threads (default)' },
      percentiles: 'nearest rank over every successful response, timed on the high-resolution clock',
    },
    targets: TARGETS,
    rows,
    comparisons,
  };
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`[bench] wrote ${RESULTS}`);
  writeChart(results);
}

function writeChart(results: Results): void {
  mkdirSync(join(CHART, '..'), { recursive: true });
  writeFileSync(CHART, chart(results));
  console.log(`[bench] wrote ${CHART}`);
}

interface HttpTarget {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The stack's gateway and invoker, whose CPU a gateway row reports per request. */
  cpu?: { gateway: number; invoker: number };
}

/** Creates the function on a stack, answers its cold start and warms it up; returns its invocation request. */
async function prepareFunction(stack: StackInfo): Promise<HttpTarget & { api: BenchApi; urn: string }> {
  const api = await BenchApi.connect(stack);
  const urn = await api.createFunction({
    name: FUNCTION_NAME,
    runtime: 'Node.js20.15',
    source: HANDLER,
    memoryMb: MEMORY_MB,
    concurrentNum: CONCURRENT_NUM,
  });
  const first = await api.invoke(urn, EVENT);
  console.log(`[bench] first (cold) invocation: ${first.status} in ${first.ms.toFixed(0)} ms`);
  const target: HttpTarget = {
    url: api.invokeUrl(urn),
    headers: api.invokeHeaders,
    body: EVENT,
    cpu: { gateway: appPid(stack.pids, 'gateway'), invoker: appPid(stack.pids, 'invoker') },
  };
  await expectAnswer('gateway', target);
  return { ...target, api, urn };
}

/** The handler's result in an answer, as JSON or as a JSON string inside JSON (v1 gateway, bootstrap). */
const HANDLER_RESULT = /\\?"ok\\?":true/;

/** One request must answer 200 with the handler's result before a target is measured. */
async function expectAnswer(name: string, target: HttpTarget): Promise<void> {
  const answer = await timedPost(target.url, target.headers, target.body);
  if (answer.status !== 200 || !HANDLER_RESULT.test(answer.body))
    throw new Error(`${name} answered ${answer.status} ${answer.body}`);
}

/** An async invocation's job, read from the invocations queue: the function snapshot a sync job of it carries. */
async function probeJob(stack: StackInfo, api: BenchApi, urn: string) {
  const answer = await timedPost(`${api.functionsUrl}/${urn}/invocations-async`, api.headers, EVENT);
  if (answer.status !== 202) throw new Error(`async probe failed: ${answer.status} ${answer.body}`);
  const requestId = (JSON.parse(answer.body) as { request_id: string }).request_id;
  const job = await platformJob(stack.redisUrl, requestId);
  // Same length as a request id, so a raw job is exactly as large as the platform's sync job.
  return { ...job, requestId: randomUUID() };
}

async function measureHttp(target: Target, concurrency: number, http: HttpTarget): Promise<Row> {
  // `concurrency` requests at once, twice: serverless-offline starts one instance (worker thread) per request in
  // flight, and a start can take longer than the timed warm-up on a loaded machine.
  for (let round = 0; round < 2; round++) {
    const answers = await Promise.allSettled(
      Array.from({ length: concurrency }, () => timedPost(http.url, http.headers, http.body)),
    );
    const failed = answers.filter((a) => a.status === 'rejected' || a.value.status !== 200).length;
    if (failed > 0) console.log(`[bench] warm-up: ${failed} of ${concurrency} requests at once failed`);
  }
  if (WARMUP_S > 0) await httpLoad(http, concurrency, WARMUP_S);
  console.log(`[bench] concurrency ${concurrency}: ${TARGETS[target]}`);
  const cpuBefore = http.cpu && {
    gateway: processCpuMs(http.cpu.gateway),
    invoker: processCpuMs(http.cpu.invoker),
  };
  const row = toRow(target, concurrency, await httpLoad(http, concurrency, DURATION_S));
  if (http.cpu && cpuBefore && row.requests > 0) {
    row.gatewayCpuMsPerRequest = (processCpuMs(http.cpu.gateway) - cpuBefore.gateway) / row.requests;
    row.invokerCpuMsPerRequest = (processCpuMs(http.cpu.invoker) - cpuBefore.invoker) / row.requests;
  }
  return row;
}

async function measureRaw(concurrency: number, raw: RawSyncRoundTrip): Promise<Row> {
  const run = () => closedLoop(concurrency, DURATION_S * 1000, () => raw.roundTrip());
  if (WARMUP_S > 0) await closedLoop(concurrency, WARMUP_S * 1000, () => raw.roundTrip());
  console.log(`[bench] concurrency ${concurrency}: ${TARGETS['raw-bullmq']}`);
  return toRow('raw-bullmq', concurrency, await run());
}

/**
 * autocannon with `connections` kept-alive connections, one request in flight on each; every 2xx response's time
 * comes from its `response` event (hrtime, fractional ms), as autocannon's own histogram keeps whole milliseconds.
 */
function httpLoad(http: HttpTarget, connections: number, durationS: number): Promise<ClosedLoopFigures> {
  return new Promise((resolve, reject) => {
    const latenciesMs: number[] = [];
    const instance = autocannon(
      {
        url: http.url,
        method: 'POST',
        headers: http.headers,
        body: http.body,
        connections,
        duration: durationS,
        pipelining: 1,
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({
          latenciesMs,
          errors: result.errors + result.timeouts + result.non2xx,
          elapsedMs: new Date(result.finish).getTime() - new Date(result.start).getTime(),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
    });
  });
}

function toRow(target: Target, concurrency: number, figures: ClosedLoopFigures): Row {
  const s =
    figures.latenciesMs.length > 0
      ? summarize(figures.latenciesMs)
      : { n: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  return {
    concurrency,
    target,
    label: TARGETS[target],
    requests: s.n,
    errors: figures.errors,
    meanMs: s.mean,
    p50Ms: s.p50,
    p90Ms: s.p90,
    p99Ms: s.p99,
    maxMs: s.max,
    rps: s.n / (figures.elapsedMs / 1000),
  };
}

/** Per concurrency and gateway row: its distance to the container floor and its throughput against the peer. */
function compare(rows: Row[]): Comparison[] {
  const find = (c: number, t: Target) => rows.find((r) => r.concurrency === c && r.target === t);
  const out: Comparison[] = [];
  for (const c of CONCURRENCIES) {
    const floor = find(c, 'floor');
    const peer = find(c, 'serverless-offline');
    for (const t of ['gateway-queue', 'gateway-affinity'] as const) {
      const gw = find(c, t);
      if (!gw) continue;
      out.push({
        concurrency: c,
        target: t,
        label: TARGETS[t],
        p50MinusFloorMs: gw.p50Ms - (floor?.p50Ms ?? NaN),
        p99MinusFloorMs: gw.p99Ms - (floor?.p99Ms ?? NaN),
        rpsOverServerlessOffline: gw.rps / (peer?.rps ?? NaN),
      });
    }
  }
  return out;
}

function renderTables(rows: Row[], comparisons: Comparison[]): string {
  const sorted = [...rows].sort(
    (a, b) =>
      a.concurrency - b.concurrency || TARGET_ORDER.indexOf(a.target) - TARGET_ORDER.indexOf(b.target),
  );
  const figures = table(
    [
      'concurrency',
      'target',
      'requests',
      'mean ms',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'req/s',
      'errors',
      'gateway CPU ms/req',
      'invoker CPU ms/req',
    ],
    sorted.map((r) => [
      String(r.concurrency),
      r.label,
      String(r.requests),
      ms(r.meanMs),
      ms(r.p50Ms),
      ms(r.p90Ms),
      ms(r.p99Ms),
      r.rps.toFixed(0),
      String(r.errors),
      r.gatewayCpuMsPerRequest === undefined ? '' : r.gatewayCpuMsPerRequest.toFixed(3),
      r.invokerCpuMsPerRequest === undefined ? '' : r.invokerCpuMsPerRequest.toFixed(3),
    ]),
  );
  const find = (c: number, t: Target) => rows.find((r) => r.concurrency === c && r.target === t);
  const gaps = table(
    ['concurrency', 'gateway', 'p50 − floor ms', 'p99 − floor ms', 'req/s ÷ serverless-offline'],
    comparisons.map((k) => {
      const gw = find(k.concurrency, k.target);
      const floor = find(k.concurrency, 'floor');
      const peer = find(k.concurrency, 'serverless-offline');
      return [
        String(k.concurrency),
        k.label,
        diff(gw?.p50Ms ?? NaN, floor?.p50Ms ?? NaN),
        diff(gw?.p99Ms ?? NaN, floor?.p99Ms ?? NaN),
        ratio(gw?.rps ?? NaN, peer?.rps ?? NaN),
      ];
    }),
  );
  return `${figures}\n\n${gaps}`;
}

function chart({ rows, date, settings, machine: host, loadAverage: load }: Results): string {
  const value = (c: number, t: Target, pick: (r: Row) => number) => {
    const row = rows.find((r) => r.concurrency === c && r.target === t);
    return row ? pick(row) : undefined;
  };
  const groups = (pick: (r: Row) => number) =>
    settings.concurrencies.map((c) => ({
      label: `concurrency ${c}`,
      values: TARGET_ORDER.map((t) => value(c, t, pick)),
    }));
  const xLabel = 'requests in flight (closed loop)';
  return renderBarChart({
    title: 'Warm sync invocation of a trivial Node.js handler',
    subtitle:
      `${date.slice(0, 10)}, ${settings.durationS} s per bar, ${host.cores} cores shared by the load generator ` +
      `and every process; load average ${load.start[0]?.toFixed(2)} → ${load.end[0]?.toFixed(2)}.\n` +
      'Latency axes are logarithmic. Nearest-rank percentiles over every response (high-resolution clock).',
    series: TARGET_ORDER.map((t) => ({ name: TARGETS[t], color: COLORS[t] })),
    panels: [
      {
        title: 'p50 latency (lower is better)',
        yLabel: 'ms (log scale)',
        scale: 'log',
        groups: groups((r) => r.p50Ms),
      },
      {
        title: 'p99 latency (lower is better)',
        yLabel: 'ms (log scale)',
        scale: 'log',
        groups: groups((r) => r.p99Ms),
      },
      {
        title: 'Throughput (higher is better)',
        yLabel: 'requests per second',
        xLabel,
        groups: groups((r) => r.rps),
        format: (v) => Math.round(v).toLocaleString('en-US'),
      },
    ],
  });
}

/** Whether the compiled gateway reads SYNC_DISPATCH (the stack runs the compiled apps). */
function syncDispatchKnown(): boolean {
  const dir = join(process.env['OFG_DIST_DIR'] ?? join(ROOT, 'dist'), 'apps', 'gateway', 'src', 'config');
  try {
    return readdirSync(dir).some(
      (f) => f.endsWith('.js') && readFileSync(join(dir, f), 'utf8').includes('SYNC_DISPATCH'),
    );
  } catch {
    return false;
  }
}

/** Moves a stopped stack's logs into a subdirectory, so the next stack's logs (same names) don't replace them. */
function keepLogs(stack: StackInfo, name: string): void {
  const target = join(stack.logDir, name);
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(stack.logDir)) {
    const from = join(stack.logDir, file);
    if (existsSync(from) && statSync(from).isFile()) renameSync(from, join(target, file));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
