/**
 * 100 trivial Node.js functions (128 MB, concurrent_num 1) under a skewed load: a closed-loop client of C workers sends
 * sync invocations through the gateway, each to function rank k with probability ∝ 1/k^s, drawn from a seeded PRNG so
 * every configuration sees the same sequence. Configurations, each on a fresh stack (new database, flushed Redis db,
 * new invoker processes, so no warm instance carries over): 1 invoker; 3 invokers with the shared BullMQ queue
 * (SYNC_DISPATCH=queue, before); 3 invokers with affinity routing (SYNC_DISPATCH=affinity, after). Prewarming is off
 * (PREWARM_POOL_SIZE=0) so the warm-hit ratio measures routing, not the prewarm pool.
 * Reports, per phase (warm-up: the first third of the requests; steady state: the rest), the warm-hit ratio from the
 * platform's own invocation records (start_kind), cold starts by cause, per function and per invoker, the client's
 * latency percentiles and errors by status, and the containers left at the end. Writes tmp/bench-results/zipf-load.json
 * and docs/benchmarks/zipf-warm-hit.svg; BENCH_ZIPF_FROM_JSON=1 redraws both tables and chart from that file alone.
 * Run: `npm run build && npm run bench` (or this file alone with node -r @swc-node/register). Knobs:
 * BENCH_ZIPF_FUNCTIONS, BENCH_ZIPF_REQUESTS or BENCH_ZIPF_DURATION_S, BENCH_ZIPF_CONCURRENCY, BENCH_ZIPF_S,
 * BENCH_ZIPF_SEED, BENCH_ZIPF_WARMUP_FRACTION, BENCH_ZIPF_CONFIGS (comma-separated keys), BENCH_ZIPF_MEMORY_BUDGET_MB,
 * BENCH_ZIPF_MIN_FREE_GIB, BENCH_ZIPF_DEPLOY_CONCURRENCY.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { freemem, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import Docker from 'dockerode';
import { Client } from 'pg';
import { CONTAINER_LABELS } from '@ofg/contracts';
import { removeInvokerContainers, StackInfo, startExtraInvoker, stopStack } from '@ofg/testing';
import { BenchApi, benchPortBase, sleep, startBenchStack, timedPost } from './support/bench-stack';
import { inParallel } from './support/parallel';
import { machineFacts, ms, summarize, table } from './support/stats';
import { renderBarChart } from './support/svg-chart';

const FUNCTIONS = Number(process.env['BENCH_ZIPF_FUNCTIONS'] ?? 100);
const REQUESTS = Number(process.env['BENCH_ZIPF_REQUESTS'] ?? 2000);
/** When set, each configuration runs for this long instead of a fixed number of requests. */
const DURATION_S = process.env['BENCH_ZIPF_DURATION_S']
  ? Number(process.env['BENCH_ZIPF_DURATION_S'])
  : undefined;
const CONCURRENCY = Number(process.env['BENCH_ZIPF_CONCURRENCY'] ?? 16);
const ZIPF_S = Number(process.env['BENCH_ZIPF_S'] ?? 1.0);
const SEED = Number(process.env['BENCH_ZIPF_SEED'] ?? 1);
const WARMUP_FRACTION = Number(process.env['BENCH_ZIPF_WARMUP_FRACTION'] ?? 1 / 3);
const DEPLOY_CONCURRENCY = Number(process.env['BENCH_ZIPF_DEPLOY_CONCURRENCY'] ?? 8);
/** How long to wait for the invokers' batched invocation records after the last answer. */
const RECORDS_TIMEOUT_MS = 30_000;
const MEMORY_MB = 128;
const RUNTIME = 'Node.js20.15';
const HANDLER = 'exports.handler = async (event) => ({ ok: true, n: event.n || 0 });\n';
const WORKSPACE = join(__dirname, '..');
const RESULTS_FILE = join(WORKSPACE, 'tmp', 'bench-results', 'zipf-load.json');
const CHART_FILE = join(WORKSPACE, 'docs', 'benchmarks', 'zipf-warm-hit.svg');
/**
 * Every invoker gets the same settings: no prewarm pool (warm hits come from routing alone), a memory budget that
 * never binds (each function may hold one instance per client worker, the most a closed loop can keep busy) unless
 * BENCH_ZIPF_MEMORY_BUDGET_MB sets one to show eviction, and the invoker's default keep-alive rather than the test
 * stack's shorter one, so no instance idles out during a run.
 */
