/**
 * The floor of an async invocation: raw BullMQ on the platform's Redis. Jobs are added from this process (as the
 * gateway adds them) to a queue of their own, and a Worker in a child process (as the invoker is one) with the
 * invoker's concurrency and lock settings takes them with a processor that does nothing.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { JobsOptions, Queue, Worker } from 'bullmq';
import { createRedisConnection } from '@ofg/queue';
import { processCpuMs, redisCpuMs } from './cpu';
import { inParallel } from './parallel';

/** The invoker's worker defaults (WORKER_CONCURRENCY, WORKER_LOCK_DURATION_MS, WORKER_STALLED_INTERVAL_MS). */
export interface RawWorkerSettings {
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

// The options InvocationProducer gives an async job, so both sides run the same retention and retry bookkeeping.
const ASYNC_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 86_400, count: 10_000 },
};

export interface RawFigures {
  /** Wall clock (Date.now) when the first add was sent. */
  startedAt: number;
  /** When the last add was acknowledged by Redis. */
  addedAt: number;
  /** When the worker saw the last job completed. */
  doneAt: number;
  completed: number;
  addErrors: number;
  /** Per add, ms from sending to Redis's acknowledgement. */
  addMs: number[];
  /** Per job, ms from its add timestamp to its completion. */
  enqueueToDoneMs: number[];
  /** CPU ms from the first add to the last completion: this process (the adders), the worker process, Redis. */
  cpu: { producerMs: number; consumerMs: number; redisMs: number };
}

type WorkerMessage =
  { type: 'ready' } | { type: 'done'; doneAt: number; completed: number; enqueueToDoneMs: number[] };

/** Adds `n` copies of `data` with `concurrency` adders and waits until the worker completed them all. */
export async function runRawBaseline(opts: {
  redisUrl: string;
  data: unknown;
  n: number;
  concurrency: number;
  worker: RawWorkerSettings;
  timeoutMs: number;
}): Promise<RawFigures> {
  const queueName = `bench-raw-${Date.now()}`;
  const connection = createRedisConnection(opts.redisUrl, 'producer');
  const queue = new Queue(queueName, { connection });
  await queue.waitUntilReady();
  const child = fork(__filename, [], {
    env: {
      ...process.env,
      RAW_WORKER_QUEUE: queueName,
      RAW_WORKER_REDIS_URL: opts.redisUrl,
      RAW_WORKER_N: String(opts.n),
      RAW_WORKER_SETTINGS: JSON.stringify(opts.worker),
    },
  });
  try {
    const done = nextMessage(child, 'done', opts.timeoutMs);
    done.catch(() => undefined);
    await nextMessage(child, 'ready', 60_000);
    const addMs: number[] = [];
    let addErrors = 0;
    const cpuBefore = {
      producer: process.cpuUsage(),
      consumer: processCpuMs(child.pid ?? 0),
      redis: await redisCpuMs(connection),
    };
    const startedAt = Date.now();
    await inParallel(opts.n, opts.concurrency, async () => {
      const sent = process.hrtime.bigint();
      try {
        await queue.add('invoke', opts.data, { ...ASYNC_JOB_OPTIONS, jobId: randomUUID() });
        addMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
      } catch {
        addErrors += 1;
      }
    });
    const addedAt = Date.now();
    const finished = (await done) as Extract<WorkerMessage, { type: 'done' }>;
    const producer = process.cpuUsage(cpuBefore.producer);
    const cpu = {
      producerMs: (producer.user + producer.system) / 1000,
      consumerMs: processCpuMs(child.pid ?? 0) - cpuBefore.consumer,
      redisMs: (await redisCpuMs(connection)) - cpuBefore.redis,
    };
    return {
      startedAt,
      addedAt,
      doneAt: finished.doneAt,
      completed: finished.completed,
      addErrors,
      addMs,
      enqueueToDoneMs: finished.enqueueToDoneMs,
      cpu,
    };
  } finally {
    child.kill('SIGTERM');
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    // BullMQ leaves a connection it was given open.
    connection.disconnect();
  }
}

function nextMessage(
  child: ChildProcess,
  type: WorkerMessage['type'],
  timeoutMs: number,
): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the raw BullMQ worker sent no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: WorkerMessage) => {
      if (m.type !== type) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the raw BullMQ worker exited (${code}) before '${type}'`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Child process: a Worker whose processor does nothing, reporting once `RAW_WORKER_N` jobs completed. */
async function workerMain(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (value === undefined) throw new Error(`${name} is not set`);
    return value;
  };
  const n = Number(env('RAW_WORKER_N'));
  const settings = JSON.parse(env('RAW_WORKER_SETTINGS')) as RawWorkerSettings;
  const send = (m: WorkerMessage) => process.send?.(m);
  const enqueueToDoneMs: number[] = [];
  const worker = new Worker(env('RAW_WORKER_QUEUE'), async () => undefined, {
    connection: createRedisConnection(env('RAW_WORKER_REDIS_URL'), 'blocking'),
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    autorun: true,
  });
  worker.on('completed', (job) => {
    enqueueToDoneMs.push(Date.now() - job.timestamp);
    if (enqueueToDoneMs.length === n)
      send({ type: 'done', doneAt: Date.now(), completed: enqueueToDoneMs.length, enqueueToDoneMs });
  });
  process.on('SIGTERM', () => {
    void worker.close().finally(() => process.exit(0));
  });
  await worker.waitUntilReady();
  send({ type: 'ready' });
}

if (require.main === module) {
  workerMain().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
