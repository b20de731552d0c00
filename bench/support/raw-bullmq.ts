/**
 * Floors of an invocation made of raw BullMQ on the platform's Redis. Jobs are added from this process (as the
 * gateway adds them) to a queue of their own, and a Worker in a child process (as the invoker is one) with the
 * invoker's concurrency and lock settings takes them: for async, with a processor that does nothing
 * (runRawBaseline); for sync, with one that publishes a reply on the adder's ReplyBus channel, the platform's own
 * reply path (RawSyncRoundTrip).
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { JobsOptions, Queue, Worker } from 'bullmq';
import { InvocationJob, InvocationReply, QUEUES } from '@ofg/contracts';
import { createRedisConnection, publishReply, ReplyBus } from '@ofg/queue';
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
// The options InvocationProducer gives a sync job: one attempt, nothing left in Redis.
const SYNC_JOB_OPTIONS: JobsOptions = { attempts: 1, removeOnComplete: true, removeOnFail: true };

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

/** What the child's Worker does with a job: count it (async floor) or answer it on its `replyTo` (sync floor). */
type WorkerMode = 'count' | 'reply';

function forkWorker(queueName: string, redisUrl: string, worker: RawWorkerSettings, mode: WorkerMode, n = 0) {
  return fork(__filename, [], {
    env: {
      ...process.env,
      RAW_WORKER_QUEUE: queueName,
      RAW_WORKER_REDIS_URL: redisUrl,
      RAW_WORKER_MODE: mode,
      RAW_WORKER_N: String(n),
      RAW_WORKER_SETTINGS: JSON.stringify(worker),
    },
  });
}

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
  const child = forkWorker(queueName, opts.redisUrl, opts.worker, 'count', opts.n);
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

/**
 * The floor of a sync invocation through a queue: `roundTrip()` registers with a ReplyBus, adds a job with the sync
 * job options to a queue of its own and waits until the child's Worker has published the reply on the bus's
 * channel, which is what gateway and invoker do for every sync call when `SYNC_DISPATCH=queue`, minus the
 * authentication, function lookup, instance pool and container.
 */
export class RawSyncRoundTrip {
  private constructor(
    private readonly job: InvocationJob,
    private readonly connection: ReturnType<typeof createRedisConnection>,
    private readonly queue: Queue,
    private readonly replies: ReplyBus,
    private readonly child: ChildProcess,
    private readonly timeoutMs: number,
  ) {}

  /** Starts the Worker process and the reply subscription; `job` is the data each round trip adds (fresh id). */
  static async start(opts: {
    redisUrl: string;
    job: InvocationJob;
    worker: RawWorkerSettings;
    timeoutMs?: number;
  }): Promise<RawSyncRoundTrip> {
    const queueName = `bench-raw-sync-${Date.now()}`;
    const connection = createRedisConnection(opts.redisUrl, 'producer');
    const queue = new Queue(queueName, { connection });
    const replies = new ReplyBus(createRedisConnection(opts.redisUrl, 'blocking'));
    const child = forkWorker(queueName, opts.redisUrl, opts.worker, 'reply');
    const raw = new RawSyncRoundTrip(opts.job, connection, queue, replies, child, opts.timeoutMs ?? 30_000);
    try {
      await Promise.all([queue.waitUntilReady(), replies.start(), nextMessage(child, 'ready', 60_000)]);
    } catch (err) {
      await raw.close();
      throw err;
    }
    return raw;
  }

  /** Bytes of the JSON data each round trip adds. */
  get jobBytes(): number {
    return Buffer.byteLength(JSON.stringify(this.jobData(randomUUID())));
  }

  /** One sync job from add to reply; rejects on a Redis error or when no reply came within the timeout. */
  async roundTrip(): Promise<void> {
    const requestId = randomUUID();
    const reply = this.replies.expect(requestId, this.timeoutMs);
    reply.catch(() => undefined);
    try {
      await this.queue.add('invoke', this.jobData(requestId), { ...SYNC_JOB_OPTIONS, jobId: requestId });
    } catch (err) {
      this.replies.cancel(requestId);
      throw err;
    }
    const answer = await reply;
    if (answer.outcome !== 'success') throw new Error(`raw sync job ${requestId} answered ${answer.outcome}`);
  }

  /** The job as the gateway's dispatcher builds a sync one: fresh request id, reply channel and deadline. */
  private jobData(requestId: string): InvocationJob {
    const now = Date.now();
    return {
      ...this.job,
      requestId,
      invokeType: 'sync',
      replyTo: this.replies.channel,
      deadline: now + this.timeoutMs,
      enqueuedAt: now,
    };
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((done) => this.child.once('exit', done));
      this.child.kill('SIGTERM');
      await exited;
    }
    await this.replies.stop();
    await this.queue.obliterate({ force: true }).catch(() => undefined);
    await this.queue.close();
    // BullMQ leaves a connection it was given open.
    this.connection.disconnect();
  }
}

/** A job the platform enqueued on its invocations queue (an async one, which stays there after it ran). */
export async function platformJob(
  redisUrl: string,
  requestId: string,
  timeoutMs = 10_000,
): Promise<InvocationJob> {
  const connection = createRedisConnection(redisUrl, 'producer');
  const queue = new Queue<InvocationJob>(QUEUES.invocations, { connection });
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const job = await queue.getJob(requestId);
      if (job) return job.data;
      if (Date.now() > until) throw new Error(`job ${requestId} is not in ${QUEUES.invocations}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  } finally {
    await queue.close();
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

/**
 * Child process: a Worker whose processor does nothing, reporting once `RAW_WORKER_N` jobs completed (`count`), or
 * publishes each job's reply, its event echoed as the result, on the job's `replyTo` (`reply`).
 */
async function workerMain(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (value === undefined) throw new Error(`${name} is not set`);
    return value;
  };
  const n = Number(env('RAW_WORKER_N'));
  const settings = JSON.parse(env('RAW_WORKER_SETTINGS')) as RawWorkerSettings;
  const mode = env('RAW_WORKER_MODE') as WorkerMode;
  const send = (m: WorkerMessage) => process.send?.(m);
  const enqueueToDoneMs: number[] = [];
  // Like the invoker's reply publisher: a connection of its own, apart from the Worker's.
  const publisher = createRedisConnection(env('RAW_WORKER_REDIS_URL'), 'blocking');
  const processor =
    mode === 'reply'
      ? async (job: { data: InvocationJob }) => {
          const { requestId, replyTo, event, function: fn } = job.data;
          if (!replyTo) throw new Error(`job ${requestId} has no replyTo`);
          const reply: InvocationReply = {
            requestId,
            outcome: 'success',
            result: event,
            log: '',
            durationMs: 0,
            billingDurationMs: 1,
            memorySizeMb: fn.memorySize,
            memoryUsedMb: 0,
            startKind: 'warm',
            invokerId: 'bench-raw',
          };
          await publishReply(publisher, replyTo, reply);
        }
      : async () => undefined;
  const worker = new Worker(env('RAW_WORKER_QUEUE'), processor, {
    connection: createRedisConnection(env('RAW_WORKER_REDIS_URL'), 'blocking'),
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    autorun: true,
  });
  worker.on('completed', (job) => {
    if (mode !== 'count') return;
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