const INVOKER_ENV: Record<string, string> = {
  PREWARM_POOL_SIZE: '0',
  INVOKER_MEMORY_BUDGET_MB:
    process.env['BENCH_ZIPF_MEMORY_BUDGET_MB'] ?? String(FUNCTIONS * CONCURRENCY * MEMORY_MB),
  INSTANCE_KEEPALIVE_MS: '300000',
};
/** The run stops (and cleans up) when the host's available memory falls below this: the machine is shared. */
const MIN_FREE_GIB = Number(process.env['BENCH_ZIPF_MIN_FREE_GIB'] ?? 2);

interface Configuration {
  key: string;
  label: string;
  invokers: number;
  /** SYNC_DISPATCH of the gateway and trigger service; undefined keeps their default. */
  syncDispatch?: 'queue' | 'affinity';
}

const CONFIGURATIONS: Configuration[] = [
  { key: 'one-invoker', label: '1 invoker', invokers: 1 },
  {
    key: 'three-invokers-queue',
    label: '3 invokers, shared queue (before)',
    invokers: 3,
    syncDispatch: 'queue',
  },
  {
    key: 'three-invokers-affinity',
    label: '3 invokers, affinity (after)',
    invokers: 3,
    syncDispatch: 'affinity',
  },
];

type Phase = 'warmup' | 'steady';
const PHASES: Phase[] = ['warmup', 'steady'];
const PHASE_LABEL: Record<Phase | 'all', string> = { warmup: 'warm-up', steady: 'steady state', all: 'all' };

/** One request as the client saw it. */
interface Sample {
  index: number;
  rank: number;
  phase: Phase;
  /** HTTP status, or `network: <code>` when no answer came. */
  status: string;
  ms: number;
  requestId?: string;
}

/** The invoker's record of one invocation (`invocations` row). */
interface InvocationRecord {
  request_id: string;
  start_kind: string;
  start_reason: string;
  invoker_id: string;
  start_time: Date | null;
}

/** Why a cold start happened, from the order of the run's cold starts. */
type ColdClass = 'first' | 'sameInvoker' | 'otherInvoker';
const COLD_CLASS_LABEL: Record<ColdClass, string> = {
  first: 'first start of the function',
  sameInvoker: 'another instance on an invoker that had one',
  otherInvoker: 'first instance on this invoker, the function had one elsewhere',
};

