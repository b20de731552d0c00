/**
 * Start latency and warm latency of a trivial handler per runtime (Node.js, Python), each beside its floor measured in
 * the same run:
 * - cold start without prewarm: first invocation of a new function through the gateway, against a bare start of the
 *   same image with the invoker's hardening flags (Engine API create + start, as `docker run -d` does) to the first
 *   200 from the bootstrap's /health, then PUT /code, /init and /invoke of the same handler;
 * - prewarm-specialized start: the same with the invoker's prewarm pool enabled (a second stack), against the same
 *   floor and against the specialization part of it (PUT /code + /init + /invoke on a bootstrap that is already up);
 * - warm invocation: sequential sync invocations through the gateway, interleaved with the same event sent straight
 *   to the warm container's bootstrap.
 * Printed, not asserted; writes tmp/bench-results/cold-start.json (what the tables are printed from) and the chart
 * docs/benchmarks/starts.svg (BENCH_CHART_ONLY=1 reprints and redraws both from that file without measuring). Knobs:
 * BENCH_COLD_RUNS (10), BENCH_WARM_REQUESTS (500), BENCH_PREWARM_POOL_SIZE (1), and the bench stack's BENCH_PORT_BASE,
 * BENCH_DATABASE, BENCH_REDIS_DB.
 * Run: `npm run build && npm run bench` (or this file alone with node -r @swc-node/register).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { CODE_ROOT, CONTAINER_LABELS, cpuMillicoresFor, RuntimeInvokeRequest } from '@ofg/contracts';
import { codeTar, StackInfo, stopStack } from '@ofg/testing';
// The floor uses the invoker's own container runtime and bootstrap client, so flags and protocol cannot drift apart.
import { BootstrapClient } from '../apps/invoker/src/runtime/bootstrap.client';
import { DockerContainerRuntime } from '../apps/invoker/src/runtime/docker/docker.container-runtime';
import {
  BenchApi,
  bootstrapIsReady,
  prewarmContainers,
  sleep,
  startBenchStack,
  timedPost,
  unqualified,
  waitForNoContainers,
  warmBootstrapInvokeUrl,
} from './support/bench-stack';
import {
  diff,
  latencyMs,
  LatencyMs,
  loadAverageText,
  machineFacts,
  ms,
  ratio,
  Summary,
  summarize,
  table,
} from './support/stats';
import { renderBarChart } from './support/svg-chart';

const RUNS = Number(process.env['BENCH_COLD_RUNS'] ?? 10);
const WARM_REQUESTS = Number(process.env['BENCH_WARM_REQUESTS'] ?? 500);
/** The smallest FunctionGraph size: the profile a prewarm pool is most likely to hold. */
const MEMORY_MB = 128;
const EVENT = JSON.stringify({ n: 1 });
/** How often the floor polls /health while the container boots (the invoker polls every 10 ms). */
const FLOOR_HEALTH_POLL_MS = 5;
const PREWARM_POOL_SIZE = Number(process.env['BENCH_PREWARM_POOL_SIZE'] ?? 1);
/** Pause after the pool is seen full, longer than the invoker's 10 ms health poll. */
const PREWARM_SETTLE_MS = 250;
const ROOT = join(__dirname, '..');
const RESULTS = join(ROOT, 'tmp', 'bench-results', 'cold-start.json');
const CHART = join(ROOT, 'docs', 'benchmarks', 'starts.svg');

interface RuntimeUnderTest {
  family: 'nodejs' | 'python';
  runtime: string;
  image: string;
  file: string;
  source: string;
}

// Images as the invoker resolves them (the stack's apps inherit this environment).
const RUNTIMES_UNDER_TEST: RuntimeUnderTest[] = [
  {
    family: 'nodejs',
    runtime: 'Node.js20.15',
    image: process.env['RUNTIME_IMAGE_NODEJS'] ?? 'openfunctiongraph/runtime-nodejs:latest',
    file: 'index.js',
    source: 'exports.handler = async (event) => ({ ok: true, n: event.n || 0 });\n',
  },
  {
    family: 'python',
    runtime: 'Python3.9',
    image: process.env['RUNTIME_IMAGE_PYTHON'] ?? 'openfunctiongraph/runtime-python:latest',
    file: 'index.py',
    source: 'def handler(event, context):\n    return {"ok": True, "n": event.get("n", 0)}\n',
  },
];

