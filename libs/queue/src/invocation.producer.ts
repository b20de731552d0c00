import { JobsOptions, Queue } from 'bullmq';
import Redis from 'ioredis';
import { InvocationJob, QUEUES } from '@ofg/contracts';

/** Sync jobs run at most once and leave nothing in Redis; async jobs retry and are kept briefly for inspection. */
const SYNC_JOB_OPTIONS: JobsOptions = { attempts: 1, removeOnComplete: true, removeOnFail: true };
const ASYNC_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 86_400, count: 10_000 },
};

/** The one place invocation jobs are enqueued. */
export class InvocationProducer {
  readonly queue: Queue<InvocationJob>;

  constructor(readonly connection: Redis) {
    this.queue = new Queue<InvocationJob>(QUEUES.invocations, { connection });
  }

  async enqueue(job: InvocationJob): Promise<void> {
    const options = job.invokeType === 'sync' ? SYNC_JOB_OPTIONS : ASYNC_JOB_OPTIONS;
    await this.queue.add('invoke', job, { ...options, jobId: job.requestId });
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