interface Latency {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

interface PhaseFigures {
  requests: number;
  ok: number;
  errors: Record<string, number>;
  records: number;
  startKinds: Record<string, number>;
  startReasons: Record<string, number>;
  coldClasses: Record<ColdClass, number>;
  /** warm ÷ records of the phase. */
  warmHitRatio: number;
  latencyMs?: Latency;
  /** Latency of answered requests by the start kind of their record. */
  latencyByStartKindMs: Record<string, Latency>;
  /** Functions invoked for the first time in this phase. */
  functionsFirstInvoked: number;
}

interface ConfigurationResult {
  key: string;
  label: string;
  invokers: number;
  syncDispatch: string;
  /** Whether the compiled gateway knows SYNC_DISPATCH (before the change lands it is ignored). */
  syncDispatchKnown: boolean;
  invokerIds: string[];
  deployMs: number;
  loadMs: number;
  requests: number;
  requestsPerSecond: number;
  /** sha256 of the ranks in dispatch order: equal across configurations of one run of the same length. */
  sequenceSha256: string;
  recordsMissing: number;
  phases: Record<Phase | 'all', PhaseFigures>;
  perInvoker: Record<string, { invocations: number; warm: number; cold: number; containersAtEnd: number }>;
  perFunction: { rank: number; invocations: number; cold: number; invokersWithColdStarts: number }[];
  containersAtEnd: number;
  containersRemovedAtCleanup: boolean;
  loadAverage: { start: number[]; end: number[] };
  /** Lowest available host memory seen during the load (sampled every second). */
  minFreeMemoryGiB: number;
  /** Most containers running on the engine at a progress sample (every 5 s), the other sessions' included. */
  maxContainersOnEngine: number;
}

const docker = new Docker();

/** mulberry32: a small seeded PRNG, so the sequence depends on the seed alone. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 1..n with probability ∝ 1/k^s by inverse transform over the cumulative weights. */
function zipfSampler(n: number, s: number, seed: number): () => number {
  const cumulative: number[] = [];
  let sum = 0;
  for (let k = 1; k <= n; k += 1) {
    sum += 1 / k ** s;
    cumulative.push(sum);
  }
  const random = prng(seed);
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? Infinity) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** The probability of rank k under the distribution. */
function zipfShare(k: number, settings: Settings): number {
  let sum = 0;
  for (let j = 1; j <= settings.functions; j += 1) sum += 1 / j ** settings.zipfS;
  return 1 / k ** settings.zipfS / sum;
}

/** What a run was made of, as recorded in the results file (the tables and chart are drawn from it). */
interface Settings {
  functions: number;
  requests?: number;
  durationS?: number;
  concurrency: number;
  zipfS: number;
  seed: number;
  warmupFraction: number;
  memoryMb: number;
  concurrentNum: number;
  runtime: string;
  handler: string;
  invokerEnv: Record<string, string>;
  freshStackPerConfiguration: boolean;
}

const SETTINGS: Settings = {
  functions: FUNCTIONS,
  requests: DURATION_S === undefined ? REQUESTS : undefined,
  durationS: DURATION_S,
  concurrency: CONCURRENCY,
  zipfS: ZIPF_S,
  seed: SEED,
  warmupFraction: WARMUP_FRACTION,
  memoryMb: MEMORY_MB,
  concurrentNum: 1,
  runtime: RUNTIME,
  handler: HANDLER.trim(),
  invokerEnv: INVOKER_ENV,
  freshStackPerConfiguration: true,
};

interface ResultsFile {
  bench: 'zipf-load';
  startedAt: string;
  finishedAt: string;
  machine: { cores: number; memoryGiB: number; kernel: string; node: string };
  settings: Settings;
  configurations: ConfigurationResult[];
  failures: { key: string; error: string }[];
  loadAverage: { start: number[]; end: number[] };
  chart: string;
}

const loadOf = (settings: Settings): string =>
  settings.durationS === undefined ? `${settings.requests} requests` : `${settings.durationS} s`;

function functionName(rank: number): string {
  return `zipf-${String(rank).padStart(3, '0')}`;
}

async function main(): Promise<void> {
  // Redraws the tables and the chart of the last run without running anything.
  if (process.env['BENCH_ZIPF_FROM_JSON'] === '1') {
    const file = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ResultsFile;
    console.log(report(file.configurations, file.settings));
    writeChart(file);
    return;
  }
  const selected = (process.env['BENCH_ZIPF_CONFIGS'] ?? CONFIGURATIONS.map((c) => c.key).join(','))
    .split(',')
    .map((k) => k.trim());
  const configurations = CONFIGURATIONS.filter((c) => selected.includes(c.key));
  console.log(
    `[bench] ${FUNCTIONS} functions, ${loadOf(SETTINGS)} per configuration from ${CONCURRENCY} workers, Zipf s=${ZIPF_S}, ` +
      `seed ${SEED}, warm-up ${(WARMUP_FRACTION * 100).toFixed(0)}%; configurations: ${configurations.map((c) => c.key).join(', ')}`,
  );
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const results: ConfigurationResult[] = [];
  const failures: { key: string; error: string }[] = [];
  for (const configuration of configurations) {
    try {
      results.push(await runConfiguration(configuration));
    } catch (err) {
      // The other configurations' figures are still worth keeping.
      console.error(err);
      failures.push({ key: configuration.key, error: err instanceof Error ? err.message : String(err) });
    }
  }
  await dropBenchDatabase();

  const file: ResultsFile = {
    bench: 'zipf-load',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machineFacts(),
    settings: SETTINGS,
    configurations: results,
    failures,
    loadAverage: { start: loadAtStart, end: loadavg() },
    chart: relative(WORKSPACE, CHART_FILE),
  };
  console.log(`\n${report(results, SETTINGS)}`);
  console.log(
    `\nLoad average (1/5/15 min) at start ${fmtLoad(file.loadAverage.start)}, at end ${fmtLoad(file.loadAverage.end)}; ` +
      `containers on the engine now: ${(await docker.listContainers()).length}`,
  );
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`[bench] wrote ${RESULTS_FILE}`);
  writeChart(file);
  if (failures.length > 0) throw new Error(`failed: ${failures.map((f) => f.key).join(', ')}`);
}

let running: StackInfo | undefined;