/** Cumulative milliseconds at the end of each step of one start. */
type FloorRun = {
  containerMs: number;
  readyMs: number;
  codeMs: number;
  initMs: number;
  totalMs: number;
};

/** One platform start: client-side latency of the first invocation and what the invoker logged about the start. */
interface PlatformRun {
  e2eMs: number;
  startKind: string;
  tookMs?: number;
  phases?: Record<string, number>;
}

interface RuntimeFigures {
  floor: FloorRun[];
  cold: PlatformRun[];
  coldFirst?: PlatformRun;
  prewarm?: PlatformRun[];
  prewarmUnavailable?: string;
  warm?: { gateway: Summary; floor: Summary };
}

/** Starts of the bare image with the invoker's own container runtime and bootstrap client, no platform in between. */
async function measureFloor(stack: StackInfo, rt: RuntimeUnderTest): Promise<FloorRun[]> {
  // The invoker's default limits (CONTAINER_PIDS_LIMIT, CONTAINER_TMP_MB, CONTAINER_NOFILE).
  const docker = new DockerContainerRuntime({
    socketPath: process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock',
    network: stack.functionNetwork,
    pidsLimit: 128,
    tmpMb: 512,
    nofile: 1024,
  });
  const bootstrap = new BootstrapClient();
  const tar = await codeTar({ [rt.file]: rt.source });
  const runs: FloorRun[] = [];
  for (let i = 0; i <= RUNS; i += 1) {
    const started = performance.now();
    const at = () => performance.now() - started;
    const handle = await docker.start({
      name: `ofg-bench-floor-${process.pid}-${rt.family}-${i}`,
      image: rt.image,
      memoryMb: MEMORY_MB,
      cpuMillicores: cpuMillicoresFor(MEMORY_MB),
      // An owner id of their own, so the stack's invoker never sweeps them as its orphans.
      labels: {
        [CONTAINER_LABELS.managed]: 'true',
        [CONTAINER_LABELS.invokerId]: `bench-floor-${process.pid}`,
      },
    });
    try {
      const containerMs = at();
      while (!(await bootstrap.isReady(handle.endpoint, 1000))) await sleep(FLOOR_HEALTH_POLL_MS);
      const readyMs = at();
      await bootstrap.putCode(handle.endpoint, tar, 10_000);
      const codeMs = at();
      const init = await bootstrap.init(
        handle.endpoint,
        {
          handler: 'index.handler',
          env: {
            RUNTIME_HANDLER: 'index.handler',
            RUNTIME_MEMORY: String(MEMORY_MB),
            RUNTIME_CODE_ROOT: CODE_ROOT,
          },
        },
        10_000,
      );
      if (!init.ok) throw new Error(`floor init failed: ${JSON.stringify(init.error)}`);
      const initMs = at();
      const request: RuntimeInvokeRequest = { requestId: `floor-${i}`, event: EVENT, timeoutMs: 10_000 };
      const answer = await bootstrap.invoke(handle.endpoint, request, AbortSignal.timeout(10_000));
      if (answer.status !== 'success')
        throw new Error(`floor invoke failed: ${JSON.stringify(answer.error)}`);
      const totalMs = at();
      // The first run pulls the image's layers into the page cache; it is not kept.
      if (i > 0) runs.push({ containerMs, readyMs, codeMs, initMs, totalMs });
    } finally {
      await docker.remove(handle.id);
    }
  }
  bootstrap.close();
  return runs;
}

/** The invoker's log line about starting (or specializing) the function's instance: `instance started` and kin. */
async function instanceStartedLine(
  stack: StackInfo,
  urn: string,
): Promise<{ container?: string; tookMs?: number; phases?: Record<string, number> } | undefined> {
  const wanted = unqualified(urn);
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const lines = readFileSync(join(stack.logDir, 'invoker.log'), 'utf8').split('\n');
    for (const line of lines) {
      if (!line.includes('"tookMs"') || !line.includes(wanted)) continue;
      const entry = JSON.parse(line) as {
        funcUrn?: string;
        container?: string;
        tookMs?: number;
        phases?: Record<string, number>;
      };
      if (entry.funcUrn === undefined || unqualified(entry.funcUrn) !== wanted) continue;
      return { container: entry.container, tookMs: entry.tookMs, phases: entry.phases };
    }
    await sleep(25);
  }
  return undefined;
}

