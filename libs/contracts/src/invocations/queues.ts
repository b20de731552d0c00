/** BullMQ queue names. Renaming one strands the jobs already in Redis. */
export const QUEUES = {
  /** Sync and async invocation jobs, consumed by invokers. */
  invocations: 'ofg-invocations',
  /** Timer ticks produced by job schedulers, consumed by trigger services. */
  timers: 'ofg-timers',
} as const;

/** Prefix of the per-gateway Redis pub/sub channels sync replies are published to. */
export const REPLY_CHANNEL_PREFIX = 'ofg:reply:';

/** Payload of a timer tick job; the scheduler id is the trigger id. */
export interface TimerTickJob {
  triggerId: string;
  projectId: string;
}