async function runConfiguration(configuration: Configuration): Promise<ConfigurationResult> {
  const serviceEnv = configuration.syncDispatch ? { SYNC_DISPATCH: configuration.syncDispatch } : undefined;
  console.log(
    `\n[bench] === ${configuration.label}: fresh stack${serviceEnv ? `, SYNC_DISPATCH=${configuration.syncDispatch}` : ''}`,
  );
  const loadAtStart = loadavg();
  const stack = await startBenchStack(INVOKER_ENV, { gatewayEnv: serviceEnv, triggerEnv: serviceEnv });
  running = stack;
  try {
    for (let i = 1; i < configuration.invokers; i += 1) {
      // Ports after the gateway, invoker and trigger service (the S3 store sits at base + 9).
      const extra = await startExtraInvoker(stack, `zipf${i}`, benchPortBase() + 2 + i, INVOKER_ENV);
      // Teardown goes by this object, not the shared stack file, so it must know the extra invoker too.
      stack.pids.push(extra.pid);
      stack.extraInvokerIds = [...(stack.extraInvokerIds ?? []), extra.invokerId];
    }
    const invokerIds = [stack.invokerId, ...(stack.extraInvokerIds ?? [])];
    console.log(`[bench] invokers: ${invokerIds.join(', ')}`);
    const api = await BenchApi.connect(stack);

    const deployStarted = performance.now();
    const urns = await deploy(api);
    const deployMs = performance.now() - deployStarted;

    const { samples, loadMs, minFreeMemoryGiB, maxContainers } = await drive(api, urns);
    const records = await waitForRecords(stack, samples);
    const containers = await containersPerInvoker(invokerIds);
    const result = summarizeRun(configuration, invokerIds, samples, records, containers);

    console.log(`[bench] stopping the stack (${result.containersAtEnd} function containers)`);
    const stopping = performance.now();
    await stopStack(stack);
    running = undefined;
    const cleaned = await removeLeftovers(invokerIds);
    console.log(
      `[bench] stack stopped and its containers removed in ${((performance.now() - stopping) / 1000).toFixed(1)} s`,
    );
    if (!cleaned) console.warn('[bench] some containers of this stack are still on the engine');
    return {
      ...result,
      deployMs,
      loadMs,
      requestsPerSecond: (samples.length * 1000) / loadMs,
      containersRemovedAtCleanup: cleaned,
      loadAverage: { start: loadAtStart, end: loadavg() },
      minFreeMemoryGiB,
      maxContainersOnEngine: maxContainers,
    };
  } finally {
    if (running) {
      running = undefined;
      await stopStack(stack);
      await removeLeftovers([stack.invokerId, ...(stack.extraInvokerIds ?? [])]);
    }
  }
}

/** Creates the functions, rank 1 first, with bounded concurrency; returns their URNs by rank - 1. */
async function deploy(api: BenchApi): Promise<string[]> {
  const urns: string[] = new Array<string>(FUNCTIONS);
  let done = 0;
  const started = performance.now();
  const step = Math.max(1, Math.round(FUNCTIONS / 10));
  await inParallel(FUNCTIONS, DEPLOY_CONCURRENCY, async (i) => {
    urns[i] = await api.createFunction({
      name: functionName(i + 1),
      runtime: RUNTIME,
      source: HANDLER,
      memoryMb: MEMORY_MB,
    });
    done += 1;
    if (done % step === 0 || done === FUNCTIONS)
      console.log(
        `[bench] deployed ${done}/${FUNCTIONS} functions (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
  });
  return urns;
}

/** The closed loop: each worker sends its next request as soon as its previous one is answered. */
async function drive(
  api: BenchApi,
  urns: string[],
): Promise<{ samples: Sample[]; loadMs: number; minFreeMemoryGiB: number; maxContainers: number }> {
  const nextRank = zipfSampler(FUNCTIONS, ZIPF_S, SEED);
  const samples: Sample[] = [];
  const started = performance.now();
  const deadline = DURATION_S === undefined ? Infinity : started + DURATION_S * 1000;
  const warmupEnd =
    DURATION_S === undefined ? REQUESTS * WARMUP_FRACTION : started + DURATION_S * 1000 * WARMUP_FRACTION;
  let next = 0;
  let errors = 0;
  let minFreeMemoryGiB = freemem() / 2 ** 30;
  let maxContainers = 0;
  let stopped: string | undefined;
  let ticks = 0;
  const watch = setInterval(() => {
    const free = freemem() / 2 ** 30;
    minFreeMemoryGiB = Math.min(minFreeMemoryGiB, free);
    if (free < MIN_FREE_GIB) stopped ??= `available memory fell to ${free.toFixed(1)} GiB`;
    ticks += 1;
    if (ticks % 5 !== 0) return;
    const seconds = (performance.now() - started) / 1000;
    void docker.listContainers().then((list) => {
      maxContainers = Math.max(maxContainers, list.length);
      console.log(
        `[bench] ${samples.length}${DURATION_S === undefined ? `/${REQUESTS}` : ''} answered in ${seconds.toFixed(0)} s ` +
          `(${(samples.length / seconds).toFixed(0)} req/s), errors ${errors}, containers running ${list.length}, ` +
          `memory available ${free.toFixed(1)} GiB`,
      );
    });
  }, 1000);
  const worker = async (): Promise<void> => {
    for (;;) {
      const now = performance.now();
      if (stopped !== undefined || (DURATION_S === undefined ? next >= REQUESTS : now >= deadline)) return;
      const index = next;
      next += 1;
      // Ranks are drawn in dispatch order, so the sequence is the same whatever the timing.
      const rank = nextRank();
      const phase: Phase = (DURATION_S === undefined ? index : now) < warmupEnd ? 'warmup' : 'steady';
      const url = api.invokeUrl(urns[rank - 1] ?? '');
      const sent = performance.now();
      let sample: Sample;
      try {
        const answer = await timedPost(url, api.invokeHeaders, JSON.stringify({ n: index }));
        const requestId = answer.headers['x-cff-request-id'];
        sample = {
          index,
          rank,
          phase,
          status: String(answer.status),
          ms: answer.ms,
          requestId: typeof requestId === 'string' ? requestId : undefined,
        };
      } catch (err) {
        sample = {
          index,
          rank,
          phase,
          status: `network: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
          ms: performance.now() - sent,
        };
      }
      if (sample.status !== '200') errors += 1;
      samples.push(sample);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    clearInterval(watch);
  }
  if (stopped !== undefined)
    throw new Error(`load stopped: ${stopped} (BENCH_ZIPF_MIN_FREE_GIB=${MIN_FREE_GIB})`);
  const loadMs = performance.now() - started;
  console.log(
    `[bench] ${samples.length} requests in ${(loadMs / 1000).toFixed(1)} s (${((samples.length * 1000) / loadMs).toFixed(0)} req/s), errors ${errors}`,
  );
  return { samples: samples.sort((a, b) => a.index - b.index), loadMs, minFreeMemoryGiB, maxContainers };
}

