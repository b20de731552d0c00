import type { FunctionSnapshot, InvocationJob } from './invocation.contracts';

/**
 * The sync fast path (SYNC_DISPATCH=affinity): sync jobs travel on plain Redis lists, not BullMQ. A function version
 * has a home invoker (the one that served it first and holds its warm instances); its jobs are pushed to the home's
 * inbox, the rest to the shared inbox every invoker pops after its own. Idle invokers steal jobs that waited too long
 * in a busy or stalled home's inbox. Renaming a key strands the jobs queued under it.
 */
export const SYNC_INBOX_KEYS = {
  /** List of jobs of functions without a (live) home; every invoker pops it after its own inbox. */
  shared: 'ofg:inbox:shared',
  /** Prefix of an invoker's own inbox list. */
  invokerPrefix: 'ofg:inbox:invoker:',
  /** Prefix of a function version's home: a string holding the invoker id, expiring unless refreshed. */
  homePrefix: 'ofg:home:',
} as const;

/** How the gateway and the trigger service hand sync jobs to invokers. */
export const SYNC_DISPATCH_MODES = ['affinity', 'queue'] as const;
export type SyncDispatchMode = (typeof SYNC_DISPATCH_MODES)[number];

export function invokerInboxKey(invokerId: string): string {
  return `${SYNC_INBOX_KEYS.invokerPrefix}${invokerId}`;
}

/** Jobs of one function version share a home; a new version or config starts its own. */
export function syncAffinityKey(fn: Pick<FunctionSnapshot, 'functionId' | 'version'>): string {
  return `${fn.functionId}:${fn.version}`;
}

export function homeKey(affinityKey: string): string {
  return `${SYNC_INBOX_KEYS.homePrefix}${affinityKey}`;
}

/** An inbox entry: the enqueue time first, so a thief can judge a job's age without parsing the event. */
export function encodeInboxEntry(job: InvocationJob): string {
  return `${job.enqueuedAt}:${JSON.stringify(job)}`;
}

export function decodeInboxEntry(entry: string): InvocationJob {
  return JSON.parse(entry.slice(entry.indexOf(':') + 1)) as InvocationJob;
}
