/**
 * The last step of `npm run bench`: reads whichever results the benches wrote to tmp/bench-results/
 * (invoke-latency.json, cold-start.json, async-throughput.json, zipf-load.json) and rewrites the section of
 * docs/benchmarks.md between `<!-- bench:latest:start -->` and `<!-- bench:latest:end -->` (inserted before the first
 * level-2 heading when absent): the machine and load, a summary against the issue's targets with every figure beside
 * its baseline of the same run, compact per-bench tables and the charts the benches drew. A missing results file makes
 * its part say "not run". Prints the summary table. BENCH_REPORT_DRY_RUN=1 prints the section instead of writing it.
 * Run: `node -r @swc-node/register bench/report.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { table } from './support/stats';

const ROOT = join(__dirname, '..');
const RESULTS_DIR = join(ROOT, 'tmp', 'bench-results');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const CHARTS_DIR = join(ROOT, 'docs', 'benchmarks');
export const START_MARKER = '<!-- bench:latest:start -->';
export const END_MARKER = '<!-- bench:latest:end -->';

/** The issue's targets: each a bound on the figure's ratio or delta to its baseline. */
export const TARGETS = {
  syncP50OverFloorMs: { text: '≤ 2 ms', holds: (v: number) => v <= 2 },
  syncP99OverFloorMs: { text: '≤ 10 ms', holds: (v: number) => v <= 10 },
  throughputOverPeer: { text: '≥ 2×', holds: (v: number) => v >= 2 },
  warmHitRatio: { text: '≥ 95 %', holds: (v: number) => v >= 0.95 },
} as const;
/** The load the issue's targets are stated for. */
const TARGET_CONCURRENCIES = [1, 16, 64];
const TARGET_FUNCTIONS = 100;

// Shapes of the results files as the benches write them (JSON turns NaN into null), read defensively: a results
// file may come from an older version of its bench.

interface MachineJson {
  cores?: number;
  cpu?: string;
  memoryGiB?: number;
  kernel?: string;
  node?: string;
  postgres?: string;
  redis?: string;
}

interface LoadJson {
  start?: number[];
  end?: number[];
}

interface Common {
  date?: string;
  startedAt?: string;
  machine?: MachineJson;
  loadAverage?: LoadJson;
}

type SyncTarget = 'gateway-queue' | 'gateway-affinity' | 'raw-bullmq' | 'floor' | 'serverless-offline';

export interface InvokeLatencyJson extends Common {
  settings?: { durationS?: number; concurrencies?: number[]; syncDispatchKnown?: boolean };
  rows?: {
    concurrency: number;
    target: SyncTarget;
    label?: string;
    requests?: number;
    errors?: number;
    p50Ms: number | null;
    p99Ms: number | null;
    rps: number | null;
    gatewayCpuMsPerRequest?: number;
    invokerCpuMsPerRequest?: number;
  }[];
}

interface LatencyJson {
  n?: number;
  p50Ms: number | null;
  p90Ms?: number | null;
  p99Ms?: number | null;
  maxMs?: number | null;
}

interface StartJson {
  latency: LatencyJson;
  startKinds?: Record<string, number>;
}

export interface ColdStartJson extends Common {
  settings?: { runs?: number; warmRequests?: number; memoryMb?: number };
  runtimes?: {
    family: string;
    runtime: string;
    floor: { latency: LatencyJson };
    cold: StartJson;
    prewarm?: StartJson;
    prewarmUnavailable?: string;
    warm?: { gateway: LatencyJson; floor: LatencyJson };
  }[];
}

interface AsyncSideJson {
  accepted?: number;
  acceptedPerS: number | null;
  completionsPerS: number | null;
  acceptToDoneMs?: LatencyJson | null;
}

export interface AsyncThroughputJson extends Common {
  settings?: { n?: number; concurrency?: number };
  raw?: AsyncSideJson & { addErrors?: number };
  platform?: AsyncSideJson & {
    errors?: Record<string, number>;
    checks?: { lost?: number; duplicates?: number };
  };
}