/** Polls the invocations table until every answered request has its record, or the records stop coming. */
async function waitForRecords(stack: StackInfo, samples: Sample[]): Promise<Map<string, InvocationRecord>> {
  const ids = samples.flatMap((s) => (s.requestId ? [s.requestId] : []));
  const expected = samples.filter((s) => s.status === '200' && s.requestId).length;
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const until = Date.now() + RECORDS_TIMEOUT_MS;
    let found = -1;
    let stableSince = Date.now();
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM invocations WHERE request_id = ANY($1::uuid[])',
        [ids],
      );
      const n = rows[0]?.n ?? 0;
      if (n !== found) stableSince = Date.now();
      found = n;
      // Every id at once, or every successful one and nothing new for 2 s (failed requests may have no record).
      if (n >= ids.length || (n >= expected && Date.now() - stableSince > 2000) || Date.now() > until) break;
      await sleep(250);
    }
    const { rows } = await db.query<InvocationRecord>(
      `SELECT request_id, start_kind, start_reason, invoker_id, start_time
         FROM invocations WHERE request_id = ANY($1::uuid[])`,
      [ids],
    );
    console.log(
      `[bench] ${rows.length} invocation records for ${ids.length} answered requests (${expected} with 200)`,
    );
    return new Map(rows.map((r) => [r.request_id, r]));
  } finally {
    await db.end();
  }
}

/** Function containers (any state) each invoker owns, by their Docker labels. */
async function containersPerInvoker(invokerIds: string[]): Promise<Record<string, number>> {
  const perInvoker: Record<string, number> = {};
  for (const id of invokerIds) {
    const list = await docker.listContainers({
      all: true,
      filters: { label: [`${CONTAINER_LABELS.invokerId}=${id}`] },
    });
    perInvoker[id] = list.filter((c) => c.Labels[CONTAINER_LABELS.functionUrn] !== undefined).length;
  }
  return perInvoker;
}

/**
 * Waits until no container of these invokers is left, removing stragglers: a container whose create reached the
 * engine just before its invoker was killed shows up after stopStack's sweep.
 */
async function removeLeftovers(invokerIds: string[]): Promise<boolean> {
  const until = Date.now() + 20_000;
  for (;;) {
    if ((await removeInvokerContainers(docker, invokerIds)) === 0) return true;
    if (Date.now() > until) return false;
    await sleep(500);
  }
}

function summarizeRun(
  configuration: Configuration,
  invokerIds: string[],
  samples: Sample[],
  records: Map<string, InvocationRecord>,
  containers: Record<string, number>,
): Omit<
  ConfigurationResult,
  | 'deployMs'
  | 'loadMs'
  | 'requestsPerSecond'
  | 'containersRemovedAtCleanup'
  | 'loadAverage'
  | 'minFreeMemoryGiB'
  | 'maxContainersOnEngine'