/** start_kind of the invocation's record (written in batches by the invoker, hence the wait). */
async function recordedStartKind(db: Client, requestId: string): Promise<string> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const { rows } = await db.query<{ start_kind: string }>(
      'SELECT start_kind FROM invocations WHERE request_id = $1',
      [requestId],
    );
    if (rows[0]) return rows[0].start_kind;
    await sleep(50);
  }
  return 'unknown';
}

/**
 * First invocations of new functions (same code, so the invoker's code cache is warm after the first), each function
 * deleted and its container gone before the next. `beforeInvoke` lets the prewarm scenario wait for a full pool.
 */
async function measurePlatformStarts(
  stack: StackInfo,
  api: BenchApi,
  rt: RuntimeUnderTest,
  label: string,
  beforeInvoke: () => Promise<void> = async () => undefined,
): Promise<PlatformRun[]> {
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const runs: PlatformRun[] = [];
    for (let i = 0; i <= RUNS; i += 1) {
      const urn = await api.createFunction({
        name: `bench-${label}-${rt.family}-${i}`,
        runtime: rt.runtime,
        source: rt.source,
        memoryMb: MEMORY_MB,
      });
      await beforeInvoke();
      const answer = await api.invoke(urn, EVENT);
      const requestId = String(answer.headers['x-cff-request-id'] ?? '');
      const started = await instanceStartedLine(stack, urn);
      runs.push({
        e2eMs: answer.ms,
        startKind: await recordedStartKind(db, requestId),
        tookMs: started?.tookMs,
        phases: started?.phases,
      });
      await api.deleteFunction(urn);
      await waitForNoContainers(urn, started?.container ? [started.container] : []);
    }
    return runs;
  } finally {
    await db.end();
  }
}

/** Sequential invocations, gateway and bootstrap alternating so both see the same machine. */
async function measureWarm(
  stack: StackInfo,
  api: BenchApi,
  rt: RuntimeUnderTest,
): Promise<{ gateway: Summary; floor: Summary }> {
  const urn = await api.createFunction({
    name: `bench-warm-${rt.family}`,
    runtime: rt.runtime,
    source: rt.source,
    memoryMb: MEMORY_MB,
  });
  await api.invoke(urn, EVENT);
  const floorUrl = await warmBootstrapInvokeUrl(stack, urn);
  const floorHeaders = { 'Content-Type': 'application/json' };
  const floorBody = (i: number) =>
    JSON.stringify({
      requestId: `floor-${i}`,
      event: EVENT,
      timeoutMs: 10_000,
    } satisfies RuntimeInvokeRequest);
  for (let i = 0; i < 200; i += 1) {
    await api.invoke(urn, EVENT);
    await timedPost(floorUrl, floorHeaders, floorBody(i));
  }
  const gateway: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < WARM_REQUESTS; i += 1) {
    gateway.push((await api.invoke(urn, EVENT)).ms);
    const direct = await timedPost(floorUrl, floorHeaders, floorBody(i));
    if (direct.status !== 200) throw new Error(`bootstrap answered ${direct.status}: ${direct.body}`);
    floor.push(direct.ms);
  }
  await api.deleteFunction(urn);
  await waitForNoContainers(urn);
  return { gateway: summarize(gateway), floor: summarize(floor) };
}