interface ZipfPhaseJson {
  requests?: number;
  ok?: number;
  warmHitRatio: number | null;
  startKinds?: Record<string, number>;
  latencyMs?: { p50?: number | null; p99?: number | null };
  errors?: Record<string, number>;
}

export interface ZipfLoadJson extends Common {
  settings?: { functions?: number; requests?: number; durationS?: number; concurrency?: number };
  configurations?: {
    key: string;
    label?: string;
    invokers?: number;
    syncDispatchKnown?: boolean;
    requestsPerSecond?: number | null;
    phases?: { warmup?: ZipfPhaseJson; steady?: ZipfPhaseJson; all?: ZipfPhaseJson };
  }[];
  failures?: { key: string; error: string }[];
}

export interface BenchResults {
  invoke?: InvokeLatencyJson;
  cold?: ColdStartJson;
  async?: AsyncThroughputJson;
  zipf?: ZipfLoadJson;
}

const FILES: Record<keyof BenchResults, string> = {
  invoke: 'invoke-latency.json',
  cold: 'cold-start.json',
  async: 'async-throughput.json',
  zipf: 'zipf-load.json',
};

/** One row of the summary: a figure beside its baseline of the same run, and the issue's target when it has one. */
export interface SummaryRow {
  figure: string;
  measured: string;
  baseline: string;
  comparison: string;
  target: string;
  /** `yes`/`no` from the numbers; `not run` when the bench left no results; `n/a` when a number is missing. */
  reached: 'yes' | 'no' | 'not run' | 'n/a' | '—';
  /** What qualifies the verdict (e.g. the run's load differed from the target's). */
  note?: string;
}

// Formatting: three significant digits, whole numbers from 1,000 up.

export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (value === 0) return '0';
  return String(Number(value.toPrecision(3)));
}

const isNumber = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value);
const msText = (value: number | null | undefined) => (isNumber(value) ? `${num(value)} ms` : 'n/a');
const rpsText = (value: number | null | undefined) => (isNumber(value) ? `${num(value)} req/s` : 'n/a');
const pctText = (value: number | null | undefined) => (isNumber(value) ? `${num(value * 100)} %` : 'n/a');
const timesText = (value: number | null | undefined) => (isNumber(value) ? `${num(value)}×` : 'n/a');
function signed(value: number | null | undefined, unit: string): string {
  if (!isNumber(value)) return 'n/a';
  return `${value >= 0 ? '+' : '−'}${num(Math.abs(value))} ${unit}`;
}
function quotient(a: number | null | undefined, b: number | null | undefined): number {
  return isNumber(a) && isNumber(b) && b > 0 ? a / b : NaN;
}
function difference(a: number | null | undefined, b: number | null | undefined): number {
  return isNumber(a) && isNumber(b) ? a - b : NaN;
}

/** The verdict on a value against a target: never a constant, always the comparison of the numbers. */
export function verdict(value: number, target: { holds: (v: number) => boolean }): 'yes' | 'no' | 'n/a' {
  if (!Number.isFinite(value)) return 'n/a';
  return target.holds(value) ? 'yes' : 'no';
}

function notRun(figure: string, target = '—'): SummaryRow {
  return { figure, measured: 'not run', baseline: '', comparison: '', target, reached: 'not run' };
}

function syncRow(json: InvokeLatencyJson | undefined, concurrency: number, target: SyncTarget) {
  return json?.rows?.find((r) => r.concurrency === concurrency && r.target === target);
}

/** Concurrencies the targets name, plus any other the run measured. */
function syncConcurrencies(json: InvokeLatencyJson | undefined): number[] {
  const measured = (json?.rows ?? []).map((r) => r.concurrency);
  return [...new Set([...TARGET_CONCURRENCIES, ...measured])].sort((a, b) => a - b);
}