> {
  const recordOf = (s: Sample) => (s.requestId ? records.get(s.requestId) : undefined);
  const coldClass = classifyColdStarts(samples, recordOf);
  const firstInvoked = new Set<number>();
  const firstSeenIn = new Map<number, Phase>();
  for (const s of samples)
    if (!firstInvoked.has(s.rank)) {
      firstInvoked.add(s.rank);
      firstSeenIn.set(s.rank, s.phase);
    }
  const phaseOf = (subset: Sample[], phase: Phase | 'all'): PhaseFigures => {
    const errors: Record<string, number> = {};
    const startKinds: Record<string, number> = {};
    const startReasons: Record<string, number> = {};
    const coldClasses: Record<ColdClass, number> = { first: 0, sameInvoker: 0, otherInvoker: 0 };
    const byKind = new Map<string, number[]>();
    let recorded = 0;
    for (const s of subset) {
      if (s.status !== '200') errors[s.status] = (errors[s.status] ?? 0) + 1;
      const record = recordOf(s);
      if (!record) continue;
      recorded += 1;
      const kind = record.start_kind || 'none';
      startKinds[kind] = (startKinds[kind] ?? 0) + 1;
      if (record.start_reason)
        startReasons[record.start_reason] = (startReasons[record.start_reason] ?? 0) + 1;
      const cls = coldClass.get(s.index);
      if (cls) coldClasses[cls] += 1;
      if (s.status !== '200') continue;
      const values = byKind.get(kind) ?? [];
      values.push(s.ms);
      byKind.set(kind, values);
    }
    const ok = subset.filter((s) => s.status === '200');
    return {
      requests: subset.length,
      ok: ok.length,
      errors,
      records: recorded,
      startKinds,
      startReasons,
      coldClasses,
      warmHitRatio: recorded > 0 ? (startKinds['warm'] ?? 0) / recorded : NaN,
      latencyMs: ok.length > 0 ? latency(ok.map((s) => s.ms)) : undefined,
      latencyByStartKindMs: Object.fromEntries([...byKind].map(([kind, values]) => [kind, latency(values)])),
      functionsFirstInvoked: [...firstSeenIn.values()].filter((p) => phase === 'all' || p === phase).length,
    };
  };
  const phases = {
    warmup: phaseOf(
      samples.filter((s) => s.phase === 'warmup'),
      'warmup',
    ),
    steady: phaseOf(
      samples.filter((s) => s.phase === 'steady'),
      'steady',
    ),
    all: phaseOf(samples, 'all'),
  };

  const perInvoker: ConfigurationResult['perInvoker'] = {};
  for (const id of invokerIds)
    perInvoker[id] = { invocations: 0, warm: 0, cold: 0, containersAtEnd: containers[id] ?? 0 };
  const perFunction = Array.from({ length: FUNCTIONS }, (_, i) => ({
    rank: i + 1,
    invocations: 0,
    cold: 0,
    coldOn: new Set<string>(),
  }));
  for (const s of samples) {
    const fn = perFunction[s.rank - 1];
    if (fn) fn.invocations += 1;
    const record = recordOf(s);
    if (!record) continue;
    const inv = (perInvoker[record.invoker_id] ??= { invocations: 0, warm: 0, cold: 0, containersAtEnd: 0 });
    inv.invocations += 1;
    if (record.start_kind === 'warm') inv.warm += 1;
    else {
      inv.cold += 1;
      if (fn) {
        fn.cold += 1;
        fn.coldOn.add(record.invoker_id);
      }
    }
  }
  return {
    key: configuration.key,
    label: configuration.label,
    invokers: configuration.invokers,
    syncDispatch: configuration.syncDispatch ?? 'default',
    syncDispatchKnown: syncDispatchKnown(),
    invokerIds,
    requests: samples.length,
    sequenceSha256: createHash('sha256')
      .update(samples.map((s) => s.rank).join(','))
      .digest('hex'),
    recordsMissing: samples.filter((s) => s.status === '200' && !recordOf(s)).length,
    phases,
    perInvoker,
    perFunction: perFunction.map(({ coldOn, ...f }) => ({ ...f, invokersWithColdStarts: coldOn.size })),
    containersAtEnd: Object.values(containers).reduce((a, b) => a + b, 0),
  };
}

/**
 * Labels each non-warm invocation, taken in the order the invokers started them: the function's first start anywhere,
 * a further instance on an invoker that already started one (concurrency), or a first instance on this invoker while
 * another invoker already had one (what routing to the warm invoker avoids).
 */
