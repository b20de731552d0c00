/**
 * Async invocation throughput of a trivial Node.js handler, beside its floor measured in the same run on the same
 * Redis: raw BullMQ (bench/support/raw-bullmq.ts) adding N jobs as large as the platform's async job from C adders and
 * processing them with a no-op Worker of the invoker's concurrency. The platform side sends N
 * `POST .../invocations-async` from C concurrent clients, then polls the invocations table until every accepted
 * request is terminal, and checks that none was lost or run twice.
 * Printed, not asserted; writes tmp/bench-results/async-throughput.json (read by bench/report.ts) and the chart
 * docs/benchmarks/async.svg (BENCH_CHART_ONLY=1 redraws the chart from that file without measuring); BENCH_WRITE_DOC=1
 * also replaces the "Async throughput" section of docs/benchmarks.md.
 * Knobs: BENCH_ASYNC_N (2000), BENCH_ASYNC_C (32), BENCH_ASYNC_TIMEOUT_S (300), and the bench stack's BENCH_PORT_BASE,
 * BENCH_DATABASE, BENCH_REDIS_DB.
 * Run: `npm run build && npm run bench` (or this file alone with node -r @swc-node/register).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Client } from 'pg';
import { InvocationJob, QUEUES } from '@ofg/contracts';
import { createRedisConnection } from '@ofg/queue';
import { StackInfo, stopStack } from '@ofg/testing';
import { BenchApi, functionContainers, sleep, startBenchStack, timedPost } from './support/bench-stack';
import {
  appPid,
  containerCpuMs,
  postgresBackendsCpu,
  postgresBackendsCpuSince,
  processCpuMs,
  redisCpuMs,
} from './support/cpu';
import { inParallel } from './support/parallel';
import { RawFigures, runRawBaseline } from './support/raw-bullmq';
import {
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

const N = Number(process.env['BENCH_ASYNC_N'] ?? 2000);
const C = Number(process.env['BENCH_ASYNC_C'] ?? 32);
const TIMEOUT_MS = Number(process.env['BENCH_ASYNC_TIMEOUT_S'] ?? 300) * 1000;
/** The invoker's defaults, which the stack's invoker inherits unless the environment sets them. */
const WORKER = {
  concurrency: Number(process.env['WORKER_CONCURRENCY'] ?? 64),
  lockDurationMs: Number(process.env['WORKER_LOCK_DURATION_MS'] ?? 30_000),
  stalledIntervalMs: Number(process.env['WORKER_STALLED_INTERVAL_MS'] ?? 30_000),
};
/** Above the worker's concurrency, so the one warm container takes every job the invoker runs at once. */
const CONCURRENT_NUM = Math.max(100, WORKER.concurrency);
/** Each container counts its executions, so a request run twice shows even when its second result is fenced off. */
const HANDLER =
  "const host = require('os').hostname();\nlet k = 0;\n" +
  'exports.handler = async (event) => ({ ok: true, n: event.n || 0, host, k: ++k });\n';