function warmSyncRows(json: InvokeLatencyJson | undefined): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const after = syncRow(json, 1, 'gateway-affinity');
  const floor = syncRow(json, 1, 'floor');
  for (const [key, percentile] of [
    ['syncP50OverFloorMs', 'p50Ms'],
    ['syncP99OverFloorMs', 'p99Ms'],
  ] as const) {
    const figure = `Warm sync ${percentile.slice(0, 3)} at 1 in flight: gateway (after) − container floor`;
    const target = TARGETS[key];
    if (!after || !floor) {
      rows.push(notRun(figure, target.text));
      continue;
    }
    const delta = difference(after[percentile], floor[percentile]);
    rows.push({
      figure,
      measured: msText(after[percentile]),
      baseline: `${msText(floor[percentile])} (floor)`,
      comparison: signed(delta, 'ms'),
      target: target.text,
      reached: verdict(delta, target),
    });
  }
  for (const c of syncConcurrencies(json)) {
    const figure = `Throughput at ${c} in flight: gateway (after) ÷ serverless-offline`;
    const gateway = syncRow(json, c, 'gateway-affinity');
    const peer = syncRow(json, c, 'serverless-offline');
    if (!gateway || !peer) {
      rows.push(notRun(figure, TARGETS.throughputOverPeer.text));
      continue;
    }
    const times = quotient(gateway.rps, peer.rps);
    rows.push({
      figure,
      measured: rpsText(gateway.rps),
      baseline: `${rpsText(peer.rps)} (serverless-offline)`,
      comparison: timesText(times),
      target: TARGETS.throughputOverPeer.text,
      reached: verdict(times, TARGETS.throughputOverPeer),
    });
  }
  return rows;
}

function fastPathRows(json: InvokeLatencyJson | undefined): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const sameCode = json?.settings?.syncDispatchKnown === false;
  for (const c of syncConcurrencies(json)) {
    const before = syncRow(json, c, 'gateway-queue');
    const after = syncRow(json, c, 'gateway-affinity');
    const p50Figure = `Fast path p50 at ${c} in flight: affinity inbox (after) vs shared queue (before)`;
    const rpsFigure = `Fast path req/s at ${c} in flight: affinity inbox (after) ÷ shared queue (before)`;
    if (!before || !after) {
      rows.push(notRun(p50Figure), notRun(rpsFigure));
      continue;
    }
    const note = sameCode ? 'the compiled gateway ignored SYNC_DISPATCH: both took one path' : undefined;
    rows.push(
      {
        figure: p50Figure,
        measured: msText(after.p50Ms),
        baseline: `${msText(before.p50Ms)} (before)`,
        comparison: `${signed(difference(after.p50Ms, before.p50Ms), 'ms')} (${timesText(quotient(after.p50Ms, before.p50Ms))})`,
        target: '—',
        reached: '—',
        note,
      },
      {
        figure: rpsFigure,
        measured: rpsText(after.rps),
        baseline: `${rpsText(before.rps)} (before)`,
        comparison: timesText(quotient(after.rps, before.rps)),
        target: '—',
        reached: '—',
        note,
      },
    );
  }
  return rows;
}

function zipfRows(json: ZipfLoadJson | undefined): SummaryRow[] {
  const functions = json?.settings?.functions;
  const config = (key: string) => json?.configurations?.find((c) => c.key === key);
  const failure = (key: string) => json?.failures?.find((f) => f.key === key);
  const steady = (key: string) => config(key)?.phases?.steady?.warmHitRatio;
  const of = functions === undefined ? '' : `, ${functions} functions`;
  const after = config('three-invokers-affinity');
  const figure = `Warm-hit ratio, steady state: 3 invokers, affinity (after)${of}`;
  const rows: SummaryRow[] = [];
  if (!after) {
    const failed = failure('three-invokers-affinity');
    rows.push({
      ...notRun(figure, TARGETS.warmHitRatio.text),
      ...(failed ? { measured: `failed: ${failed.error}`, reached: 'n/a' as const } : {}),
    });
  } else {
    const ratioAfter = steady('three-invokers-affinity');
    const ratioBefore = steady('three-invokers-queue');
    const value = isNumber(ratioAfter) ? ratioAfter : NaN;
    rows.push({
      figure,
      measured: pctText(ratioAfter),
      baseline: isNumber(ratioBefore) ? `${pctText(ratioBefore)} (shared queue)` : 'not run',
      comparison: isNumber(ratioBefore) ? signed(difference(ratioAfter, ratioBefore) * 100, 'points') : '',
      target: `${TARGETS.warmHitRatio.text} at ${TARGET_FUNCTIONS} functions`,
      reached: verdict(value, TARGETS.warmHitRatio),
      note:
        functions !== undefined && functions !== TARGET_FUNCTIONS
          ? `measured with ${functions} functions, not ${TARGET_FUNCTIONS}`
          : undefined,
    });
  }
  for (const [key, label] of [
    ['three-invokers-queue', '3 invokers, shared queue (before)'],
    ['one-invoker', '1 invoker'],
  ] as const) {
    const extra = `Warm-hit ratio, steady state: ${label}${of}`;
    const failed = failure(key);
    if (!config(key))
      rows.push({ ...notRun(extra), ...(failed ? { measured: `failed: ${failed.error}` } : {}) });
    else
      rows.push({
        figure: extra,
        measured: pctText(steady(key)),
        baseline: '',
        comparison: '',
        target: '—',
        reached: '—',
      });
  }
  return rows;
}