function classifyColdStarts(
  samples: Sample[],
  recordOf: (s: Sample) => InvocationRecord | undefined,
): Map<number, ColdClass> {
  const starts = samples
    .map((s) => ({ s, r: recordOf(s) }))
    .filter((x): x is { s: Sample; r: InvocationRecord } => x.r !== undefined && x.r.start_kind !== 'warm')
    .sort(
      (a, b) => (a.r.start_time?.getTime() ?? 0) - (b.r.start_time?.getTime() ?? 0) || a.s.index - b.s.index,
    );
  const startedOn = new Map<number, Set<string>>();
  const classes = new Map<number, ColdClass>();
  for (const { s, r } of starts) {
    const on = startedOn.get(s.rank) ?? new Set<string>();
    classes.set(s.index, on.size === 0 ? 'first' : on.has(r.invoker_id) ? 'sameInvoker' : 'otherInvoker');
    on.add(r.invoker_id);
    startedOn.set(s.rank, on);
  }
  return classes;
}

/** Nearest-rank percentiles, so every figure is a latency that was actually observed. */
function latency(samples: number[]): Latency {
  if (samples.length === 0) return { n: 0, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const { n, mean, p50, p95, p99, max } = summarize(samples);
  return { n, mean, p50, p95, p99, max };
}

/** Whether the compiled gateway reads SYNC_DISPATCH at all. */
function syncDispatchKnown(): boolean {
  const dist = process.env['OFG_DIST_DIR'] ?? join(WORKSPACE, 'dist');
  try {
    return readFileSync(join(dist, 'apps/gateway/src/config/gateway.config.js'), 'utf8').includes(
      'SYNC_DISPATCH',
    );
  } catch {
    return false;
  }
}

async function dropBenchDatabase(): Promise<void> {
  const admin = new Client({
    connectionString: process.env['E2E_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await admin.connect();
  try {
    // The functions of the last configuration go with it; every configuration starts from a new database anyway.
    await admin.query(`DROP DATABASE IF EXISTS ${process.env['BENCH_DATABASE'] ?? 'ofg_bench'} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

const pct = (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a');
const fmtLoad = (values: number[]): string => values.map((l) => l.toFixed(2)).join(' / ');
const counts = (map: Record<string, number>): string =>
  Object.entries(map)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ') || '0';

function report(results: ConfigurationResult[], settings: Settings): string {
  const phaseRows = results.flatMap((r) =>
    (['warmup', 'steady', 'all'] as const).map((phase) => {
      const f = r.phases[phase];
      const l = f.latencyMs;
      return [
        r.label,
        PHASE_LABEL[phase],
        String(f.requests),
        String(f.records),
        String(f.startKinds['warm'] ?? 0),
        String(f.requests > 0 ? f.records - (f.startKinds['warm'] ?? 0) : 0),
        pct(f.warmHitRatio),
        l ? ms(l.p50) : 'n/a',
        l ? ms(l.p95) : 'n/a',
        l ? ms(l.p99) : 'n/a',
        l ? ms(l.max) : 'n/a',
        counts(f.errors),
      ];
    }),
  );
  const kindRows = results.flatMap((r) =>
    PHASES.flatMap((phase) =>
      Object.entries(r.phases[phase].latencyByStartKindMs).map(([kind, l]) => [
        r.label,
        PHASE_LABEL[phase],
        kind,
        String(l.n),
        ms(l.p50),
        ms(l.p99),
        ms(l.max),
      ]),
    ),
  );
  const coldRows = results.flatMap((r) =>
    (['warmup', 'steady', 'all'] as const).map((phase) => {
      const f = r.phases[phase];
      return [
        r.label,
        PHASE_LABEL[phase],
        String(f.coldClasses.first),
        String(f.coldClasses.sameInvoker),
        String(f.coldClasses.otherInvoker),
        counts(f.startReasons),
        String(f.functionsFirstInvoked),
      ];
    }),
  );
  const invokerRows = results.flatMap((r) =>
    Object.entries(r.perInvoker).map(([id, inv]) => [
      r.label,
      id === r.invokerIds[0] ? `${id} (stack's)` : id,
      String(inv.invocations),
      String(inv.warm),
      String(inv.cold),
      pct(inv.invocations > 0 ? inv.warm / inv.invocations : NaN),
      String(inv.containersAtEnd),
    ]),
  );
  const topRanks = Math.min(10, settings.functions);
  const functionRows = Array.from({ length: topRanks }, (_, i) => [
    String(i + 1),
    pct(zipfShare(i + 1, settings)),
    ...results.flatMap((r) => {
      const f = r.perFunction[i];
      return [`${f?.invocations ?? 0}`, `${f?.cold ?? 0} on ${f?.invokersWithColdStarts ?? 0}`];
    }),
  ]);
  const buckets = ['0', '1', '2', '3', '4+'];
  const bucketOf = (cold: number) => (cold >= 4 ? '4+' : String(cold));
  const histogramRows = buckets.map((b) => [
    b,
    ...results.map((r) => String(r.perFunction.filter((f) => bucketOf(f.cold) === b).length)),
  ]);
  const runRows = results.map((r) => [
    r.label,
    r.syncDispatch + (r.syncDispatch !== 'default' && !r.syncDispatchKnown ? ' (ignored by this build)' : ''),
    (r.deployMs / 1000).toFixed(1),
    String(r.requests),
    (r.loadMs / 1000).toFixed(1),
    r.requestsPerSecond.toFixed(0),
    String(r.recordsMissing),
    String(r.containersAtEnd),
    String(r.maxContainersOnEngine),
    r.minFreeMemoryGiB.toFixed(1),
    r.containersRemovedAtCleanup ? 'yes' : 'NO',
    fmtLoad(r.loadAverage.start),
    r.sequenceSha256.slice(0, 12),
  ]);
  return [
    '### Runs',
    table(
      [
        'configuration',
        'SYNC_DISPATCH',
        'deploy s',
        'requests',
        'load s',
        'req/s',
        'records missing',
        'containers at end',
        'max running',
        'min GiB available',
        'removed at cleanup',
        'load avg at start',
        'sequence sha256',
      ],
      runRows,
    ),
    '',
    '### Warm hits and latency by phase (latency of 200 answers, client-side, ms)',
    table(
      [
        'configuration',
        'phase',
        'requests',
        'records',
        'warm',
        'not warm',
        'warm-hit',
        'p50',
        'p95',
        'p99',
        'max',
        'errors',
      ],
      phaseRows,
    ),
    '',
    '### Latency by start kind (ms)',
    table(['configuration', 'phase', 'start kind', 'n', 'p50', 'p99', 'max'], kindRows),
    '',
    '### Cold starts by cause',
    table(
      [
        'configuration',
        'phase',
        COLD_CLASS_LABEL.first,
        COLD_CLASS_LABEL.sameInvoker,
        COLD_CLASS_LABEL.otherInvoker,
        'start_reason',
        'functions first invoked',
      ],
      coldRows,
    ),
    '',
    '### Per invoker',
    table(
      ['configuration', 'invoker', 'invocations', 'warm', 'cold', 'warm-hit', 'function containers at end'],
      invokerRows,
    ),
    '',
    `### Hottest ${topRanks} functions: invocations, cold starts on how many invokers`,
    table(['rank', 'share', ...results.flatMap((r) => [`${r.label}: calls`, 'cold starts'])], functionRows),
    '',
    '### Functions by number of cold starts',
    table(['cold starts', ...results.map((r) => r.label)], histogramRows),
  ].join('\n');
}

function writeChart(file: ResultsFile): void {
  mkdirSync(dirname(CHART_FILE), { recursive: true });
  writeFileSync(CHART_FILE, chart(file.configurations, file.settings));
  console.log(`[bench] wrote ${CHART_FILE}`);
}

/** Warm-hit ratio and p99 latency per configuration, warm-up beside steady state. */
function chart(results: ConfigurationResult[], settings: Settings): string {
  const groups = (pick: (f: PhaseFigures) => number | undefined) =>
    PHASES.map((phase) => ({ label: PHASE_LABEL[phase], values: results.map((r) => pick(r.phases[phase])) }));
  return renderBarChart({
    title: `${settings.functions} functions under a Zipf load`,
    subtitle:
      `Zipf s = ${settings.zipfS}, seed ${settings.seed}; ${loadOf(settings)} per configuration from ` +
      `${settings.concurrency} closed-loop workers; ${settings.memoryMb} MB, concurrent_num ${settings.concurrentNum}, ` +
      'no prewarm pool\n' +
      `warm-up = first ${(settings.warmupFraction * 100).toFixed(0)}% of the ${settings.durationS === undefined ? 'requests' : 'time'}, steady state = the rest; ` +
      "warm-hit ratio from the invokers' records (start_kind = warm), latency from the client",
    series: results.map((r) => ({ name: r.label })),
    panels: [
      {
        title: 'Warm-hit ratio',
        yLabel: 'warm starts ÷ invocations (%)',
        groups: groups((f) => f.warmHitRatio * 100),
        format: (v) => `${v.toFixed(1)}%`,
      },
      {
        title: 'p99 latency of sync invocations',
        yLabel: 'p99 (ms)',
        groups: groups((f) => f.latencyMs?.p99),
        format: (v) => v.toFixed(0),
      },
    ],
  });
}

// Ctrl-C during a run still removes the stack's processes and containers.
process.once('SIGINT', () => {
  const stack = running;
  running = undefined;
  void (
    stack
      ? stopStack(stack).then(() => removeLeftovers([stack.invokerId, ...(stack.extraInvokerIds ?? [])]))
      : Promise.resolve()
  ).finally(() => process.exit(130));
});

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