async function main(): Promise<void> {
  if (process.env['BENCH_CHART_ONLY'] === '1') {
    const saved = JSON.parse(readFileSync(RESULTS, 'utf8')) as ColdStartResults;
    console.log(report(saved));
    writeChart(saved);
    return;
  }
  const figures = new Map<string, RuntimeFigures>();
  // Other work on the machine shows in every figure; the load average says how much there was.
  const loadAtStart = loadavg();
  const prewarmEnv: Record<string, string> = {
    PREWARM_POOL_SIZE: String(PREWARM_POOL_SIZE),
    PREWARM_PROFILES: RUNTIMES_UNDER_TEST.map((rt) => `${rt.family}:${MEMORY_MB}`).join(','),
  };

  console.log(
    `[bench] stack 1: prewarm disabled; ${RUNS} starts per scenario, ${WARM_REQUESTS} warm requests`,
  );
  const stack = await startBenchStack({ PREWARM_POOL_SIZE: '0' });
  try {
    const api = await BenchApi.connect(stack);
    for (const rt of RUNTIMES_UNDER_TEST) {
      console.log(`[bench] ${rt.family}: floor (bare container start + code + init + invoke)`);
      const floor = await measureFloor(stack, rt);
      console.log(`[bench] ${rt.family}: cold start through the platform`);
      const [coldFirst, ...cold] = await measurePlatformStarts(stack, api, rt, 'cold');
      console.log(`[bench] ${rt.family}: warm invocations, gateway and bootstrap interleaved`);
      const warm = await measureWarm(stack, api, rt);
      figures.set(rt.family, { floor, cold, coldFirst, warm });
    }
  } finally {
    await stopStack(stack);
  }

  const withPrewarm = prewarmAvailable();
  if (withPrewarm) {
    console.log(`[bench] stack 2: prewarm pool ${JSON.stringify(prewarmEnv)}`);
    const prewarmStack = await startBenchStack(prewarmEnv);
    try {
      const api = await BenchApi.connect(prewarmStack);
      for (const rt of RUNTIMES_UNDER_TEST) {
        console.log(`[bench] ${rt.family}: prewarm-specialized start through the platform`);
        // The first run also fetches the code into the invoker's cache, as in the cold scenario; it is not kept.
        const [, ...prewarm] = await measurePlatformStarts(prewarmStack, api, rt, 'prewarm', () =>
          waitForPrewarmPool(prewarmStack, rt),
        );
        const entry = figures.get(rt.family);
        if (entry) entry.prewarm = prewarm;
      }
    } catch (err) {
      // The figures of the first stack are still worth printing.
      console.error(err);
      for (const entry of figures.values())
        if (!entry.prewarm)
          entry.prewarmUnavailable = `failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      await stopStack(prewarmStack);
    }
  } else {
    for (const entry of figures.values())
      entry.prewarmUnavailable = 'not available: this invoker has no prewarm pool (PREWARM_POOL_SIZE)';
  }

  const results: ColdStartResults = {
    benchmark: 'cold-start',
    date: new Date().toISOString(),
    machine: machineFacts(),
    loadAverage: { start: loadAtStart, end: loadavg() },
    settings: {
      runs: RUNS,
      warmRequests: WARM_REQUESTS,
      memoryMb: MEMORY_MB,
      event: EVENT,
      prewarmAvailable: withPrewarm,
      prewarmEnv,
      percentiles: 'nearest rank; the first run of each start scenario (page cache, code cache) is not kept',
    },
    runtimes: RUNTIMES_UNDER_TEST.flatMap((rt) => {
      const f = figures.get(rt.family);
      return f ? [runtimeResult(rt, f)] : [];
    }),
  };
  console.log(
    `\n${report(results)}\n\nLoad average (1/5/15 min) at start ${loadAverageText(results.loadAverage.start)}, ` +
      `at end ${loadAverageText(results.loadAverage.end)}`,
  );
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`[bench] wrote ${RESULTS}`);
  writeChart(results);
}

/** Whether the compiled invoker knows the prewarm settings. */
function prewarmAvailable(): boolean {
  // The stack runs the compiled invoker, so the compiled config is what decides.
  const dist = process.env['OFG_DIST_DIR'] ?? join(__dirname, '..', 'dist');
  try {
    return readFileSync(join(dist, 'apps/invoker/src/config/invoker.config.js'), 'utf8').includes(
      'PREWARM_POOL_SIZE',
    );
  } catch {
    return false;
  }
}

/** Waits until the invoker's generic containers for the runtime are all up and answering /health again. */
async function waitForPrewarmPool(stack: StackInfo, rt: RuntimeUnderTest): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const pool = (await prewarmContainers(stack)).filter(
      (c) => c.Image === rt.image && c.State === 'running',
    );
    if (pool.length >= PREWARM_POOL_SIZE) {
      const answers = await Promise.all(
        pool.map((c) => {
          const ip = c.NetworkSettings.Networks[stack.functionNetwork]?.IPAddress;
          return ip ? bootstrapIsReady(`http://${ip}:31000`) : Promise.resolve(false);
        }),
      );
      // A short settle so the invoker has seen the same /health answer and counts the container as available.
      if (answers.every(Boolean)) return sleep(PREWARM_SETTLE_MS);
    }
    await sleep(50);
  }
  throw new Error(`the prewarm pool for ${rt.family} did not refill within 30 s`);
}