function startRows(json: ColdStartJson | undefined): SummaryRow[] {
  if (!json?.runtimes?.length)
    return [
      notRun('Cold start p50 vs bare container floor'),
      notRun('Prewarm-specialized start p50 vs bare container floor'),
    ];
  const rows: SummaryRow[] = [];
  for (const r of json.runtimes) {
    const floor = r.floor.latency.p50Ms;
    const versusFloor = (figure: string, start: StartJson | undefined, unavailable?: string): SummaryRow => {
      if (!start) return { ...notRun(figure), measured: unavailable ?? 'not run' };
      const p50 = start.latency.p50Ms;
      return {
        figure,
        measured: msText(p50),
        baseline: `${msText(floor)} (bare container floor)`,
        comparison: `${signed(difference(p50, floor), 'ms')} (${timesText(quotient(p50, floor))})`,
        target: '—',
        reached: '—',
      };
    };
    rows.push(
      versusFloor(`Cold start p50, ${r.runtime}: platform vs bare container floor`, r.cold),
      versusFloor(
        `Prewarm-specialized start p50, ${r.runtime}: platform vs bare container floor`,
        r.prewarm,
        r.prewarmUnavailable,
      ),
    );
  }
  return rows;
}

function asyncRows(json: AsyncThroughputJson | undefined): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const [key, label] of [
    ['acceptedPerS', 'accepted/s'],
    ['completionsPerS', 'completions/s'],
  ] as const) {
    const figure = `Async ${label}: platform ÷ raw BullMQ`;
    if (!json?.raw || !json.platform) {
      rows.push(notRun(figure));
      continue;
    }
    rows.push({
      figure,
      measured: rpsText(json.platform[key]),
      baseline: `${rpsText(json.raw[key])} (raw BullMQ)`,
      comparison: timesText(quotient(json.platform[key], json.raw[key])),
      target: '—',
      reached: '—',
    });
  }
  return rows;
}

/** Every summary row, in the order of the issue's targets, then the before/after and floor comparisons. */
export function summaryRows(results: BenchResults): SummaryRow[] {
  return [
    ...warmSyncRows(results.invoke),
    ...zipfRows(results.zipf),
    ...fastPathRows(results.invoke),
    ...startRows(results.cold),
    ...asyncRows(results.async),
  ];
}

export function summaryTable(rows: SummaryRow[]): string {
  return table(
    ['figure', 'measured', 'baseline (same run)', 'ratio or delta', 'target', 'reached?'],
    rows.map((r) => [
      r.figure,
      r.measured,
      r.baseline,
      r.comparison,
      r.target,
      r.note ? `${r.reached} (${r.note})` : r.reached,
    ]),
  );
}

function dateOf(json: Common | undefined): string | undefined {
  return json?.date ?? json?.startedAt;
}

function loadText(load: LoadJson | undefined): string {
  const three = (values: number[] | undefined) =>
    values ? values.map((v) => v.toFixed(2)).join(' / ') : 'n/a';
  return `${three(load?.start)} → ${three(load?.end)}`;
}

