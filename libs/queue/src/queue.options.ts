import type { SyncDispatchMode } from '@ofg/contracts';

/** Settings of the queue module, validated by each app's config. */
export interface QueueOptions {
  redisUrl: string;
  region: string;
  /** How long a sync request may wait for an invoker on top of the function's own timeouts. */
  syncQueueWaitMs: number;
  /** How sync jobs reach invokers: the home invoker's inbox (default) or the shared BullMQ queue. */
  syncDispatch?: SyncDispatchMode;
}

export const QUEUE_OPTIONS = Symbol('QUEUE_OPTIONS');
