import type { CustomImageRun } from '../runtime/container-runtime.port';

/** How an invocation was requested. */
export type InvokeType = 'sync' | 'async';

/** Async ledger and invocation-record states (spec §5.2). */
export const INVOCATION_STATUSES = ['WAIT', 'RUNNING', 'SUCCESS', 'FAIL', 'DISCARD'] as const;
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

/** The resolved, immutable view of a function version that an invoker needs to run it. */
export interface FunctionSnapshot {
  functionId: string;
  projectId: string;
  domainId: string;
  /** Unqualified URN. */
  funcUrn: string;
  funcName: string;
  package: string;
  version: string;
  runtime: string;
  handler: string;
  memorySize: number;
  cpu: number;
  timeoutS: number;
  initializerHandler?: string;
  initializerTimeoutS?: number;
  codeDigest: string;
  /** SHA-512 digests of the attached dependency versions' zips, in `depend_version_list` order; absent when none. */
  dependencyDigests?: string[];
  /** Plain environment variables (user_data). Encrypted ones are fetched by the invoker, never carried in jobs. */
  userData: Record<string, string>;
  hasEncryptedUserData: boolean;
  /** Requests one instance serves at once. */
  concurrentNum: number;
  /** Set for container-image functions (custom_image enabled). */
  customImage?: CustomImageRun;
  /** Instances of the function across all invokers (strategy_config.concurrency): -1 no cap, 0 disabled; absent = -1. */
  maxInstances?: number;
  /** Digest of everything that shapes an instance; instances are only reused for the same digest. */
  configDigest: string;
}

/** BullMQ job payload of `ofg-invocations` jobs. jobId = requestId. */
export interface InvocationJob {
  requestId: string;
  projectId: string;
  invokeType: InvokeType;
  function: FunctionSnapshot;
  /** The event as the raw JSON text the caller sent. */
  event: string;
  logType: 'tail' | 'none';
  alias?: string;
  /** Redis pub/sub channel the sync reply goes to. */
  replyTo?: string;
  /** Epoch ms after which nobody waits for the reply any more. */
  deadline?: number;
  /** The trigger that caused it; `hop`: how many trigger invocations led here (1 for a message from outside). */
  trigger?: { type: string; id: string; name: string; hop?: number };
  /** When the request was accepted (epoch ms); max event age counts from here. */
  enqueuedAt: number;
  /** Async: the ledger row's attempt when the reconciler re-enqueued the job, so its deliveries fence above it. */
  attemptBase?: number;
  /** Async: function-error retries already made (carried across delayed re-deliveries of the same job). */
  functionRetries?: number;
  /**
   * Sync, routed to the shared inbox: the invoker that serves it becomes the function version's home (`key`, see
   * syncAffinityKey), replacing `claimOver` (a home that is gone) or none.
   */
  affinity?: { key: string; claimOver?: string };
}

/** How the invocation ended, from the platform's point of view. */
export type InvocationOutcome = 'success' | 'function_error' | 'timeout' | 'platform_error';

/** How the invocation got its instance: reused (`warm`), a prewarmed container specialized, or a container started. */
export type StartKind = 'warm' | 'prewarm' | 'cold';

/** Why an instance had to be started (absent for warm invocations). Stored in invocation records; renaming one breaks them. */
export const START_REASONS = [
  'no_instance',
  'over_concurrency',
  'new_config',
  'evicted',
  'after_crash',
  'reserved',
] as const;
export type StartReason = (typeof START_REASONS)[number];

/** What an invoker reports back for one invocation (sync reply and record). */
export interface InvocationReply {
  requestId: string;
  outcome: InvocationOutcome;
  /** The handler's result serialised to text, or the FunctionGraph error object as JSON text. */
  result: string;
  /** The request's own log lines. */
  log: string;
  durationMs: number;
  billingDurationMs: number;
  memorySizeMb: number;
  memoryUsedMb: number;
  startKind: StartKind;
  /** Why an instance was started for this invocation; absent when it ran warm. */
  startReason?: StartReason;
  invokerId: string;
  /** Sync jobs that claimed a home: the function version's home after the claim, for the router's cache. */
  home?: string;
  /** Platform error code (e.g. FSS.0500) when outcome is platform_error. */
  errorCode?: string;
}

/** Invoke-time error codes reported in X-Func-Err-Code for function errors. */
export const FUNC_ERROR_CODES = {
  handlerError: 4001,
  initializerError: 4002,
  timeout: 4036,
  outOfMemory: 4037,
  runtimeCrash: 4038,
} as const;
