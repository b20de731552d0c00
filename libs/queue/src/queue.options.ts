/** Settings of the queue module, validated by each app's config. */
export interface QueueOptions {
  redisUrl: string;
  region: string;
  /** How long a sync request may wait for an invoker on top of the function's own timeouts. */
  syncQueueWaitMs: number;
}

export const QUEUE_OPTIONS = Symbol('QUEUE_OPTIONS');