type Latency = LatencyMs;

/** A scenario's p50 against the p50 of the baseline measured beside it. */
interface Versus {
  baseline: string;
  baselineP50Ms: number;
  deltaP50Ms: number;
  ratioP50: number;
}

interface StartFigures {
  latency: Latency;
  vsFloor: Versus;
  /** start_kind of the invocation records, counted. */
  startKinds: Record<string, number>;
  samplesMs: number[];
}

/** p50 of the cumulative ms at the end of each step, by step name (the floor's, or the invoker's log `phases`). */
type StepsP50 = Record<string, number>;

interface RuntimeResult {
  family: string;
  runtime: string;
  image: string;
  /** Bare container start with the invoker's flags → /health 200 → code → init → invoke. */
  floor: { latency: Latency; samplesMs: number[] };
  /** First invocation of a new function through the gateway, prewarm disabled. */
  cold: StartFigures;
  /** The invoker's own `tookMs` for starting the instance within those cold starts. */
  coldInstanceStart?: { latency: Latency; vsFloor: Versus };
  /** The very first cold start, with the code not yet in the invoker's cache (not in `cold`). */
  firstColdMs?: number;
  prewarm?: StartFigures & { vsSpecialization: Versus };
  prewarmUnavailable?: string;
  steps: { floor: StepsP50; cold: StepsP50; prewarm?: StepsP50 };
  warm?: { gateway: Latency; floor: Latency; vsFloor: Versus; p99MinusFloorMs: number };
}

/** What the run writes to RESULTS, what the tables are printed from and what bench/report.ts reads. */
interface ColdStartResults {
  benchmark: 'cold-start';
  date: string;
  machine: ReturnType<typeof machineFacts>;
  loadAverage: { start: number[]; end: number[] };
  settings: {
    runs: number;
    warmRequests: number;
    memoryMb: number;
    prewarmAvailable: boolean;
    prewarmEnv: Record<string, string>;
  } & Record<string, unknown>;
  runtimes: RuntimeResult[];
}

function versus(value: Latency, ref: Latency, baseline: string): Versus {
  return {
    baseline,
    baselineP50Ms: ref.p50Ms,
    deltaP50Ms: value.p50Ms - ref.p50Ms,
    ratioP50: value.p50Ms / ref.p50Ms,
  };
}