const TERMINAL = ['SUCCESS', 'FAIL', 'DISCARD'];
const ROOT = join(__dirname, '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const RESULTS = join(ROOT, 'tmp', 'bench-results', 'async-throughput.json');
const CHART = join(ROOT, 'docs', 'benchmarks', 'async.svg');
const SECTION = '## Async throughput';

interface PlatformFigures {
  startedAt: number;
  acceptedAt: number;
  /** Latest end_time of the accepted requests (the database clock, same machine). */
  doneAt: number;
  accepted: number;
  byStatus: Map<string, number>;
  postMs: number[];
  terminal: number;
  statuses: Map<string, number>;
  /** Per request, from the ledger: created_at → end_time, created_at → start_time, start_time → end_time. */
  totalMs: number[];
  claimMs: number[];
  runMs: number[];
  handlerMs: number[];
  distinctIds: number;
  laterAttempts: number;
  /** Rows of the function beyond the accepted requests and the probe (a refused POST whose INSERT committed). */
  strayRows: number;
  executions: number;
  recordedRuns: number;
  containers: number;
  /** CPU ms from the first POST until every accepted request was seen terminal. */
  cpu: {
    gatewayMs: number;
    invokerMs: number;
    postgresMs: number;
    containerMs: number;
    redisMs: number;
    clientMs: number;
  };
}

interface LedgerRow {
  request_id: string;
  status: string;
  attempt: number;
  result: string | null;
  total_ms: number | null;
  claim_ms: number | null;
  run_ms: number | null;
  duration_ms: number | null;
}

async function main(): Promise<void> {
  if (process.env['BENCH_CHART_ONLY'] === '1') {
    writeChart(JSON.parse(readFileSync(RESULTS, 'utf8')) as AsyncResults);
    return;
  }
  const loadStart = loadavg();
  const loadAtStart = loadAverageText(loadStart);
  console.log(
    `[bench] load average at start ${loadAtStart}; N=${N}, C=${C}, worker concurrency ${WORKER.concurrency}`,
  );
  const stack = await startBenchStack();
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const api = await BenchApi.connect(stack);
    const urn = await api.createFunction({
      name: 'bench-async',
      runtime: 'Node.js20.15',
      source: HANDLER,
      memoryMb: 256,
      concurrentNum: CONCURRENT_NUM,
    });
    const first = await api.invoke(urn, JSON.stringify({ n: 0 }));
    console.log(`[bench] warm-up sync invocation: ${first.status} in ${first.ms.toFixed(0)} ms`);
    const probe = await probeAsyncJob(stack, api, db, urn);
    console.log(`[bench] probe async invocation done; its job carries ${probe.jobBytes} bytes of data`);

    console.log(
      `[bench] raw BullMQ: ${N} adds from ${C} adders, no-op worker of concurrency ${WORKER.concurrency}`,
    );
    const raw = await runRawBaseline({
      redisUrl: stack.redisUrl,
      // Same length as a request id, so the raw job's data is exactly as large as the platform's.
      data: { ...probe.job, requestId: randomUUID() },
      n: N,
      concurrency: C,
      worker: WORKER,
      timeoutMs: TIMEOUT_MS,
    });

    console.log(`[bench] platform: ${N} async invocations from ${C} clients`);
    const platform = await runPlatform(stack, api, db, urn, probe.functionId);

    const host = await machine(db, stack);
    const report = render(raw, platform, probe.jobBytes, loadAtStart, host.description);
    console.log(`\n${report}`);
    const results = toResults(raw, platform, probe.jobBytes, host, loadStart);
    mkdirSync(join(RESULTS, '..'), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`[bench] wrote ${RESULTS}`);
    writeChart(results);
    if (process.env['BENCH_WRITE_DOC'] === '1') {
      writeSection(report);
      console.log(`[bench] wrote the "${SECTION.slice(3)}" section of ${DOC}`);
    }
  } finally {
    await db.end();
    await stopStack(stack);
  }
}

