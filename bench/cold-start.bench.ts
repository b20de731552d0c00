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
 * Printed, not asserted. Run: `npm run build && npm run bench` (or this file alone with node -r @swc-node/register).
 */
import { readFileSync } from 'node:fs';
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
import { diff, ms, ratio, Summary, summarize, table } from './support/stats';

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
  const figures = new Map<string, RuntimeFigures>();
  // Other work on the machine shows in every figure; the load average says how much there was.
  const loadAtStart = loadAverage();
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

  if (prewarmAvailable()) {
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

  console.log(
    `\n${report(figures)}\n\nLoad average (1/5/15 min) at start ${loadAtStart}, at end ${loadAverage()}`,
  );
}

function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
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

function report(figures: Map<string, RuntimeFigures>): string {
  const starts: string[][] = [];
  const phases: string[][] = [];
  const warm: string[][] = [];
  const blank = (n: number): string[] => Array<string>(n).fill('');
  const phasesOf = (runs: PlatformRun[]) => runs.flatMap((r) => (r.phases ? [r.phases] : []));
  const spread = (s: Summary) => [String(s.n), ms(s.p50), ms(s.p90), ms(s.max)];
  const vs = (s: Summary, ref: Summary, refName: string) => [
    `${ms(ref.p50)} (${refName})`,
    diff(s.p50, ref.p50),
    ratio(s.p50, ref.p50),
  ];
  for (const [family, f] of figures) {
    const floor = summarize(f.floor.map((r) => r.totalMs));
    const cold = summarize(f.cold.map((r) => r.e2eMs));
    starts.push(
      [family, 'floor: bare container → /health 200 → code → init → invoke', ...spread(floor), ...blank(4)],
      [
        family,
        'cold start, prewarm disabled (e2e)',
        ...spread(cold),
        ...vs(cold, floor, 'floor'),
        startKinds(f.cold),
      ],
    );
    const tooks = f.cold.flatMap((r) => (r.tookMs === undefined ? [] : [r.tookMs]));
    if (tooks.length > 0) {
      const took = summarize(tooks);
      starts.push([
        family,
        '… of which the invoker’s instance start',
        ...spread(took),
        ...vs(took, floor, 'floor'),
        '',
      ]);
    }
    phases.push(phaseRow(family, 'floor', f.floor), phaseRow(family, 'cold (invoker log)', phasesOf(f.cold)));
    if (f.prewarm) {
      const prewarm = summarize(f.prewarm.map((r) => r.e2eMs));
      const specialization = summarize(f.floor.map((r) => r.totalMs - r.readyMs));
      starts.push(
        [
          family,
          'prewarm-specialized start (e2e)',
          ...spread(prewarm),
          ...vs(prewarm, floor, 'floor'),
          startKinds(f.prewarm),
        ],
        [
          family,
          '… against specialization only',
          ...blank(4),
          ...vs(prewarm, specialization, 'code+init+invoke'),
          '',
        ],
      );
      phases.push(phaseRow(family, 'prewarm-specialized (invoker log)', phasesOf(f.prewarm)));
    } else {
      starts.push([family, 'prewarm-specialized start', ...blank(7), f.prewarmUnavailable ?? '']);
    }
    if (f.coldFirst)
      phases.push([
        family,
        'first cold start, code not yet cached (e2e)',
        ...blank(4),
        ms(f.coldFirst.e2eMs),
      ]);
    if (f.warm) {
      const { gateway, floor: direct } = f.warm;
      const figures3 = (s: Summary) => [ms(s.mean), ms(s.p50), ms(s.p99)];
      const compare = (op: (a: number, b: number) => string) => [
        op(gateway.mean, direct.mean),
        op(gateway.p50, direct.p50),
        op(gateway.p99, direct.p99),
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

function startKinds(runs: PlatformRun[]): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.startKind, (counts.get(r.startKind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} ×${n}`).join(', ');
}

function phaseRow(family: string, label: string, runs: Record<string, number>[]): string[] {
  const p50 = (key: string) => {
    const values = runs.flatMap((r) => (r[key] === undefined ? [] : [r[key]]));
    return values.length > 0 ? ms(summarize(values).p50) : '';
  };
  return [family, label, p50('containerMs'), p50('readyMs'), p50('codeMs'), p50('initMs'), p50('totalMs')];
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