function machineText(results: BenchResults): string {
  const machines = [results.invoke, results.cold, results.async, results.zipf].map((j) => j?.machine);
  const m: MachineJson = Object.assign({}, ...machines.reverse().filter(Boolean)) as MachineJson;
  const parts = [
    m.cores !== undefined ? `${m.cores} cores${m.cpu ? ` (${m.cpu})` : ''}` : undefined,
    m.memoryGiB !== undefined ? `${m.memoryGiB} GiB` : undefined,
    m.kernel ? `Linux ${m.kernel}` : undefined,
    m.node ? `Node.js ${m.node}` : undefined,
    m.postgres ? `PostgreSQL ${m.postgres}` : undefined,
    m.redis ? `Redis ${m.redis}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'unknown (no results)';
}

/** Breaks prose at spaces into lines of at most 120 characters, as the rest of docs/benchmarks.md is written. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > 120) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join('\n');
}

/** Where a chart is embedded from: relative to docs/benchmarks.md, as GitHub resolves it. */
function chartLink(file: string, alt: string, chartsDir: string): string {
  return existsSync(join(chartsDir, file)) ? `\n![${alt}](benchmarks/${file})` : '';
}

function warmSyncPart(json: InvokeLatencyJson | undefined, chartsDir: string): string {
  const heading = '### Warm sync invocation (`bench/invoke-latency.bench.ts`)';
  if (!json?.rows) return `${heading}\n\nNot run (no tmp/bench-results/${FILES.invoke}).`;
  const order: SyncTarget[] = [
    'gateway-queue',
    'gateway-affinity',
    'raw-bullmq',
    'floor',
    'serverless-offline',
  ];
  const rows = [...json.rows].sort(
    (a, b) => a.concurrency - b.concurrency || order.indexOf(a.target) - order.indexOf(b.target),
  );
  const settings = json.settings;
  return [
    heading,
    '',
    `${settings?.durationS ?? '?'} s per row at ${(settings?.concurrencies ?? []).join(', ')} in flight.` +
      (settings?.syncDispatchKnown === false
        ? ' The compiled gateway did not read SYNC_DISPATCH, so "before" and "after" took the same path.'
        : ''),
    '',
    table(
      ['in flight', 'target', 'p50', 'p99', 'req/s', 'errors', 'CPU per request: gateway / invoker'],
      rows.map((r) => [
        String(r.concurrency),
        r.label ?? r.target,
        msText(r.p50Ms),
        msText(r.p99Ms),
        num(r.rps),
        String(r.errors ?? 'n/a'),
        r.gatewayCpuMsPerRequest === undefined || r.invokerCpuMsPerRequest === undefined
          ? ''
          : `${msText(r.gatewayCpuMsPerRequest)} / ${msText(r.invokerCpuMsPerRequest)}`,
      ]),
    ),
    chartLink('warm-sync.svg', 'Warm sync invocation: p50, p99 and throughput per target', chartsDir),
  ].join('\n');
}

function startsPart(json: ColdStartJson | undefined, chartsDir: string): string {
  const heading = '### Starts and warm invocation per runtime (`bench/cold-start.bench.ts`)';
  if (!json?.runtimes) return `${heading}\n\nNot run (no tmp/bench-results/${FILES.cold}).`;
  const starts: string[][] = [];
  const warm: string[][] = [];
  for (const r of json.runtimes) {
    const floor = r.floor.latency;
    const line = (scenario: string, l: LatencyJson, vsFloor: boolean) => [
      r.runtime,
      scenario,
      String(l.n ?? 'n/a'),
      msText(l.p50Ms),
      msText(l.p90Ms),
      msText(l.maxMs),
      vsFloor ? timesText(quotient(l.p50Ms, floor.p50Ms)) : '',
    ];
    starts.push(line('floor: bare container start → first answer', floor, false));
    starts.push(line('cold start, prewarm disabled', r.cold.latency, true));
    if (r.prewarm) starts.push(line('prewarm-specialized start', r.prewarm.latency, true));
    else
      starts.push([
        r.runtime,
        'prewarm-specialized start',
        '',
        r.prewarmUnavailable ?? 'not run',
        '',
        '',
        '',
      ]);
    if (r.warm)
      warm.push([
        r.runtime,
        msText(r.warm.gateway.p50Ms),
        msText(r.warm.floor.p50Ms),
        signed(difference(r.warm.gateway.p50Ms, r.warm.floor.p50Ms), 'ms'),
        msText(r.warm.gateway.p99Ms),
        msText(r.warm.floor.p99Ms),
        signed(difference(r.warm.gateway.p99Ms, r.warm.floor.p99Ms), 'ms'),
      ]);
  }
  const settings = json.settings;
  return [
    heading,
    '',
    `${settings?.runs ?? '?'} starts per scenario, ${settings?.warmRequests ?? '?'} warm requests, ` +
      `${settings?.memoryMb ?? '?'} MB.`,
    '',
    table(['runtime', 'start', 'runs', 'p50', 'p90', 'max', 'p50 ÷ floor'], starts),
    '',
    table(
      ['runtime', 'warm gateway p50', 'bootstrap p50', 'Δ p50', 'gateway p99', 'bootstrap p99', 'Δ p99'],
      warm,
    ),
    chartLink('starts.svg', 'Start and warm invocation latency per runtime', chartsDir),
  ].join('\n');
}

function asyncPart(json: AsyncThroughputJson | undefined, chartsDir: string): string {
  const heading = '### Async throughput (`bench/async-throughput.bench.ts`)';
  if (!json?.raw || !json.platform) return `${heading}\n\nNot run (no tmp/bench-results/${FILES.async}).`;
  const { raw, platform } = json;
  const errors = Object.entries(platform.errors ?? {});
  const side = (name: string, s: AsyncSideJson, errorText: string) => [
    name,
    String(s.accepted ?? 'n/a'),
    num(s.acceptedPerS),
    num(s.completionsPerS),
    msText(s.acceptToDoneMs?.p50Ms),
    msText(s.acceptToDoneMs?.p99Ms),
    errorText,
  ];
  const checks = platform.checks;
  return [
    heading,
    '',
    `N = ${json.settings?.n ?? '?'} requests from C = ${json.settings?.concurrency ?? '?'} clients.` +
      (checks ? ` Lost: ${checks.lost ?? 'n/a'}; duplicates: ${checks.duplicates ?? 'n/a'}.` : ''),
    '',
    table(
      ['path', 'accepted', 'accepted/s', 'completions/s', 'accept → done p50', 'p99', 'errors'],
      [
        side('raw BullMQ (add → no-op worker)', raw, String(raw.addErrors ?? 'n/a')),
        side(
          'platform (POST invocations-async → ledger terminal)',
          platform,
          errors.length === 0 ? '0' : errors.map(([s, n]) => `${s} ×${n}`).join(', '),
        ),
        [
          'platform ÷ raw',
          '',
          timesText(quotient(platform.acceptedPerS, raw.acceptedPerS)),
          timesText(quotient(platform.completionsPerS, raw.completionsPerS)),
          '',
          '',
          '',
        ],
      ],
    ),
    chartLink('async.svg', 'Async accepted/s and completions/s, raw BullMQ and platform', chartsDir),
  ].join('\n');
}

function zipfPart(json: ZipfLoadJson | undefined, chartsDir: string): string {
  const heading = '### Functions under a Zipf load (`bench/zipf-load.bench.ts`)';
  if (!json?.configurations) return `${heading}\n\nNot run (no tmp/bench-results/${FILES.zipf}).`;
  const s = json.settings;
  const count = (kinds: Record<string, number> | undefined, kind: string) => String(kinds?.[kind] ?? 0);
  const errorCount = (p: ZipfPhaseJson | undefined) =>
    String(Object.values(p?.errors ?? {}).reduce((sum, n) => sum + n, 0));
  const rows = json.configurations.map((c) => [
    c.label ?? c.key,
    pctText(c.phases?.warmup?.warmHitRatio),
    pctText(c.phases?.steady?.warmHitRatio),
    count(c.phases?.steady?.startKinds, 'cold'),
    msText(c.phases?.all?.latencyMs?.p50),
    msText(c.phases?.all?.latencyMs?.p99),
    num(c.requestsPerSecond),
    errorCount(c.phases?.all),
  ]);
  for (const f of json.failures ?? []) rows.push([f.key, `failed: ${f.error}`, '', '', '', '', '', '']);
  return [
    heading,
    '',
    `${s?.functions ?? '?'} functions, ${s?.requests !== undefined ? `${s.requests} requests` : `${s?.durationS ?? '?'} s`} ` +
      `per configuration from ${s?.concurrency ?? '?'} closed-loop clients.`,
    '',
    table(
      [
        'configuration',
        'warm hits, warm-up',
        'warm hits, steady',
        'cold starts, steady',
        'p50',
        'p99',
        'req/s',
        'errors',
      ],
      rows,
    ),
    chartLink('zipf-warm-hit.svg', 'Warm-hit ratio per configuration', chartsDir),
  ].join('\n');
}

/** The whole section between the markers, markers excluded. */
export function renderSection(results: BenchResults, chartsDir = CHARTS_DIR): string {
  const dates = Object.values(results)
    .map((json) => dateOf(json as Common))
    .filter((d): d is string => d !== undefined)
    .sort();
  const latest = dates[dates.length - 1]?.slice(0, 10) ?? 'no results';
  const when = (name: string, json: Common | undefined) =>
    json
      ? `- ${name}: ${dateOf(json)?.replace('T', ' ').slice(0, 16) ?? 'date unknown'} UTC, load average (1/5/15 min) ` +
        `${loadText(json.loadAverage)}`
      : `- ${name}: not run`;
  return [
    `## Latest run (${latest})`,
    '',
    'Written by `bench/report.ts`, the last step of `npm run bench`, from `tmp/bench-results/*.json`. Every figure',
    'sits beside its baseline measured in the same run, on one machine shared by the load generator, the apps,',
    'PostgreSQL, Redis and the containers.',
    '',
    wrap(`Machine: ${machineText(results)}.`),
    '',
    'Results used (each bench writes its own file, so a part dated before the others comes from an earlier run):',
    '',
    when('warm sync', results.invoke),
    when('starts', results.cold),
    when('async throughput', results.async),
    when('Zipf load', results.zipf),
    '',
    '### Summary against the issue’s targets',
    '',
    summaryTable(summaryRows(results)),
    '',
    warmSyncPart(results.invoke, chartsDir),
    '',
    zipfPart(results.zipf, chartsDir),
    '',
    startsPart(results.cold, chartsDir),
    '',
    asyncPart(results.async, chartsDir),
  ].join('\n');
}