/** One async invocation run to the end, so the raw floor can carry a job of the same size and shape. */
async function probeAsyncJob(
  stack: StackInfo,
  api: BenchApi,
  db: Client,
  urn: string,
): Promise<{ job: InvocationJob; jobBytes: number; functionId: string }> {
  const answer = await timedPost(asyncUrl(api, urn), api.headers, JSON.stringify({ n: 0 }));
  if (answer.status !== 202) throw new Error(`async probe failed: ${answer.status} ${answer.body}`);
  const requestId = (JSON.parse(answer.body) as { request_id: string }).request_id;
  const until = Date.now() + 30_000;
  let functionId: string | undefined;
  while (!functionId) {
    const { rows } = await db.query<{ function_id: string }>(
      'SELECT function_id FROM invocations WHERE request_id = $1 AND status = ANY($2)',
      [requestId, TERMINAL],
    );
    functionId = rows[0]?.function_id;
    if (Date.now() > until) throw new Error(`the async probe ${requestId} did not finish within 30 s`);
    if (!functionId) await sleep(50);
  }
  const connection = createRedisConnection(stack.redisUrl, 'producer');
  const queue = new Queue<InvocationJob>(QUEUES.invocations, { connection });
  try {
    const job = await queue.getJob(requestId);
    if (!job) throw new Error(`the job of the async probe ${requestId} is not in Redis`);
    return { job: job.data, jobBytes: Buffer.byteLength(JSON.stringify(job.data)), functionId };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

function asyncUrl(api: BenchApi, urn: string): string {
  return `${api.functionsUrl}/${urn}/invocations-async`;
}

async function runPlatform(
  stack: StackInfo,
  api: BenchApi,
  db: Client,
  urn: string,
  functionId: string,
): Promise<PlatformFigures> {
  const url = asyncUrl(api, urn);
  const byStatus = new Map<string, number>();
  const requestIds: string[] = [];
  const postMs: number[] = [];
  const gatewayPid = appPid(stack.pids, 'gateway');
  const invokerPid = appPid(stack.pids, 'invoker');
  const containerIds = (await functionContainers(urn)).map((c) => c.Id);
  const redis = new Redis(stack.redisUrl);
  const containersCpu = async () =>
    (await Promise.all(containerIds.map((id) => containerCpuMs(id)))).reduce((s, x) => s + x, 0);
  const database = new URL(stack.databaseUrl).pathname.slice(1);
  const cpuBefore = {
    gateway: processCpuMs(gatewayPid),
    invoker: processCpuMs(invokerPid),
    postgres: await postgresBackendsCpu(db, database),
    container: await containersCpu(),
    redis: await redisCpuMs(redis),
    client: process.cpuUsage(),
  };
  const startedAt = Date.now();
  await inParallel(N, C, async (i) => {
    let key: string;
    try {
      const answer = await timedPost(url, api.headers, JSON.stringify({ n: i + 1 }));
      key = String(answer.status);
      if (answer.status === 202) {
        requestIds.push((JSON.parse(answer.body) as { request_id: string }).request_id);
        postMs.push(answer.ms);
      }
    } catch (err) {
      key = `network: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  });
  const acceptedAt = Date.now();
  console.log(
    `[bench] ${requestIds.length} accepted in ${acceptedAt - startedAt} ms; waiting for the ledger`,
  );

  const until = Date.now() + TIMEOUT_MS;
  let terminal = 0;
  for (;;) {
    const { rows } = await db.query<{ terminal: number }>(
      'SELECT count(*)::int AS terminal FROM invocations WHERE request_id = ANY($1::uuid[]) AND status = ANY($2)',
      [requestIds, TERMINAL],
    );
    terminal = rows[0]?.terminal ?? 0;
    if (terminal >= requestIds.length || Date.now() > until) break;
    await sleep(100);
  }
  const client = process.cpuUsage(cpuBefore.client);
  const cpu = {
    gatewayMs: processCpuMs(gatewayPid) - cpuBefore.gateway,
    invokerMs: processCpuMs(invokerPid) - cpuBefore.invoker,
    postgresMs: await postgresBackendsCpuSince(db, database, cpuBefore.postgres),
    containerMs: (await containersCpu()) - cpuBefore.container,
    redisMs: (await redisCpuMs(redis)) - cpuBefore.redis,
    clientMs: (client.user + client.system) / 1000,
  };
  redis.disconnect();

  const { rows } = await db.query<LedgerRow>(
    `SELECT request_id, status, attempt, result, duration_ms,
            (EXTRACT(EPOCH FROM end_time - created_at) * 1000)::float8 AS total_ms,
            (EXTRACT(EPOCH FROM start_time - created_at) * 1000)::float8 AS claim_ms,
            (EXTRACT(EPOCH FROM end_time - start_time) * 1000)::float8 AS run_ms
       FROM invocations WHERE request_id = ANY($1::uuid[])`,
    [requestIds],
  );
  const { rows: ends } = await db.query<{ done_at: Date | null; rows: number }>(
    `SELECT max(end_time) AS done_at, count(*)::int AS rows FROM invocations
      WHERE function_id = $1 AND invoke_type = 'async'`,
    [functionId],
  );
  const { rows: runs } = await db.query<{ result: string | null }>(
    'SELECT result FROM invocations WHERE function_id = $1 AND result IS NOT NULL',
    [functionId],
  );
  const statuses = new Map<string, number>();
  for (const r of rows) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  const numbers = (pick: (r: LedgerRow) => number | null) =>
    rows.map(pick).filter((v): v is number => typeof v === 'number');
  const { executions, recordedRuns } = countExecutions(runs.map((r) => r.result));
  return {
    startedAt,
    acceptedAt,
    doneAt: ends[0]?.done_at?.getTime() ?? NaN,
    accepted: requestIds.length,
    byStatus,
    postMs,
    terminal,
    statuses,
    totalMs: numbers((r) => r.total_ms),
    claimMs: numbers((r) => r.claim_ms),
    runMs: numbers((r) => r.run_ms),
    handlerMs: numbers((r) => r.duration_ms),
    distinctIds: new Set(rows.map((r) => r.request_id)).size,
    laterAttempts: rows.filter((r) => r.attempt > 1).length,
    strayRows: (ends[0]?.rows ?? 0) - requestIds.length - 1,
    executions,
    recordedRuns,
    containers: (await functionContainers(urn)).length,
    cpu,
  };
}

/** Executions the containers counted (the highest `k` each reported) against the results recorded for them. */
function countExecutions(results: (string | null)[]): { executions: number; recordedRuns: number } {
  const highest = new Map<string, number>();
  let recordedRuns = 0;
  for (const text of results) {
    const out = parseResult(text);
    if (!out) continue;
    recordedRuns += 1;
    highest.set(out.host, Math.max(highest.get(out.host) ?? 0, out.k));
  }
  return { executions: [...highest.values()].reduce((s, k) => s + k, 0), recordedRuns };
}

function parseResult(text: string | null): { host: string; k: number } | undefined {
  let value: unknown = text;
  // The handler's return value may be stored as JSON text of JSON text.
  for (let depth = 0; depth < 2 && typeof value === 'string'; depth += 1) {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const out = value as { host?: unknown; k?: unknown } | null;
  return typeof out?.host === 'string' && typeof out.k === 'number'
    ? { host: out.host, k: out.k }
    : undefined;
}

const perSecond = (count: number, fromMs: number, toMs: number): number =>
  toMs > fromMs ? (count * 1000) / (toMs - fromMs) : NaN;
const seconds = (fromMs: number, toMs: number): string => ((toMs - fromMs) / 1000).toFixed(2);
const rate = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : 'n/a');
const spread = (samples: number[]): Summary | undefined =>
  samples.length > 0 ? summarize(samples) : undefined;
const p = (s: Summary | undefined, key: 'p50' | 'p99'): string => (s ? ms(s[key]) : 'n/a');

/** accepted/s and completions/s of both paths, as the table, the JSON and the chart give them. */
function rates(raw: RawFigures, pf: PlatformFigures) {
  return {
    rawAccept: perSecond(N - raw.addErrors, raw.startedAt, raw.addedAt),
    rawDone: perSecond(raw.completed, raw.startedAt, raw.doneAt),
    pfAccept: perSecond(pf.accepted, pf.startedAt, pf.acceptedAt),
    pfDone: perSecond(pf.terminal, pf.startedAt, pf.doneAt),
  };
}

function render(
  raw: RawFigures,
  pf: PlatformFigures,
  jobBytes: number,
  loadAtStart: string,
  host: string,
): string {
  const { rawAccept, rawDone, pfAccept, pfDone } = rates(raw, pf);
  const rawLatency = spread(raw.enqueueToDoneMs);
  const pfLatency = spread(pf.totalMs);
  const rawAdd = spread(raw.addMs);
  const pfPost = spread(pf.postMs);
  const errors = [...pf.byStatus].filter(([status]) => status !== '202');
  const throughput = table(
    [
      'path',
      'accepted',
      'accept time s',
      'accepted/s',
      'all done s',
      'completions/s',
      'accept→done p50 ms',
      'p99 ms',
      'errors',
    ],
    [
      [
        'raw BullMQ (add → no-op worker)',
        String(N - raw.addErrors),
        seconds(raw.startedAt, raw.addedAt),
        rate(rawAccept),
        seconds(raw.startedAt, raw.doneAt),
        rate(rawDone),
        p(rawLatency, 'p50'),
        p(rawLatency, 'p99'),
        String(raw.addErrors),
      ],
      [
        'platform (POST invocations-async → ledger terminal)',
        String(pf.accepted),
        seconds(pf.startedAt, pf.acceptedAt),
        rate(pfAccept),
        seconds(pf.startedAt, pf.doneAt),
        rate(pfDone),
        p(pfLatency, 'p50'),
        p(pfLatency, 'p99'),
        errors.length === 0 ? '0' : errors.map(([s, n]) => `${s} ×${n}`).join(', '),
      ],
      ['platform ÷ raw', '', '', ratio(pfAccept, rawAccept), '', ratio(pfDone, rawDone), '', '', ''],
    ],
  );
  const steps = table(
    ['step (per request)', 'p50 ms', 'p99 ms'],
    [
      ['raw: `Queue.add` acknowledged', p(rawAdd, 'p50'), p(rawAdd, 'p99')],
      ['platform: POST answered 202 (client)', p(pfPost, 'p50'), p(pfPost, 'p99')],
      ['platform: created_at → start_time (enqueue, queue wait, markRunning)', ...pair(pf.claimMs)],
      ['platform: start_time → end_time (container call, finish UPDATE)', ...pair(pf.runMs)],
      ['platform: … of which the handler (duration_ms)', ...pair(pf.handlerMs)],
    ],
  );
  const statuses = [...pf.statuses].map(([s, n]) => `${s} ${n}`).join(', ') || 'none';
  const lost = pf.accepted - pf.terminal;
  const checks = [
    `- lost: ${lost} (${pf.terminal} of ${pf.accepted} accepted requests terminal: ${statuses})`,
    `- duplicates: ${pf.accepted - pf.distinctIds} (${pf.distinctIds} distinct request ids in the ledger for ${pf.accepted} accepted); ` +
      `rows claimed by more than one attempt: ${pf.laterAttempts}; executions counted inside the containers ` +
      `${pf.executions} for ${pf.recordedRuns} recorded results (${pf.executions - pf.recordedRuns} extra); ` +
      `stray ledger rows: ${pf.strayRows}`,
    `- containers of the function at the end: ${pf.containers}`,
  ];
  const perRequest = (cpuMs: number, count: number) => (count > 0 ? ms(cpuMs / count) : 'n/a');
  const rawDoneCount = raw.completed;
  const rawTotal = raw.cpu.producerMs + raw.cpu.consumerMs;
  const pfTotal = pf.cpu.gatewayMs + pf.cpu.invokerMs + pf.cpu.postgresMs + pf.cpu.containerMs;
  const cpuRow = (name: string, rawMs: number | undefined, pfMs: number) => [
    name,
    rawMs === undefined ? '' : perRequest(rawMs, rawDoneCount),
    perRequest(pfMs, pf.terminal),
    rawMs === undefined ? '' : ratio(pfMs, rawMs * (pf.terminal / Math.max(1, rawDoneCount))),
  ];
  const cpu = table(
    ['CPU ms per request (first add/POST → last completion)', 'raw BullMQ', 'platform', 'platform ÷ raw'],
    [
      cpuRow('producer: adders in the bench process / gateway', raw.cpu.producerMs, pf.cpu.gatewayMs),
      cpuRow('consumer: worker process / invoker', raw.cpu.consumerMs, pf.cpu.invokerMs),
      cpuRow('PostgreSQL backends of the bench database', 0, pf.cpu.postgresMs),
      cpuRow('function container', 0, pf.cpu.containerMs),
      cpuRow('total of the above', rawTotal, pfTotal),
      cpuRow('Redis server (shared with other sessions)', raw.cpu.redisMs, pf.cpu.redisMs),
      cpuRow('HTTP load generator (bench process)', undefined, pf.cpu.clientMs),
    ],
  );
  return [
    `### ${new Date().toISOString().slice(0, 10)}, N = ${N}, C = ${C}`,
    '',
    wrap(
      `Machine: ${host}. Load average (1/5/15 min) at start ${loadAtStart}, at end ${loadAverageText(loadavg())}. ` +
        `Job data ${jobBytes} bytes on both sides; worker concurrency ${WORKER.concurrency} on both sides.`,
    ),
    '',
    throughput,
    '',
    steps,
    '',
    cpu,
    '',
    ...checks.map((item) => wrap(item, '  ')),
    '',
    wrap(gapParagraph({ pfAccept, rawAccept, pfDone, rawDone, rawAdd, pfPost, pf, raw })),
  ].join('\n');
}

/** Breaks prose at spaces into lines of at most 120 characters, as the rest of docs/benchmarks.md is written. */
function wrap(text: string, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > 120) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join('\n');
}

function pair(samples: number[]): [string, string] {
  const s = spread(samples);
  return [p(s, 'p50'), p(s, 'p99')];
}

function gapParagraph(f: {
  pfAccept: number;
  rawAccept: number;
  pfDone: number;
  rawDone: number;
  rawAdd: Summary | undefined;
  pfPost: Summary | undefined;
  pf: PlatformFigures;
  raw: RawFigures;
}): string {
  const { pf, raw } = f;
  const per = (cpuMs: number, count: number) => ms(cpuMs / Math.max(1, count));
  const pfTotal = pf.cpu.gatewayMs + pf.cpu.invokerMs + pf.cpu.postgresMs + pf.cpu.containerMs;
  const rawTotal = raw.cpu.producerMs + raw.cpu.consumerMs;
  const cores = cpus().length;
  const coresUsed = (cpuMs: number) => (cpuMs / Math.max(1, pf.doneAt - pf.startedAt)).toFixed(2);
  const rawPer = rawTotal / Math.max(1, raw.completed);
  const pfPer = pfTotal / Math.max(1, pf.terminal);
  // Throughput that follows CPU per request (within a factor of 1.5) means no other wait dominates.
  const cpuBound = Math.abs(Math.log(rawPer / pfPer / (f.pfDone / f.rawDone))) < Math.log(1.5);
  return (
    `What the gap is made of: an accepted request costs, beyond BullMQ's add, the gateway's HTTP handling, ` +
    `authentication, rate limit and (cached) function lookup, and a ledger INSERT committed in PostgreSQL (a ` +
    `row-level-security transaction: BEGIN, set_config, INSERT, COMMIT) before the enqueue: acceptance runs at ` +
    `${ratio(f.pfAccept, f.rawAccept)} the raw rate (p50 ${p(f.pfPost, 'p50')} ms per POST against ` +
    `${p(f.rawAdd, 'p50')} ms per add). A completion costs, beyond BullMQ's fetch and moveToFinished, the invoker's ` +
    `markRunning UPDATE (its own transaction), the async-policy lookup, the HTTP call to the warm container (the ` +
    `handler itself ${p(spread(pf.handlerMs), 'p50')} ms at p50) and the finish UPDATE: three PostgreSQL write ` +
    `transactions per request in all. Completion runs at ${ratio(f.pfDone, f.rawDone)} the raw rate, and the last ` +
    `request ended ${seconds(pf.acceptedAt, pf.doneAt)} s after the last acceptance (jobs waited ` +
    `${p(spread(pf.claimMs), 'p50')} ms at p50 before the invoker claimed them). The CPU table gives ` +
    `${per(pfTotal, pf.terminal)} ms of CPU per request on the platform (gateway ` +
    `${per(pf.cpu.gatewayMs, pf.terminal)}, invoker ${per(pf.cpu.invokerMs, pf.terminal)}, PostgreSQL ` +
    `${per(pf.cpu.postgresMs, pf.terminal)}, container ${per(pf.cpu.containerMs, pf.terminal)}) against ` +
    `${per(rawTotal, raw.completed)} ms for raw BullMQ: raw needs ${ratio(rawPer, pfPer)} the platform's CPU per ` +
    `request, ${cpuBound ? 'close to the throughput ratio, so both paths are bound by CPU' : 'far from the throughput ratio, so the platform also waits on something other than CPU'}. ` +
    `During the platform run its processes, Redis and the load generator used ` +
    `${coresUsed(pfTotal + pf.cpu.redisMs + pf.cpu.clientMs)} of the ${cores} cores; the rest went to the other ` +
    `sessions on the machine (see the load average). On ${cores} idle cores, before the load generator and Redis, ` +
    `${per(pfTotal, pf.terminal)} ms per request would cap the platform near ` +
    `${rate((cores * 1000 * pf.terminal) / Math.max(1, pfTotal))} requests/s.`
  );
}

interface Machine {
  cores: number;
  cpu?: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  redis: string;
  /** The machine in one sentence, as the doc section gives it. */
  description: string;
}

async function machine(db: Client, stack: StackInfo): Promise<Machine> {
  const { rows } = await db.query<{ server_version: string }>('SHOW server_version');
  const redis = new Redis(stack.redisUrl);
  try {
    const info = await redis.info('server');
    const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const postgres = rows[0]?.server_version ?? 'unknown';
    const facts = machineFacts();
    return {
      ...facts,
      postgres,
      redis: redisVersion,
      description:
        `${facts.cores} cores, ${facts.memoryGiB} GiB, Linux ${facts.kernel}, Node.js ${facts.node}, PostgreSQL ` +
        `${postgres}, Redis ${redisVersion}; load generator, apps, PostgreSQL, Redis and the container on the same ` +
        `machine`,
    };
  } finally {
    redis.disconnect();
  }
}

/** Latency figures of one step; absent when nothing was measured. */
type Latency = LatencyMs | null;

function latency(samples: number[]): Latency {
  return samples.length > 0 ? latencyMs(samples) : null;
}

/** What the run writes to RESULTS, what bench/report.ts reads and the chart is drawn from. */
interface AsyncResults {
  benchmark: 'async-throughput';
  date: string;
  machine: Machine;
  loadAverage: { start: number[]; end: number[] };
  settings: {
    n: number;
    concurrency: number;
    worker: typeof WORKER;
    concurrentNum: number;
    memoryMb: number;
    jobBytes: number;
  };
  raw: {
    accepted: number;
    addErrors: number;
    acceptS: number;
    acceptedPerS: number;
    completed: number;
    allDoneS: number;
    completionsPerS: number;
    acceptToDoneMs: Latency;
    addMs: Latency;
    cpuMs: RawFigures['cpu'];
  };
  platform: {
    accepted: number;
    /** Answers other than 202, by status (or `network: <code>`). */
    errors: Record<string, number>;
    acceptS: number;
    acceptedPerS: number;
    terminal: number;
    statuses: Record<string, number>;
    allDoneS: number;
    completionsPerS: number;
    acceptToDoneMs: Latency;
    postMs: Latency;
    claimMs: Latency;
    runMs: Latency;
    handlerMs: Latency;
    checks: {
      lost: number;
      duplicates: number;
      laterAttempts: number;
      executions: number;
      recordedRuns: number;
      strayRows: number;
      containersAtEnd: number;
    };
    cpuMs: PlatformFigures['cpu'];
  };
  /** platform ÷ raw BullMQ. */
  ratios: { acceptedPerS: number; completionsPerS: number };
}

function toResults(
  raw: RawFigures,
  pf: PlatformFigures,
  jobBytes: number,
  host: Machine,
  loadStart: number[],
): AsyncResults {
  const { rawAccept, rawDone, pfAccept, pfDone } = rates(raw, pf);
  const elapsedS = (fromMs: number, toMs: number) => (toMs - fromMs) / 1000;
  return {
    benchmark: 'async-throughput',
    date: new Date().toISOString(),
    machine: host,
    loadAverage: { start: loadStart, end: loadavg() },
    settings: {
      n: N,
      concurrency: C,
      worker: WORKER,
      concurrentNum: CONCURRENT_NUM,
      memoryMb: 256,
      jobBytes,
    },
    raw: {
      accepted: N - raw.addErrors,
      addErrors: raw.addErrors,
      acceptS: elapsedS(raw.startedAt, raw.addedAt),
      acceptedPerS: rawAccept,
      completed: raw.completed,
      allDoneS: elapsedS(raw.startedAt, raw.doneAt),
      completionsPerS: rawDone,
      acceptToDoneMs: latency(raw.enqueueToDoneMs),
      addMs: latency(raw.addMs),
      cpuMs: raw.cpu,
    },
    platform: {
      accepted: pf.accepted,
      errors: Object.fromEntries([...pf.byStatus].filter(([status]) => status !== '202')),
      acceptS: elapsedS(pf.startedAt, pf.acceptedAt),
      acceptedPerS: pfAccept,
      terminal: pf.terminal,
      statuses: Object.fromEntries(pf.statuses),
      allDoneS: elapsedS(pf.startedAt, pf.doneAt),
      completionsPerS: pfDone,
      acceptToDoneMs: latency(pf.totalMs),
      postMs: latency(pf.postMs),
      claimMs: latency(pf.claimMs),
      runMs: latency(pf.runMs),
      handlerMs: latency(pf.handlerMs),
      checks: {
        lost: pf.accepted - pf.terminal,
        duplicates: pf.accepted - pf.distinctIds,
        laterAttempts: pf.laterAttempts,
        executions: pf.executions,
        recordedRuns: pf.recordedRuns,
        strayRows: pf.strayRows,
        containersAtEnd: pf.containers,
      },
      cpuMs: pf.cpu,
    },
    ratios: { acceptedPerS: pfAccept / rawAccept, completionsPerS: pfDone / rawDone },
  };
}

function writeChart(results: AsyncResults): void {
  mkdirSync(join(CHART, '..'), { recursive: true });
  writeFileSync(CHART, chart(results));
  console.log(`[bench] wrote ${CHART}`);
}

/** accepted/s and completions/s, raw BullMQ beside the platform. */
function chart({
  date,
  settings,
  machine: host,
  loadAverage: load,
  raw,
  platform,
  ratios,
}: AsyncResults): string {
  // JSON keeps NaN as null, so a redrawn chart may see null where the run saw NaN.
  const times = (value: number | null) =>
    value !== null && Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
  return renderBarChart({
    title: 'Async invocation throughput of a trivial Node.js handler',
    subtitle:
      `${date.slice(0, 10)}, N = ${settings.n} requests from C = ${settings.concurrency} clients, worker ` +
      `concurrency ${settings.worker.concurrency} on both sides.\n${host.cores} cores shared by the load ` +
      `generator and every process; load average ${load.start[0]?.toFixed(2)} → ${load.end[0]?.toFixed(2)}.\n` +
      'Raw BullMQ: Queue.add → no-op Worker on the same Redis. Platform: POST invocations-async → ledger terminal.',
    series: [
      { name: 'raw BullMQ (add → no-op worker)', color: '#E69F00' },
      { name: 'platform (POST invocations-async → ledger terminal)', color: '#0072B2' },
    ],
    panels: [
      {
        title: 'Throughput (higher is better)',
        yLabel: 'requests per second',
        groups: [
          {
            label: `accepted/s (platform ÷ raw ${times(ratios.acceptedPerS)})`,
            values: [raw.acceptedPerS, platform.acceptedPerS],
          },
          {
            label: `completions/s (platform ÷ raw ${times(ratios.completionsPerS)})`,
            values: [raw.completionsPerS, platform.completionsPerS],
          },
        ],
        format: (v) => Math.round(v).toLocaleString('en-US'),
      },
    ],
  });
}

const INTRO = `${SECTION}

\`bench/async-throughput.bench.ts\` (third part of \`npm run bench\`; \`BENCH_WRITE_DOC=1\` rewrites this section) measures
accepted async invocations per second and the end-to-end completion rate of a trivial Node.js handler (256 MB,
\`concurrent_num\` above the invoker's worker concurrency so one warm container serves every job), warmed up with one
sync call and one async call, beside raw BullMQ on the same Redis in the same run:

- **raw BullMQ**: N \`Queue.add\` calls from C concurrent adders in the benchmark process into a queue of its own
  (\`bench-raw-<ts>\`), with the data of the warm-up async job (so the same size) and the options the platform gives an
  async job, taken by a Worker in a child process with the invoker's concurrency and lock settings whose processor does
  nothing. accepted/s = N ÷ time to the last acknowledged add; completions/s = N ÷ time from the first add to the last
  \`completed\` event.
- **platform**: N \`POST /v2/{project_id}/fgs/functions/{urn}/invocations-async\` (\`X-Auth-Token\`) from C concurrent
  clients over kept-alive connections; accepted/s = 202 answers ÷ time to the last answer; then the invocations table is
  polled until every accepted request is SUCCESS, FAIL or DISCARD; completions/s = N ÷ time from the first POST to the
  last \`end_time\`. Per-request latencies come from the ledger (\`end_time − created_at\`, nearest-rank percentiles).
- **CPU per request**: user + system time over the same window, from \`/proc\` for the gateway, the invoker, the
  raw worker process and the PostgreSQL backends of the bench database, \`process.cpuUsage()\` for the benchmark
  process, the Engine's stats for the function container and \`INFO cpu\` for Redis (a server other sessions share),
  divided by the requests completed.
- **checks**: no accepted request without a terminal row (lost), one row per request id, and the number of
  executions the containers counted (each returns a per-container counter) against the results recorded.
`;

/** Replaces the section (up to the next level-2 heading) or appends it. */
function writeSection(report: string): void {
  const doc = readFileSync(DOC, 'utf8');
  const section = `${INTRO}\n${report}\n`;
  const start = doc.indexOf(`\n${SECTION}\n`);
  if (start < 0) {
    writeFileSync(DOC, `${doc.trimEnd()}\n\n${section}`);
    return;
  }
  const next = doc.indexOf('\n## ', start + 1);
  const after = next < 0 ? '' : doc.slice(next);
  writeFileSync(DOC, `${doc.slice(0, start + 1)}${section}${after}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
