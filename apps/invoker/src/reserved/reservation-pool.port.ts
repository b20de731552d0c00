import { FunctionSnapshot } from '@ofg/contracts';

/** What the reconciler asks of the instance pool (InstancePoolService; a fake in unit tests). */
export interface ReservationPool {
  /** Keeps exactly `count` ready instances of the snapshot exempt from idle eviction; 0 releases them. */
  reserve(snapshot: FunctionSnapshot, count: number): Promise<void>;
  /** Instances of the snapshot this invoker holds as reserved. */
  reservedCount(snapshot: FunctionSnapshot): number | Promise<number>;
  /** Every instance of this invoker (for the live figures). */
  instances(): readonly { snapshot: FunctionSnapshot; state: string; retired: boolean }[];
}

export const RESERVATION_POOL = Symbol('RESERVATION_POOL');

/** The invoker's boot: the worker starts after the orphan-container sweep, which must not meet reserved starts. */
export interface InvokerBoot {
  whenStarted(): Promise<void>;
}

export const INVOKER_BOOT = Symbol('INVOKER_BOOT');