/** The doc with the section between the markers replaced, or inserted before the first level-2 heading. */
export function replaceSection(doc: string, section: string): string {
  const block = `${START_MARKER}\n${section.trim()}\n${END_MARKER}`;
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start >= 0 && end > start) return `${doc.slice(0, start)}${block}${doc.slice(end + END_MARKER.length)}`;
  const firstSection = doc.search(/^## /m);
  if (firstSection < 0) return `${doc.trimEnd()}\n\n${block}\n`;
  return `${doc.slice(0, firstSection)}${block}\n\n${doc.slice(firstSection)}`;
}

export function loadResults(dir = RESULTS_DIR): BenchResults {
  const results: BenchResults = {};
  for (const [key, file] of Object.entries(FILES) as [keyof BenchResults, string][]) {
    const path = join(dir, file);
    if (existsSync(path)) results[key] = JSON.parse(readFileSync(path, 'utf8')) as never;
  }
  return results;
}

function main(): void {
  const results = loadResults();
  const section = renderSection(results);
  console.log(`\n${summaryTable(summaryRows(results))}\n`);
  if (process.env['BENCH_REPORT_DRY_RUN'] === '1') {
    console.log(section);
    return;
  }
  writeFileSync(DOC, replaceSection(readFileSync(DOC, 'utf8'), section));
  console.log(`[bench] wrote the latest-run section of ${DOC}`);
}

if (require.main === module) main();