function runtimeResult(rt: RuntimeUnderTest, f: RuntimeFigures): RuntimeResult {
  const floorSamples = f.floor.map((r) => r.totalMs);
  const floor = latencyMs(floorSamples);
  const start = (runs: PlatformRun[]): StartFigures => {
    const samplesMs = runs.map((r) => r.e2eMs);
    const figures = latencyMs(samplesMs);
    return {
      latency: figures,
      vsFloor: versus(figures, floor, 'floor'),
      startKinds: startKinds(runs),
      samplesMs,
    };
  };
  const phasesOf = (runs: PlatformRun[]) => runs.flatMap((r) => (r.phases ? [r.phases] : []));
  const tooks = f.cold.flatMap((r) => (r.tookMs === undefined ? [] : [r.tookMs]));
  const result: RuntimeResult = {
    family: rt.family,
    runtime: rt.runtime,
    image: rt.image,
    floor: { latency: floor, samplesMs: floorSamples },
    cold: start(f.cold),
    firstColdMs: f.coldFirst?.e2eMs,
    steps: { floor: stepsP50(f.floor), cold: stepsP50(phasesOf(f.cold)) },
  };
  if (tooks.length > 0) {
    const took = latencyMs(tooks);
    result.coldInstanceStart = { latency: took, vsFloor: versus(took, floor, 'floor') };
  }
  if (f.prewarm && f.prewarm.length > 0) {
    const prewarm = start(f.prewarm);
    const specialization = latencyMs(f.floor.map((r) => r.totalMs - r.readyMs));
    result.prewarm = {
      ...prewarm,
      vsSpecialization: versus(prewarm.latency, specialization, 'code+init+invoke'),
    };
    result.steps.prewarm = stepsP50(phasesOf(f.prewarm));
  } else {
    result.prewarmUnavailable = f.prewarmUnavailable ?? 'not measured';
  }
  if (f.warm) {
    const gateway = fromSummary(f.warm.gateway);
    const direct = fromSummary(f.warm.floor);
    result.warm = {
      gateway,
      floor: direct,
      vsFloor: versus(gateway, direct, 'bootstrap /invoke'),
      p99MinusFloorMs: gateway.p99Ms - direct.p99Ms,
    };
  }
  return result;
}

function fromSummary(s: Summary): Latency {
  return { n: s.n, meanMs: s.mean, p50Ms: s.p50, p90Ms: s.p90, p99Ms: s.p99, maxMs: s.max };
}

function startKinds(runs: PlatformRun[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of runs) counts[r.startKind] = (counts[r.startKind] ?? 0) + 1;
  return counts;
}

function stepsP50(runs: Record<string, number>[]): StepsP50 {
  const steps: StepsP50 = {};
  for (const key of new Set(runs.flatMap((r) => Object.keys(r)))) {
    const values = runs.flatMap((r) => (r[key] === undefined ? [] : [r[key]]));
    if (values.length > 0) steps[key] = summarize(values).p50;
  }
  return steps;
}

function report(results: ColdStartResults): string {
  const starts: string[][] = [];
  const phases: string[][] = [];
  const warm: string[][] = [];
  const blank = (n: number): string[] => Array<string>(n).fill('');
  const spread = (l: Latency) => [String(l.n), ms(l.p50Ms), ms(l.p90Ms), ms(l.maxMs)];
  const vs = (l: Latency, v: Versus) => [
    `${ms(v.baselineP50Ms)} (${v.baseline})`,
    diff(l.p50Ms, v.baselineP50Ms),
    ratio(l.p50Ms, v.baselineP50Ms),
  ];
  const kinds = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([kind, n]) => `${kind} ×${n}`)
      .join(', ');
  for (const r of results.runtimes) {
    const family = r.family;
    starts.push(
      [
        family,
        'floor: bare container → /health 200 → code → init → invoke',
        ...spread(r.floor.latency),
        ...blank(4),
      ],
      [
        family,
        'cold start, prewarm disabled (e2e)',
        ...spread(r.cold.latency),
        ...vs(r.cold.latency, r.cold.vsFloor),
        kinds(r.cold.startKinds),
      ],
    );
    if (r.coldInstanceStart)
      starts.push([
        family,
        '… of which the invoker’s instance start',
        ...spread(r.coldInstanceStart.latency),
        ...vs(r.coldInstanceStart.latency, r.coldInstanceStart.vsFloor),
        '',
      ]);
    phases.push(
      phaseRow(family, 'floor', r.steps.floor),
      phaseRow(family, 'cold (invoker log)', r.steps.cold),
    );
    if (r.prewarm) {
      starts.push(
        [
          family,
          'prewarm-specialized start (e2e)',
          ...spread(r.prewarm.latency),
          ...vs(r.prewarm.latency, r.prewarm.vsFloor),
          kinds(r.prewarm.startKinds),
        ],
        [
          family,
          '… against specialization only',
          ...blank(4),
          ...vs(r.prewarm.latency, r.prewarm.vsSpecialization),
          '',
        ],
      );
      if (r.steps.prewarm)
        phases.push(phaseRow(family, 'prewarm-specialized (invoker log)', r.steps.prewarm));
    } else {
      starts.push([family, 'prewarm-specialized start', ...blank(7), r.prewarmUnavailable ?? '']);
    }
    if (r.firstColdMs !== undefined)
      phases.push([family, 'first cold start, code not yet cached (e2e)', ...blank(4), ms(r.firstColdMs)]);
    if (r.warm) {
      const { gateway, floor: direct } = r.warm;
      const figures3 = (l: Latency) => [ms(l.meanMs), ms(l.p50Ms), ms(l.p99Ms)];
      const compare = (op: (a: number, b: number) => string) => [
        op(gateway.meanMs, direct.meanMs),
        op(gateway.p50Ms, direct.p50Ms),
        op(gateway.p99Ms, direct.p99Ms),
      ];
      warm.push(
        [family, 'gateway (sync invoke, v1)', String(gateway.n), ...figures3(gateway)],
        [family, 'floor (bootstrap /invoke)', String(direct.n), ...figures3(direct)],
        [family, 'gateway − floor', '', ...compare(diff)],
        [family, 'gateway ÷ floor', '', ...compare(ratio)],
      );
    }
  }
  return [
    '### Starts: first invocation of a new function (ms)',
    table(
      ['runtime', 'scenario', 'runs', 'p50', 'p90', 'max', 'floor p50', 'Δ p50', '÷ floor', 'start kinds'],
      starts,
    ),
    '',
    '### Where a start goes (p50 of cumulative ms at the end of each step)',
    table(['runtime', 'start', 'container', 'bootstrap ready', 'code', 'init', 'invoke'], phases),
    '',
    '### Warm invocation at concurrency 1 (ms)',
    table(['runtime', 'target', 'requests', 'mean', 'p50', 'p99'], warm),
  ].join('\n');
}

function phaseRow(family: string, label: string, steps: StepsP50): string[] {
  const p50 = (key: string) => (steps[key] === undefined ? '' : ms(steps[key]));
  return [family, label, p50('containerMs'), p50('readyMs'), p50('codeMs'), p50('initMs'), p50('totalMs')];
}

function writeChart(results: ColdStartResults): void {
  mkdirSync(join(CHART, '..'), { recursive: true });
  writeFileSync(CHART, chart(results));
  console.log(`[bench] wrote ${CHART}`);
}

/** p50 per runtime: the start floor, both kinds of start, and warm invocation beside its own floor. */
function chart({ runtimes, date, settings, machine: host, loadAverage: load }: ColdStartResults): string {
  return renderBarChart({
    title: 'Start and warm invocation latency per runtime (p50)',
    subtitle:
      `${date.slice(0, 10)}, ${settings.runs} starts per scenario, ${settings.warmRequests} warm requests, ` +
      `${settings.memoryMb} MB.\n${host.cores} cores shared by the load generator and every process; load average ` +
      `${load.start[0]?.toFixed(2)} → ${load.end[0]?.toFixed(2)}.\n` +
      'Latency axis is logarithmic. Each platform figure sits beside the floor measured in the same run.',
    series: [
      { name: 'floor: bare container start → first answer', color: '#7f7f7f' },
      { name: 'cold start, prewarm disabled', color: '#D55E00' },
      { name: 'prewarm-specialized start', color: '#E69F00' },
      { name: 'warm invocation through the gateway', color: '#0072B2' },
      { name: 'warm floor: bootstrap /invoke', color: '#BBBBBB' },
    ],
    panels: [
      {
        title: 'p50 latency (lower is better)',
        yLabel: 'ms (log scale)',
        scale: 'log',
        groups: runtimes.map((r) => ({
          label:
            `${r.runtime}: cold ${ratio(r.cold.latency.p50Ms, r.floor.latency.p50Ms)}` +
            (r.prewarm ? `, prewarm ${ratio(r.prewarm.latency.p50Ms, r.floor.latency.p50Ms)}` : '') +
            ' the floor',
          values: [
            r.floor.latency.p50Ms,
            r.cold.latency.p50Ms,
            r.prewarm?.latency.p50Ms,
            r.warm?.gateway.p50Ms,
            r.warm?.floor.p50Ms,
          ],
        })),
      },
    ],
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
